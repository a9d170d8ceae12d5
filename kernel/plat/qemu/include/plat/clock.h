#pragma once

#include <cstdint>

namespace plat {

// Nanoseconds since boot, from the calibrated TSC.
uint64_t monotonic_nanoseconds();
// Nanoseconds since the Unix epoch: the RTC read at boot plus monotonic time.
uint64_t realtime_nanoseconds();

}
