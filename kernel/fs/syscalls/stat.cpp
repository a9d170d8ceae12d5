#include <fs/abi.h>

#include "support.h"

namespace fs::syscalls {

static ErrorOr<long> copy_stat(Inode const& inode, uintptr_t address)
{
    LinuxStat stat;
    inode.fill_stat(stat);
    TRY(UserPtr<LinuxStat>(address).write(stat));
    return 0;
}

static ErrorOr<long> stat_path(int dirfd, uintptr_t path_address, uintptr_t stat_address, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return Error(EINVAL);
    auto inode = TRY(resolve_user_path(dirfd, path_address, flags));
    return copy_stat(*inode, stat_address);
}

static ErrorOr<long> copy_statfs(Inode const& inode, uintptr_t address)
{
    LinuxStatfs statfs;
    inode.file_system().fill_statfs(statfs);
    TRY(UserPtr<LinuxStatfs>(address).write(statfs));
    return 0;
}

}

using namespace fs::syscalls;

// stat(2), lstat(2), fstat(2), newfstatat(2): the x86_64 kernel's struct stat. fstat works on
// O_PATH descriptors.
SYSCALL_HANDLER(stat) { return stat_path(AT_FDCWD, args[0], args[1], 0); }
SYSCALL_HANDLER(lstat) { return stat_path(AT_FDCWD, args[0], args[1], AT_SYMLINK_NOFOLLOW); }
SYSCALL_HANDLER(newfstatat) { return stat_path(args.as_int(0), args[1], args[2], args.as_int(3)); }
SYSCALL_HANDLER(fstat)
{
    auto description = TRY(description_for(args.as_int(0)));
    return copy_stat(description->inode(), args[1]);
}

// statx(2). Every basic field is always filled, whatever the mask asked for (the man page
// allows more than was asked); no birth time is kept. As since Linux 6.11, a null path with
// AT_EMPTY_PATH names dirfd itself.
SYSCALL_HANDLER(statx)
{
    int dirfd = args.as_int(0);
    int flags = args.as_int(2);
    unsigned mask = unsigned(args[3]);
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return Error(EINVAL);
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return Error(EINVAL);
    if (mask & STATX__RESERVED)
        return Error(EINVAL);
    RefPtr<fs::Inode> inode;
    if (args[1] == 0 && (flags & AT_EMPTY_PATH))
        inode = TRY(resolve_at(dirfd, "", flags));
    else
        inode = TRY(resolve_user_path(dirfd, args[1], flags));
    fs::LinuxStatx statx;
    inode->fill_statx(statx);
    TRY(UserPtr<fs::LinuxStatx>(args[4]).write(statx));
    return 0;
}

// statfs(2), fstatfs(2): ramfs's answer (RAMFS_MAGIC, 4096-byte blocks, no block counts), as
// Linux's simple_statfs() gives it.
SYSCALL_HANDLER(statfs)
{
    auto inode = TRY(resolve_user_path(AT_FDCWD, args[0], 0));
    return copy_statfs(*inode, args[1]);
}
SYSCALL_HANDLER(fstatfs)
{
    auto description = TRY(description_for(args.as_int(0)));
    return copy_statfs(description->inode(), args[1]);
}
