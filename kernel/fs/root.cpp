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

ErrorOr<void> open_console_descriptors(FdTable& table, ConsoleSetup const& setup)
{
    return open_console_descriptors(table, vfs(), setup);
}

void set_console_window_size(uint16_t rows, uint16_t columns)
{
    auto& console = static_cast<ConsoleDevice&>(vfs().console()).console();
    console.window_size.ws_row = rows;
    console.window_size.ws_col = columns;
}

ErrorOr<void> unpack_initrd(std::span<uint8_t const> archive, char const** reason)
{
    return unpack_cpio(vfs().root(), archive, reason);
}

ErrorOr<RefPtr<FsContext>> create_initial_fs_context()
{
    return FsContext::create(vfs().root());
}

ErrorOr<void> open_console_descriptors(FdTable& table, Vfs& vfs, ConsoleSetup const& setup)
{
    auto& console_device = static_cast<ConsoleDevice&>(vfs.console());
    auto& file_system = console_device.file_system();
    RefPtr<Console> console(&console_device.console());
    // A stream that is not a terminal gets an inode of its own that says so.
    auto inode_for = [&](Inode& terminal_inode, plat::ConsoleStream stream, bool terminal) -> ErrorOr<RefPtr<Inode>> {
        if (terminal)
            return RefPtr<Inode>(&terminal_inode);
        return RefPtr<Inode>(TRY(ConsoleDevice::create(file_system, console, stream, device_numbers::console, 0600, false)));
    };
    auto open_stream = [&](Inode& terminal_inode, plat::ConsoleStream stream, bool terminal, int access) -> ErrorOr<RefPtr<OpenFileDescription>> {
        auto description = TRY(OpenFileDescription::create(TRY(inode_for(terminal_inode, stream, terminal)), (terminal ? O_RDWR : access) | linux_o_largefile));
        // Each shows as /dev/console in /proc/PID/fd, as the console Linux's init opens.
        if (auto* dev = vfs.dev())
            description->set_location(*dev, TRY(String::try_create("console")));
        return description;
    };

    auto output = TRY(open_stream(vfs.console(), plat::ConsoleStream::Output, setup.output_terminal, O_WRONLY));
    auto input = output;
    if (!setup.input_terminal || !setup.output_terminal)
        input = TRY(open_stream(vfs.console(), plat::ConsoleStream::Output, setup.input_terminal, O_RDONLY));
    auto error = TRY(open_stream(vfs.error_console(), plat::ConsoleStream::Error, setup.error_terminal, O_WRONLY));
    TRY(table.install(0, input, false));
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
