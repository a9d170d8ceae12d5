#include <fs/abi.h>

#include "support.h"

namespace fs::syscalls {

static ErrorOr<long> access_at(int dirfd, uintptr_t path_address, int mode, int flags)
{
    if (mode & ~(R_OK | W_OK | X_OK))
        return Error(EINVAL);
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error(EINVAL);
    // access(2): "The check is done using the calling process's real UID and GID, rather than
    // the effective IDs as is done when actually attempting an operation"; AT_EACCESS asks for
    // the effective (file system) IDs. The path is walked with the same IDs.
    auto identity = (flags & AT_EACCESS) ? caller_identity() : caller_real_identity();
    auto path = TRY(copy_path(path_address));
    auto base = TRY(base_inode(dirfd, path.view()));
    Follow follow = (flags & AT_SYMLINK_NOFOLLOW) ? Follow::No : Follow::Yes;
    auto inode = TRY(resolve_path(current_fs_context(), *base, path.view(), follow, flags & AT_EMPTY_PATH, identity));
    TRY(check_access(*inode, mode, identity));
    return 0;
}

// chmod(2): "The effective UID of the calling process must match the owner of the file, or the
// process must be privileged" (EPERM); an unprivileged owner outside the file's group loses
// S_ISGID, as Linux's setattr_prepare() clears it.
static ErrorOr<long> change_mode(Inode& inode, uint32_t mode)
{
    auto identity = caller_identity();
    if (!is_owner_or_root(inode, identity))
        return Error(EPERM);
    mode &= 07777;
    if (!identity.is_root() && !identity.in_group(inode.gid()))
        mode &= ~uint32_t(S_ISGID);
    inode.set_permissions(mode);
    return 0;
}

// chown(2): "Only a privileged process may change the owner of a file. The owner of a file may
// change the group of the file to any group of which that owner is a member." Linux's
// chown_ok() and chgrp_ok() also let the owner "change" either to what it already is.
static ErrorOr<long> change_owner(Inode& inode, uint32_t uid, uint32_t gid)
{
    auto identity = caller_identity();
    if (!identity.is_root()) {
        bool owner = identity.uid == inode.uid();
        if (uid != lib::unchanged_id && !(owner && uid == inode.uid()))
            return Error(EPERM);
        if (gid != lib::unchanged_id && !(owner && (gid == inode.gid() || identity.in_group(gid))))
            return Error(EPERM);
    }
    // chown(2): "If the owner or group is specified as -1, then that ID is not changed."
    inode.set_owner(uid == lib::unchanged_id ? inode.uid() : uid, gid == lib::unchanged_id ? inode.gid() : gid);
    return 0;
}

static ErrorOr<long> change_owner_at(int dirfd, uintptr_t path_address, uint32_t uid, uint32_t gid, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error(EINVAL);
    auto inode = TRY(resolve_user_path(dirfd, path_address, flags));
    return change_owner(*inode, uid, gid);
}

}

using namespace fs::syscalls;

// access(2), faccessat(2), faccessat2(2). Root (a real user ID of 0) may read and write
// anything, and X_OK needs an execute bit on anything but a directory. The faccessat system
// call has no flags argument (the C library emulates them); faccessat2 has.
SYSCALL_HANDLER(access) { return access_at(AT_FDCWD, args[0], args.as_int(1), 0); }
SYSCALL_HANDLER(faccessat) { return access_at(args.as_int(0), args[1], args.as_int(2), 0); }
SYSCALL_HANDLER(faccessat2) { return access_at(args.as_int(0), args[1], args.as_int(2), args.as_int(3)); }

// chmod(2), fchmod(2), fchmodat(2): the permission bits only (07777); the type is kept. The
// fchmodat system call has no flags argument.
SYSCALL_HANDLER(chmod)
{
    auto inode = TRY(resolve_user_path(AT_FDCWD, args[0], 0));
    return change_mode(*inode, uint32_t(args[1]));
}
SYSCALL_HANDLER(fchmodat)
{
    auto inode = TRY(resolve_user_path(args.as_int(0), args[1], 0));
    return change_mode(*inode, uint32_t(args[2]));
}
SYSCALL_HANDLER(fchmod)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    return change_mode(description->inode(), uint32_t(args[1]));
}

// chown(2), lchown(2), fchown(2), fchownat(2). Owners are recorded and reported; as on Linux,
// changing them clears set-user-ID and set-group-ID (with group execute) on non-directories.
SYSCALL_HANDLER(chown) { return change_owner_at(AT_FDCWD, args[0], uint32_t(args[1]), uint32_t(args[2]), 0); }
SYSCALL_HANDLER(lchown) { return change_owner_at(AT_FDCWD, args[0], uint32_t(args[1]), uint32_t(args[2]), AT_SYMLINK_NOFOLLOW); }
SYSCALL_HANDLER(fchownat) { return change_owner_at(args.as_int(0), args[1], uint32_t(args[2]), uint32_t(args[3]), args.as_int(4)); }
SYSCALL_HANDLER(fchown)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    return change_owner(description->inode(), uint32_t(args[1]), uint32_t(args[2]));
}

// umask(2): "This system call always succeeds and the previous value of the mask is returned."
SYSCALL_HANDLER(umask)
{
    auto& context = fs::current_fs_context();
    uint32_t previous = context.umask();
    context.set_umask(uint32_t(args[0]));
    return long(previous);
}

// truncate(2), ftruncate(2). truncate: EISDIR for a directory, EINVAL for other non-files.
// ftruncate: "EINVAL fd does not reference a regular file or ... is not open for writing".
SYSCALL_HANDLER(truncate)
{
    auto inode = TRY(resolve_user_path(AT_FDCWD, args[0], 0));
    // Linux's vfs_truncate(): the kind of file, then write permission.
    if (int64_t(args[1]) >= 0 && inode->is_regular_file())
        TRY(fs::check_permission(*inode, W_OK, fs::caller_identity()));
    TRY(fs::truncate_inode(*inode, int64_t(args[1])));
    return 0;
}
SYSCALL_HANDLER(ftruncate)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    if (int64_t(args[1]) < 0)
        return Error(EINVAL);
    if (!description->inode().is_regular_file() || !description->is_writable())
        return Error(EINVAL);
    TRY(fs::truncate_inode(description->inode(), int64_t(args[1])));
    return 0;
}

// utimensat(2). Linux extension: a null pathname with a real dirfd changes dirfd's own file
// (how futimens(3) is built); a null pathname with AT_FDCWD is EFAULT.
SYSCALL_HANDLER(utimensat)
{
    int dirfd = args.as_int(0);
    int flags = args.as_int(3);
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error(EINVAL);
    struct UserTimespec {
        int64_t seconds;
        int64_t nanoseconds;
    };
    fs::Timespec times[2];
    bool have_times = args[2] != 0;
    if (have_times) {
        UserTimespec user_times[2];
        TRY(copy_from_user(user_times, args[2], sizeof(user_times)));
        for (int index = 0; index < 2; ++index)
            times[index] = { user_times[index].seconds, user_times[index].nanoseconds };
    }
    RefPtr<fs::Inode> inode;
    if (args[1] == 0 && dirfd != AT_FDCWD) {
        if (flags & AT_SYMLINK_NOFOLLOW)
            return Error(EINVAL);
        inode = TRY(fs::syscalls::description_for(dirfd))->inode_ref();
    } else {
        inode = TRY(resolve_user_path(dirfd, args[1], flags));
    }
    // utimensat(2): setting both timestamps to the current time takes ownership, write access
    // (EACCES) or privilege; any other change ownership or privilege (EPERM).
    auto identity = fs::caller_identity();
    if (!fs::is_owner_or_root(*inode, identity)) {
        bool to_now = !have_times || (times[0].nanoseconds == UTIME_NOW && times[1].nanoseconds == UTIME_NOW);
        bool omitted = have_times && times[0].nanoseconds == UTIME_OMIT && times[1].nanoseconds == UTIME_OMIT;
        if (to_now)
            TRY(fs::check_permission(*inode, W_OK, identity));
        else if (!omitted)
            return Error(EPERM);
    }
    TRY(fs::set_times(*inode, have_times ? times : nullptr));
    return 0;
}
