#include <cstdint>

#include <lib/user_memory.h>
#include <plat/clock.h>
#include <process/clock.h>
#include <process/process.h>

namespace process {

// Every clock the kernel has. Nothing suspends, so boot time is monotonic time; the alarm
// clocks read as their base clocks.
ErrorOr<uint64_t> read_clock(int clock)
{
    switch (clock) {
    case clock_realtime:
    case clock_realtime_coarse:
    case clock_realtime_alarm:
    case clock_tai:
        return plat::realtime_nanoseconds();
    case clock_monotonic:
    case clock_monotonic_raw:
    case clock_monotonic_coarse:
    case clock_boottime:
    case clock_boottime_alarm:
        return plat::monotonic_nanoseconds();
    case clock_process_cputime:
        return current().total_cpu_nanoseconds();
    case clock_thread_cputime:
        return current_thread().user_nanoseconds();
    default:
        return Error(EINVAL);
    }
}

ErrorOr<uint64_t> nanoseconds_of(Timespec const& value)
{
    if (value.seconds < 0 || value.nanoseconds < 0 || value.nanoseconds >= int64_t(nanoseconds_per_second))
        return Error(EINVAL);
    // Past about 292 years it saturates, as timespec64_to_ktime() does at KTIME_MAX.
    constexpr uint64_t maximum = uint64_t(INT64_MAX);
    if (uint64_t(value.seconds) >= maximum / nanoseconds_per_second)
        return maximum;
    return uint64_t(value.seconds) * nanoseconds_per_second + uint64_t(value.nanoseconds);
}

ErrorOr<uint64_t> read_duration(uint64_t address)
{
    auto value = TRY(UserPtr<Timespec>(address).read());
    return nanoseconds_of(value);
}

}
