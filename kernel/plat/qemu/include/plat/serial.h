#pragma once

#include <cstddef>
#include <cstdint>

namespace plat {

constexpr uint16_t com1 = 0x3f8;
constexpr uint16_t com2 = 0x2f8;
constexpr uint16_t com3 = 0x3e8;

void serial_initialize(uint16_t port);
void serial_write(uint16_t port, char const* bytes, size_t length);

}
