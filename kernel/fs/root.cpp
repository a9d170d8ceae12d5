#include <config.h>

#include <fs/cpio.h>
#include <fs/fs.h>

namespace fs {

// The machine's tree. One instance for the whole kernel, like the console it sits on; every
// per-process piece of state lives in FdTable and FsContext instead.
static Vfs* s_vfs;

ErrorOr<OwnPtr<Vfs>> Vfs::create()
{
    auto* pointer = new (std::nothrow) Vfs();
    if (!pointer)
        return Error(ENOMEM);
    OwnPtr<Vfs> vfs(pointer);
    vfs->m_file_system = TRY(RamFileSystem::create());
    TRY(vfs->m_mounts.add({ "rootfs", "/", "rootfs", "rw" }));
    vfs->m_kernel_context = TRY(FsContext::create(vfs->root()));
    auto console = TRY(Console::create());
    vfs->m_error_console = TRY(ConsoleDevice::create(*vfs->m_file_system, console, plat::ConsoleStream::Error));
#ifdef CONFIG_FS_DEVFS
    auto dev = TRY(vfs->root().create_directory("dev", 0755));
    vfs->m_dev = static_cast<Directory&>(*dev).as_ram_directory();
    TRY(populate_devfs(*vfs->m_dev, console));
    vfs->m_console = vfs->m_dev->find("console");
#else
    vfs->m_console = TRY(ConsoleDevice::create(*vfs->m_file_system, console, plat::ConsoleStream::Output));
#endif
#ifdef CONFIG_FS_PROCFS
    vfs->m_proc_file_system = TRY(ProcFileSystem::create(vfs->m_mounts));
    TRY(vfs->m_proc_file_system->mount(vfs->root(), "proc"));
    TRY(vfs->m_mounts.add({ "proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime" }));
#    ifdef CONFIG_FS_DEVFS
    // What udev adds to /dev: the descriptors of the process that looks, through /proc.
    TRY(vfs->m_dev->create_symlink("fd", "/proc/self/fd"));
    TRY(vfs->m_dev->create_symlink("stdin", "/proc/self/fd/0"));
    TRY(vfs->m_dev->create_symlink("stdout", "/proc/self/fd/1"));
    TRY(vfs->m_dev->create_symlink("stderr", "/proc/self/fd/2"));
#    endif
#endif
    return vfs;
}

ErrorOr<void> initialize_root()
{
    VERIFY(!s_vfs);
    s_vfs = TRY(Vfs::create()).leak();
    return {};
}

Vfs& vfs()
{
    VERIFY(s_vfs);
    return *s_vfs;
}

RamDirectory& root_directory()
{
    return vfs().root();
}

ErrorOr<void> open_console_descriptors(FdTable& table)
{
    return open_console_descriptors(table, vfs());
}

ErrorOr<void> unpack_initrd(std::span<uint8_t const> archive, char const** reason)
{
    return unpack_cpio(vfs().root(), archive, reason);
}

ErrorOr<RefPtr<FsContext>> create_initial_fs_context()
{
    return FsContext::create(vfs().root());
}

ErrorOr<void> open_console_descriptors(FdTable& table, Vfs& vfs)
{
    auto output = TRY(OpenFileDescription::create(vfs.console(), O_RDWR | linux_o_largefile));
    auto error = TRY(OpenFileDescription::create(vfs.error_console(), O_RDWR | linux_o_largefile));
    // Both show as /dev/console in /proc/PID/fd, as the console Linux's init opens.
    if (auto* dev = vfs.dev()) {
        output->set_location(*dev, TRY(String::try_create("console")));
        error->set_location(*dev, TRY(String::try_create("console")));
    }
    TRY(table.install(0, output, false));
    TRY(table.install(1, output, false));
    TRY(table.install(2, error, false));
    return {};
}

ErrorOr<RefPtr<OpenFileDescription>> open_path(FsContext const& context, std::string_view path, int flags)
{
    return open(context, context.cwd(), path, flags, 0);
}

ErrorOr<RefPtr<OpenFileDescription>> open_path(std::string_view absolute_path, int flags)
{
    return open_path(vfs().kernel_context(), absolute_path, flags);
}

ErrorOr<RefPtr<Inode>> lookup_path(FsContext const& context, std::string_view path, Follow follow)
{
    return resolve_path(context, context.cwd(), path, follow);
}

ErrorOr<void> unlink_path(std::string_view absolute_path)
{
    auto& context = vfs().kernel_context();
    return unlink(context, context.root(), absolute_path);
}

ErrorOr<String> current_directory_path(FsContext const& context)
{
    return absolute_path_of(context, context.cwd());
}

}
