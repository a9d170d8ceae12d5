#pragma once

#include <cstddef>
#include <cstdint>

#include <lib/error_or.h>

namespace mm {

constexpr uint64_t page_size = 4096;
constexpr uint64_t direct_map_base = 0xffff'8000'0000'0000;
constexpr uint64_t kernel_virtual_base = 0xffff'ffff'8000'0000;
// The boot page tables map this much physical memory; RAM above it is left unused for now.
constexpr uint64_t direct_map_limit = 4ull << 30;

inline uint64_t page_round_down(uint64_t value) { return value & ~(page_size - 1); }
inline uint64_t page_round_up(uint64_t value) { return (value + page_size - 1) & ~(page_size - 1); }

inline void* physical_to_virtual(uint64_t physical) { return reinterpret_cast<void*>(direct_map_base + physical); }
inline uint64_t virtual_to_physical(void const* pointer)
{
    auto address = reinterpret_cast<uint64_t>(pointer);
    return address >= kernel_virtual_base ? address - kernel_virtual_base : address - direct_map_base;
}

struct PhysicalRange {
    uint64_t start;
    uint64_t end;
};

// Physical page frames. Each frame has a reference count (0 means free) so that frames can
// later be shared copy-on-write between address spaces.
void initialize_frames(PhysicalRange const* ram, size_t ram_count, PhysicalRange const* reserved, size_t reserved_count);
ErrorOr<uint64_t> allocate_frame();          // zeroed
ErrorOr<uint64_t> allocate_frames(size_t count); // contiguous, not zeroed
// Hands a range that was reserved at boot (the initrd, once unpacked) to the allocator.
void release_reserved_range(uint64_t start, uint64_t end);
void reference_frame(uint64_t physical);
void release_frame(uint64_t physical);        // drops one reference; frees at zero
void free_frames(uint64_t physical, size_t count);
unsigned frame_reference_count(uint64_t physical);
size_t free_frame_count();
size_t total_frame_count();

// Kernel heap (operator new and delete go here).
void* heap_allocate(size_t size);
void heap_free(void* pointer);
size_t heap_bytes_in_use();

}
