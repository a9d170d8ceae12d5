#pragma once

#include <cstdint>

namespace plat {

// The boot information QEMU hands a PVH kernel (xen/arch-x86/hvm/start_info.h).
struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t module_count;
    uint64_t module_list_address;
    uint64_t command_line_address;
    uint64_t rsdp_address;
    uint64_t memory_map_address;
    uint32_t memory_map_entries;
    uint32_t reserved;
};

struct HvmModule {
    uint64_t address;
    uint64_t size;
    uint64_t command_line_address;
    uint64_t reserved;
};

struct HvmMemoryMapEntry {
    uint64_t address;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

constexpr uint32_t hvm_start_magic = 0x336e'c578;
constexpr uint32_t hvm_memory_ram = 1;

}
