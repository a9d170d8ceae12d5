#pragma once

#include <cstddef>
#include <cstdint>

namespace plat {

constexpr uint16_t com1 = 0x3f8;
constexpr uint16_t com2 = 0x2f8;
constexpr uint16_t com3 = 0x3e8;

// 115200 8N1, no interrupts. An output port gets its FIFOs on and cleared; a port that also
// receives (`receives`: the control channel) keeps its FIFO off, because turning it on drops
// what the host has sent already, and the host may write as soon as QEMU runs.
void serial_initialize(uint16_t port, bool receives = false);
void serial_write(uint16_t port, char const* bytes, size_t length);

}
