#pragma once

#include <cstdint>

namespace plat {

// Device interrupts. The local APIC timer's vectors are in timer.h.
constexpr uint8_t control_channel_vector = 0x30; // COM3 receive, ISA IRQ 6 through the IO-APIC
constexpr uint8_t console_input_vector = 0x31;   // COM1 receive (standard input), ISA IRQ 4

// Enables the local APIC and routes the receive interrupts of the control channel and of the
// console to the CPU, so that records and standard input from the host (docs/protocol.md)
// arrive whenever interrupts are on: while application code runs and while the CPU idles.
// Called once at boot, with interrupts off.
void initialize_interrupts();

// Acknowledges the interrupt being handled at the local APIC.
void end_of_interrupt();

// Called for each `signal N` record the host sends (Ctrl-C or SIGTERM to `unifork run`), from
// the interrupt handler with interrupts off. Records that arrive with no handler installed are
// dropped.
using HostSignalHandler = void (*)(int signal);
void set_host_signal_handler(HostSignalHandler);

}
