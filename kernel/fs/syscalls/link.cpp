#include <algorithm>

#include <fs/ramfs.h>

#include "support.h"

namespace fs::syscalls {

static ErrorOr<long> unlink_at(int dirfd, uintptr_t path_address, int flags)
{
    if (flags & ~AT_REMOVEDIR)
        return Error(EINVAL);
    auto path = TRY(copy_path(path_address));
    auto base = TRY(base_inode(dirfd, path.view()));
    if (flags & AT_REMOVEDIR)
        TRY(remove_directory(current_fs_context(), *base, path.view()));
    else
        TRY(unlink(current_fs_context(), *base, path.view()));
    return 0;
}

static ErrorOr<long> symlink_at(uintptr_t target_address, int dirfd, uintptr_t path_address)
{
    auto target = TRY(copy_path(target_address));
    auto path = TRY(copy_path(path_address));
    auto base = TRY(base_inode(dirfd, path.view()));
    TRY(make_symlink(current_fs_context(), target.view(), *base, path.view()));
    return 0;
}

static ErrorOr<long> link_at(int old_dirfd, uintptr_t old_address, int new_dirfd, uintptr_t new_address, int flags)
{
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return Error(EINVAL);
    auto old_path = TRY(copy_path(old_address));
    auto new_path = TRY(copy_path(new_address));
    auto old_base = TRY(base_inode(old_dirfd, old_path.view()));
    auto new_base = TRY(base_inode(new_dirfd, new_path.view()));
    Follow follow = (flags & AT_SYMLINK_FOLLOW) ? Follow::Yes : Follow::No;
    TRY(make_link(current_fs_context(), *old_base, old_path.view(), *new_base, new_path.view(), follow, flags & AT_EMPTY_PATH));
    return 0;
}

static ErrorOr<long> rename_at(int old_dirfd, uintptr_t old_address, int new_dirfd, uintptr_t new_address, unsigned flags)
{
    auto old_path = TRY(copy_path(old_address));
    auto new_path = TRY(copy_path(new_address));
    auto old_base = TRY(base_inode(old_dirfd, old_path.view()));
    auto new_base = TRY(base_inode(new_dirfd, new_path.view()));
    TRY(rename(current_fs_context(), *old_base, old_path.view(), *new_base, new_path.view(), flags));
    return 0;
}

// readlink(2): "EINVAL bufsiz is not positive" or the file is not a symlink; the target is
// copied without a NUL and truncated to bufsiz. An empty path names dirfd itself (since Linux
// 2.6.39), which is how an O_PATH|O_NOFOLLOW descriptor of a symlink is read.
static ErrorOr<long> readlink_at(int dirfd, uintptr_t path_address, uintptr_t buffer_address, int64_t size)
{
    auto path = TRY(copy_path(path_address));
    if (size <= 0)
        return Error(EINVAL);
    auto inode = TRY(resolve_at(dirfd, path.view(), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    // An empty path that does not name a symlink is ENOENT rather than EINVAL in Linux.
    if (!inode->is_symlink())
        return Error(path.is_empty() ? ENOENT : EINVAL);
    auto target = static_cast<Symlink const&>(*inode).target();
    // A link with nowhere to lead (procfs's exe of a process without an executable): Linux's
    // proc_exe_link() fails with ENOENT. Stored links are never empty (symlink(2) refuses).
    if (target.empty())
        return Error(ENOENT);
    size_t length = std::min<uint64_t>(target.size(), uint64_t(size));
    TRY(copy_to_user(buffer_address, target.data(), length));
    return long(length);
}

}

using namespace fs::syscalls;

// unlink(2), unlinkat(2). Linux returns EISDIR for a directory where POSIX says EPERM;
// AT_REMOVEDIR makes unlinkat an rmdir(2).
SYSCALL_HANDLER(unlink) { return unlink_at(AT_FDCWD, args[0], 0); }
SYSCALL_HANDLER(unlinkat) { return unlink_at(args.as_int(0), args[1], args.as_int(2)); }

// symlink(2), symlinkat(2): the target is stored as given, unchecked; an empty one is ENOENT.
SYSCALL_HANDLER(symlink) { return symlink_at(args[0], AT_FDCWD, args[1]); }
SYSCALL_HANDLER(symlinkat) { return symlink_at(args[0], args.as_int(1), args[2]); }

// link(2), linkat(2). link() does not follow a symlink as oldpath (Linux's choice, which POSIX
// leaves open); linkat() follows it with AT_SYMLINK_FOLLOW. "EPERM oldpath is a directory."
SYSCALL_HANDLER(link) { return link_at(AT_FDCWD, args[0], AT_FDCWD, args[1], 0); }
SYSCALL_HANDLER(linkat) { return link_at(args.as_int(0), args[1], args.as_int(2), args[3], args.as_int(4)); }

SYSCALL_HANDLER(readlink) { return readlink_at(AT_FDCWD, args[0], args[1], int64_t(int(args[2]))); }
SYSCALL_HANDLER(readlinkat) { return readlink_at(args.as_int(0), args[1], args[2], int64_t(int(args[3]))); }

// rename(2), renameat(2), renameat2(2). RENAME_NOREPLACE is honoured; RENAME_EXCHANGE and
// RENAME_WHITEOUT are EINVAL, as on a file system that lacks them.
SYSCALL_HANDLER(rename) { return rename_at(AT_FDCWD, args[0], AT_FDCWD, args[1], 0); }
SYSCALL_HANDLER(renameat) { return rename_at(args.as_int(0), args[1], args.as_int(2), args[3], 0); }
SYSCALL_HANDLER(renameat2) { return rename_at(args.as_int(0), args[1], args.as_int(2), args[3], unsigned(args[4])); }
