#pragma once

#include <cstdint>

namespace arch {
void initialize_descriptor_tables(uint64_t const* stub_table);
}
