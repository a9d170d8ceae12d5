#pragma once

#include <cstddef>

namespace plat {

// Fills `buffer` with unpredictable bytes: RDRAND/RDSEED where the CPU has them, mixed into a
// ChaCha-style generator seeded at boot from the TSC and the RTC otherwise.
void random_bytes(void* buffer, size_t length);

}
