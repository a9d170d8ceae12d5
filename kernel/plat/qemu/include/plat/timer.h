#pragma once

#include <cstdint>

namespace plat {

// The one-shot timer the scheduler runs on: the local APIC's, in TSC-deadline mode where the
// CPU has it and otherwise counting down at a rate calibrated against the TSC.
constexpr uint8_t timer_vector = 0x20;
constexpr uint8_t spurious_vector = 0xff;

// Enables the local APIC. `handler` runs for each expiry, with interrupts off.
void initialize_timer(void (*handler)());
// Raises the timer interrupt once monotonic time reaches `deadline` (nanoseconds since boot);
// replaces any earlier arming. A deadline already past fires at once.
void arm_timer(uint64_t deadline);
void disarm_timer();

}
