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
    vfs->m_kernel_context = TRY(FsContext::create(vfs->root()));
    auto console = TRY(Console::create());
    vfs->m_error_console = TRY(ConsoleDevice::create(*vfs->m_file_system, console, plat::ConsoleStream::Error));
#ifdef CONFIG_FS_DEVFS
    auto dev = TRY(vfs->root().create_directory("dev", 0755));
    TRY(populate_devfs(static_cast<Directory&>(*dev), console));
    vfs->m_console = static_cast<Directory&>(*dev).find("console");
#else
    vfs->m_console = TRY(ConsoleDevice::create(*vfs->m_file_system, console, plat::ConsoleStream::Output));
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

Directory& root_directory()
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
