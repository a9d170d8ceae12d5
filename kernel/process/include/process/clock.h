#pragma once

#include <cstdint>

#include <lib/error_or.h>

// The clocks of clock_gettime(2) and the time values syscalls take and give: shared by the
// time syscalls and timerfd.
namespace process {

constexpr uint64_t nanoseconds_per_second = 1'000'000'000;

constexpr int clock_realtime = 0, clock_monotonic = 1, clock_process_cputime = 2, clock_thread_cputime = 3,
              clock_monotonic_raw = 4, clock_realtime_coarse = 5, clock_monotonic_coarse = 6, clock_boottime = 7,
              clock_realtime_alarm = 8, clock_boottime_alarm = 9, clock_tai = 11;

// struct timespec and struct itimerspec on x86_64.
struct Timespec {
    int64_t seconds;
    int64_t nanoseconds;
};
struct Itimerspec {
    Timespec interval;
    Timespec value;
};

// What `clock` reads now, in nanoseconds; EINVAL for an unknown clock. CPU time is what the
// scheduler accounted to the calling process or thread.
ErrorOr<uint64_t> read_clock(int clock);

// A timespec as nanoseconds: EINVAL unless timespec64_valid() (seconds not negative,
// nanoseconds within a second).
ErrorOr<uint64_t> nanoseconds_of(Timespec const&);
// The same for a timespec in the application's memory (EFAULT for a bad pointer).
ErrorOr<uint64_t> read_duration(uint64_t address);

inline Timespec to_timespec(uint64_t nanoseconds)
{
    return { int64_t(nanoseconds / nanoseconds_per_second), int64_t(nanoseconds % nanoseconds_per_second) };
}

}
