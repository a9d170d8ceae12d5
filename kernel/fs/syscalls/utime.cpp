// utime(2), utimes(2) and futimesat(2): the older forms of utimensat(2), with whole seconds
// (utime) or microseconds (utimes, futimesat) and no UTIME_NOW or UTIME_OMIT. A null times
// argument sets both timestamps to now.
#include <fs/permissions.h>

#include "support.h"

namespace {

struct UserTimeval {
    int64_t seconds;
    int64_t microseconds;
};

// utimensat(2)'s rule: setting both timestamps to the current time takes ownership, write
// access (EACCES) or privilege; setting them to given times ownership or privilege (EPERM).
ErrorOr<long> change_times(fs::Inode& inode, fs::Timespec const* times)
{
    auto identity = fs::caller_identity();
    if (!fs::is_owner_or_root(inode, identity)) {
        if (times)
            return Error(EPERM);
        TRY(fs::check_permission(inode, W_OK, identity));
    }
    TRY(fs::set_times(inode, times));
    return 0;
}

// utimes(2): "EINVAL One of the times has microseconds outside the range 0 to 999999"
// (Linux's do_futimesat()). The times are read before the path is looked at.
ErrorOr<bool> read_timevals(uintptr_t address, fs::Timespec (&times)[2])
{
    if (!address)
        return false;
    UserTimeval user_times[2];
    TRY(copy_from_user(user_times, address, sizeof(user_times)));
    for (int index = 0; index < 2; ++index) {
        if (user_times[index].microseconds < 0 || user_times[index].microseconds >= 1'000'000)
            return Error(EINVAL);
        times[index] = { user_times[index].seconds, user_times[index].microseconds * 1000 };
    }
    return true;
}

// futimesat(2) and utimes(2). As with utimensat(2), Linux takes a null pathname with a real
// dirfd to mean dirfd's own file.
ErrorOr<long> change_times_at(int dirfd, uintptr_t path_address, uintptr_t times_address)
{
    fs::Timespec times[2];
    bool have_times = TRY(read_timevals(times_address, times));
    RefPtr<fs::Inode> inode;
    if (path_address == 0 && dirfd != AT_FDCWD)
        inode = TRY(fs::syscalls::usable_description_for(dirfd))->inode_ref();
    else
        inode = TRY(fs::syscalls::resolve_user_path(dirfd, path_address, 0));
    return change_times(*inode, have_times ? times : nullptr);
}

}

// utime(2): struct utimbuf { time_t actime; time_t modtime; }, whole seconds.
SYSCALL_HANDLER(utime)
{
    fs::Timespec times[2];
    bool have_times = args[1] != 0;
    if (have_times) {
        int64_t seconds[2];
        TRY(copy_from_user(seconds, args[1], sizeof(seconds)));
        times[0] = { seconds[0], 0 };
        times[1] = { seconds[1], 0 };
    }
    auto inode = TRY(fs::syscalls::resolve_user_path(AT_FDCWD, args[0], 0));
    return change_times(*inode, have_times ? times : nullptr);
}

SYSCALL_HANDLER(utimes) { return change_times_at(AT_FDCWD, args[0], args[1]); }
SYSCALL_HANDLER(futimesat) { return change_times_at(args.as_int(0), args[1], args[2]); }
