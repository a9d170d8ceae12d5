#pragma once

// Shared by the file system's syscall handlers: fetching paths and resolving dirfds.

#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/vfs.h>
#include <lib/user_memory.h>
#include <syscall/syscall.h>

namespace fs::syscalls {

// A path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX with its NUL.
inline ErrorOr<String> copy_path(uintptr_t address)
{
    return copy_string_from_user(address, path_max - 1, ENAMETOOLONG);
}

inline ErrorOr<RefPtr<OpenFileDescription>> description_for(int fd)
{
    return current_fd_table().get(fd);
}

// The description for an fd that must not be O_PATH: Linux's fdget() refuses those with EBADF
// for every operation but a few (fstat, fchdir, fcntl, dup, close).
inline ErrorOr<RefPtr<OpenFileDescription>> usable_description_for(int fd)
{
    auto description = TRY(current_fd_table().get(fd));
    if (description->is_path_only())
        return Error(EBADF);
    return description;
}

inline ErrorOr<RefPtr<Inode>> base_inode(int dirfd, std::string_view path)
{
    return base_for(current_fd_table(), current_fs_context(), dirfd, path);
}

// Resolves dirfd + path for the *at calls that take AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
inline ErrorOr<RefPtr<Inode>> resolve_at(int dirfd, std::string_view path, int flags)
{
    auto base = TRY(base_inode(dirfd, path));
    Follow follow = (flags & AT_SYMLINK_NOFOLLOW) ? Follow::No : Follow::Yes;
    return resolve_path(current_fs_context(), *base, path, follow, flags & AT_EMPTY_PATH);
}

inline ErrorOr<RefPtr<Inode>> resolve_user_path(int dirfd, uintptr_t path_address, int flags)
{
    auto path = TRY(copy_path(path_address));
    return resolve_at(dirfd, path.view(), flags);
}

}
