#include <arch/cpu.h>
#include <plat/clock.h>
#include <process/clock.h>
#include <process/process.h>
#include <sched/thread.h>
#include <syscall/syscall.h>

namespace {

using process::Timespec;
using process::clock_monotonic, process::clock_realtime_coarse, process::clock_monotonic_coarse, process::clock_thread_cputime;
using process::read_clock, process::read_duration, process::to_timespec;

struct Timeval {
    int64_t seconds;
    int64_t microseconds;
};

// Sleeps until `clock` reads `deadline`; EINTR with the time left when interrupted.
ErrorOr<void> sleep_until(int clock, uint64_t deadline, uint64_t* remaining)
{
    uint64_t now = read_clock(clock).value();
    if (deadline <= now)
        return {};
    uint64_t monotonic_deadline = plat::monotonic_nanoseconds() + (deadline - now);
    if (sched::sleep_until(monotonic_deadline) == sched::WakeReason::Interrupted) {
        uint64_t later = plat::monotonic_nanoseconds();
        if (remaining)
            *remaining = monotonic_deadline > later ? monotonic_deadline - later : 0;
        return Error(EINTR);
    }
    return {};
}
}

// clock_gettime(2)
SYSCALL_HANDLER(clock_gettime)
{
    uint64_t now = TRY(read_clock(args.as_int(0)));
    TRY(args.pointer<Timespec>(1).write(to_timespec(now)));
    return 0;
}

// clock_getres(2): the TSC-derived clocks resolve nanoseconds; the coarse ones a tick.
SYSCALL_HANDLER(clock_getres)
{
    int clock = args.as_int(0);
    TRY(read_clock(clock));
    if (args[1]) {
        bool coarse = clock == clock_realtime_coarse || clock == clock_monotonic_coarse;
        TRY(args.pointer<Timespec>(1).write(Timespec { 0, coarse ? 4'000'000 : 1 }));
    }
    return 0;
}

// gettimeofday(2): the time zone argument is obsolete; Linux fills it with zeros.
SYSCALL_HANDLER(gettimeofday)
{
    uint64_t now = plat::realtime_nanoseconds();
    if (args[0])
        TRY(args.pointer<Timeval>(0).write(Timeval { int64_t(now / 1'000'000'000), int64_t(now % 1'000'000'000 / 1000) }));
    if (args[1]) {
        int32_t zone[2] = { 0, 0 };
        TRY(copy_to_user(args[1], zone, sizeof(zone)));
    }
    return 0;
}

// time(2)
SYSCALL_HANDLER(time)
{
    int64_t seconds = int64_t(plat::realtime_nanoseconds() / 1'000'000'000);
    if (args[0])
        TRY(args.pointer<int64_t>(0).write(seconds));
    return seconds;
}

// nanosleep(2)
SYSCALL_HANDLER(nanosleep)
{
    uint64_t duration = TRY(read_duration(args[0]));
    uint64_t remaining = 0;
    auto slept = sleep_until(clock_monotonic, plat::monotonic_nanoseconds() + duration, &remaining);
    if (slept.is_error() && args[1])
        TRY(args.pointer<Timespec>(1).write(to_timespec(remaining)));
    TRY(slept);
    return 0;
}

// clock_nanosleep(2): returns the error number itself rather than -1/errno, which the raw
// syscall does too (as a negative value).
SYSCALL_HANDLER(clock_nanosleep)
{
    constexpr int timer_abstime = 1;
    int clock = args.as_int(0);
    int flags = args.as_int(1);
    if (clock == clock_thread_cputime)
        return Error(EINVAL);
    uint64_t now = TRY(read_clock(clock));
    uint64_t value = TRY(read_duration(args[2]));
    uint64_t deadline = (flags & timer_abstime) ? value : now + value;
    uint64_t remaining = 0;
    auto slept = sleep_until(clock, deadline, &remaining);
    if (slept.is_error() && !(flags & timer_abstime) && args[3])
        TRY(args.pointer<Timespec>(3).write(to_timespec(remaining)));
    TRY(slept);
    return 0;
}

// getrusage(2): CPU time as the scheduler accounted it; the other fields stay zero.
SYSCALL_HANDLER(getrusage)
{
    constexpr int rusage_self = 0, rusage_children = -1, rusage_thread = 1;
    struct Rusage {
        Timeval user_time;
        Timeval system_time;
        int64_t fields[14];
    };
    uint64_t nanoseconds;
    switch (args.as_int(0)) {
    case rusage_self:
        nanoseconds = process::current().total_cpu_nanoseconds();
        break;
    case rusage_children:
        nanoseconds = process::current().children_cpu_nanoseconds;
        break;
    case rusage_thread:
        nanoseconds = process::current_thread().user_nanoseconds();
        break;
    default:
        return Error(EINVAL);
    }
    Rusage usage {};
    usage.user_time = Timeval { int64_t(nanoseconds / 1'000'000'000), int64_t(nanoseconds % 1'000'000'000 / 1000) };
    TRY(args.pointer<Rusage>(1).write(usage));
    return 0;
}

// times(2): in clock ticks of 100 Hz (AT_CLKTCK); returns ticks since boot.
SYSCALL_HANDLER(times)
{
    constexpr uint64_t nanoseconds_per_tick = 10'000'000;
    if (args[0]) {
        auto& process = process::current();
        int64_t values[4] = { int64_t(process.total_cpu_nanoseconds() / nanoseconds_per_tick), 0,
            int64_t(process.children_cpu_nanoseconds / nanoseconds_per_tick), 0 };
        TRY(copy_to_user(args[0], values, sizeof(values)));
    }
    return long(plat::monotonic_nanoseconds() / nanoseconds_per_tick);
}
