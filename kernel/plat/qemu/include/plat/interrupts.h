#pragma once

#include <cstdint>

namespace plat {

// Device interrupts. The local APIC timer's vectors are in timer.h.
constexpr uint8_t control_channel_vector = 0x30; // COM3 receive, ISA IRQ 6 through the IO-APIC

// Enables the local APIC and routes the control channel's receive interrupt to the CPU, so that
// records from the host (docs/protocol.md) arrive whenever interrupts are on: while application
// code runs and while the CPU idles. Called once at boot, with interrupts off.
void initialize_interrupts();

// Acknowledges the interrupt being handled at the local APIC.
void end_of_interrupt();

// Called for each `signal N` record the host sends (Ctrl-C or SIGTERM to `unifork run`), from
// the interrupt handler with interrupts off. Records that arrive with no handler installed are
// dropped.
using HostSignalHandler = void (*)(int signal);
void set_host_signal_handler(HostSignalHandler);

}
