#include <fs/fd_table.h>
#include <process/process.h>
#include <process/timerfd.h>
#include <syscall/syscall.h>

namespace {

using namespace process;

// timerfd_fget(): EBADF for no descriptor, EINVAL for a file that is not a timerfd. The
// description is returned so that it keeps the timer alive for the call.
ErrorOr<RefPtr<fs::OpenFileDescription>> timerfd_description(int fd)
{
    auto description = TRY(current().fd_table().get(fd));
    if (!TimerFd::from(description->inode()))
        return Error(EINVAL);
    return description;
}

TimerFd& timer_of(fs::OpenFileDescription& description) { return *TimerFd::from(description.inode()); }

}

// timerfd_create(2): "EINVAL The clockid is not valid" or flags hold more than TFD_NONBLOCK and
// TFD_CLOEXEC; "EPERM clockid was CLOCK_REALTIME_ALARM or CLOCK_BOOTTIME_ALARM but the caller
// did not have the CAP_WAKE_ALARM capability", which root holds. Nothing suspends here, so the
// alarm clocks are their base clocks.
SYSCALL_HANDLER(timerfd_create)
{
    int clock = args.as_int(0);
    int flags = args.as_int(1);
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return Error(EINVAL);
    switch (clock) {
    case clock_realtime:
    case clock_monotonic:
    case clock_boottime:
        break;
    case clock_realtime_alarm:
    case clock_boottime_alarm:
        if (!current().credentials.is_privileged())
            return Error(EPERM);
        break;
    default:
        return Error(EINVAL);
    }
    auto& table = current().fd_table();
    TRY(table.check_can_allocate());
    auto description = TRY(create_timerfd(clock, flags));
    return TRY(table.allocate(std::move(description), flags & O_CLOEXEC));
}

// timerfd_settime(2), in Linux's order: the new value is read (EFAULT), the flags and both
// timespecs checked (EINVAL, even when disarming), the descriptor looked up; the old value is
// written only once the timer is set.
SYSCALL_HANDLER(timerfd_settime)
{
    int flags = args.as_int(1);
    auto requested = TRY(args.pointer<Itimerspec>(2).read());
    if (flags & ~(tfd_timer_abstime | tfd_timer_cancel_on_set))
        return Error(EINVAL);
    uint64_t value = TRY(nanoseconds_of(requested.value));
    uint64_t interval = TRY(nanoseconds_of(requested.interval));
    auto description = TRY(timerfd_description(args.as_int(0)));
    auto previous = timer_of(*description).set(value, interval, flags);
    if (args[3])
        TRY(args.pointer<Itimerspec>(3).write(previous));
    return 0;
}

// timerfd_gettime(2)
SYSCALL_HANDLER(timerfd_gettime)
{
    auto description = TRY(timerfd_description(args.as_int(0)));
    TRY(args.pointer<Itimerspec>(1).write(timer_of(*description).current()));
    return 0;
}
