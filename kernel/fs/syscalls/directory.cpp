#include <fs/open_file_description.h>

#include "support.h"

namespace fs::syscalls {

static ErrorOr<long> read_entries(int fd, uintptr_t address, size_t size, DirectoryEntryFormat format)
{
    auto description = TRY(usable_description_for(fd));
    if (size > max_transfer_size)
        size = max_transfer_size;
    if (!lib::is_user_range(address, size))
        return Error(EFAULT);
    auto buffer = IoBuffer::user(address, size);
    return long(TRY(description->read_directory_entries(buffer, format)));
}

static ErrorOr<long> make_directory_at(int dirfd, uintptr_t path_address, uint32_t mode)
{
    auto path = TRY(copy_path(path_address));
    auto base = TRY(base_inode(dirfd, path.view()));
    TRY(make_directory(current_fs_context(), *base, path.view(), mode));
    return 0;
}

}

using namespace fs::syscalls;

// getdents64(2), getdents(2): "." and ".." first, then the entries in creation order. Each
// record's d_off is the position after it, stable across calls even when entries come and go
// in between; "EINVAL Result buffer is too small" for even one entry.
SYSCALL_HANDLER(getdents64) { return read_entries(args.as_int(0), args[1], args[2], fs::DirectoryEntryFormat::Linux64); }
SYSCALL_HANDLER(getdents) { return read_entries(args.as_int(0), args[1], args[2], fs::DirectoryEntryFormat::Linux); }

// getcwd(2). The system call returns the length including the NUL (the C library turns it into
// a pointer); "ERANGE The size argument is less than the length of the absolute pathname";
// ENOENT once the directory has been removed.
SYSCALL_HANDLER(getcwd)
{
    auto& context = fs::current_fs_context();
    auto path = TRY(fs::absolute_path_of(context, context.cwd()));
    size_t needed = path.length() + 1;
    if (args[1] < needed)
        return Error(ERANGE);
    TRY(copy_to_user(args[0], path.c_str(), needed));
    return long(needed);
}

// chdir(2), fchdir(2). fchdir accepts O_PATH descriptors, as Linux does.
SYSCALL_HANDLER(chdir)
{
    auto inode = TRY(resolve_user_path(AT_FDCWD, args[0], 0));
    TRY(fs::change_directory(fs::current_fs_context(), std::move(inode)));
    return 0;
}
SYSCALL_HANDLER(fchdir)
{
    auto description = TRY(description_for(args.as_int(0)));
    TRY(fs::change_directory(fs::current_fs_context(), description->inode_ref()));
    return 0;
}

// mkdir(2), mkdirat(2): mode & 01777 less the umask; a trailing slash is fine; "EEXIST
// pathname already exists (not necessarily as a directory)", which includes "." and "/".
SYSCALL_HANDLER(mkdir) { return make_directory_at(AT_FDCWD, args[0], uint32_t(args[1])); }
SYSCALL_HANDLER(mkdirat) { return make_directory_at(args.as_int(0), args[1], uint32_t(args[2])); }

// rmdir(2): EINVAL for a last component ".", ENOTEMPTY for "..", EBUSY for "/".
SYSCALL_HANDLER(rmdir)
{
    auto path = TRY(copy_path(args[0]));
    auto& context = fs::current_fs_context();
    TRY(fs::remove_directory(context, context.cwd(), path.view()));
    return 0;
}
