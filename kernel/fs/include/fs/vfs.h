#pragma once

#include <cstdint>
#include <string_view>

#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/open_file_description.h>
#include <fs/path_walk.h>
#include <lib/string.h>

// Path-level operations, each one Linux's rules for errno. They take the caller's FsContext
// and a base inode for relative paths (its cwd, or a dirfd's inode for the *at calls) so that
// the syscall handlers stay thin and everything here runs in host unit tests.
namespace fs {

// The base of a *at(2) lookup: the working directory for AT_FDCWD, otherwise `dirfd`'s inode
// (EBADF if it is not open). An absolute path ignores dirfd entirely, as on Linux.
ErrorOr<RefPtr<Inode>> base_for(FdTable const&, FsContext const&, int dirfd, std::string_view path);

// The inode a path names; AT_EMPTY_PATH semantics (an empty path names `base` itself) when
// `allow_empty` is set.
// Directories are searched with `identity`'s permissions.
ErrorOr<RefPtr<Inode>> resolve_path(FsContext const&, Inode& base, std::string_view path, Follow, bool allow_empty = false,
    lib::Identity identity = caller_identity());

// open(2)/openat(2). `flags` are open(2)'s, O_CLOEXEC included (the caller applies it to the
// descriptor); `mode` applies when a file is created, less the context's umask.
ErrorOr<RefPtr<OpenFileDescription>> open(FsContext const&, Inode& base, std::string_view path, int flags, uint32_t mode);

ErrorOr<void> make_directory(FsContext const&, Inode& base, std::string_view path, uint32_t mode);
// mknod(2) once the type is checked: a regular file (type 0 or S_IFREG), a FIFO, or a device or
// socket node (which cannot be opened: ENXIO). `device` is in stat(2)'s encoding.
ErrorOr<void> make_node(FsContext const&, Inode& base, std::string_view path, uint32_t mode, uint64_t device);
// bind(2) of an AF_UNIX socket to a path (Linux's unix_mknod()): a socket node, `permissions`
// less the umask, that opens as ENXIO like mknod's; EEXIST when the name exists. The socket
// library keeps the node to find the socket bound to it.
ErrorOr<RefPtr<Inode>> make_socket_node(FsContext const&, Inode& base, std::string_view path, uint32_t permissions);
ErrorOr<void> remove_directory(FsContext const&, Inode& base, std::string_view path);
ErrorOr<void> unlink(FsContext const&, Inode& base, std::string_view path);
ErrorOr<void> make_symlink(FsContext const&, std::string_view target, Inode& base, std::string_view path);
ErrorOr<void> make_link(FsContext const&, Inode& old_base, std::string_view old_path, Inode& new_base, std::string_view new_path, Follow, bool allow_empty = false);
// renameat2(2): flags 0 and RENAME_NOREPLACE; RENAME_EXCHANGE and RENAME_WHITEOUT are EINVAL.
ErrorOr<void> rename(FsContext const&, Inode& old_base, std::string_view old_path, Inode& new_base, std::string_view new_path, unsigned flags);

// access(2)'s check of `mode` (R_OK, W_OK, X_OK; EINVAL for other bits) for `identity`.
ErrorOr<void> check_access(Inode const&, int mode, lib::Identity const& identity = caller_identity());
// What execve(2) requires of a file: a regular file that `identity` may execute (EACCES
// otherwise).
ErrorOr<void> check_executable(Inode const&, lib::Identity const& identity = caller_identity());
// truncate(2)/ftruncate(2) on an inode: EISDIR for directories, EINVAL for other non-files.
ErrorOr<void> truncate_inode(Inode&, int64_t length);
// chdir(2), fchdir(2): a directory (ENOTDIR) the caller may search (EACCES).
ErrorOr<void> change_directory(FsContext&, RefPtr<Inode>);

// The absolute path of a directory as seen from the context's root, for getcwd(2); ENOENT when
// it has been removed.
ErrorOr<String> absolute_path_of(FsContext const&, Directory&);
// The same from the root of the whole tree.
ErrorOr<String> absolute_path_of(Directory&);
// Where an open file is, as /proc/PID/fd/N shows it (Linux's d_path()): the directory's path,
// or the path of the directory the file was found in and its name there, followed by
// " (deleted)" once the file has no name left; for a description opened without a path
// (pipes, the console descriptors), the inode's anonymous_path().
ErrorOr<String> path_of(OpenFileDescription const&);
// A directory's path the same way: " (deleted)" after the nearest one still in the tree when it
// has been removed (its own name went with its entry).
ErrorOr<String> path_of(Directory&);

// utimensat(2) semantics for one timestamp: UTIME_NOW, UTIME_OMIT or a time (EINVAL when the
// nanoseconds are out of range).
ErrorOr<void> set_times(Inode&, Timespec const* times);

}
