#include <cstring>

#include <lib/assert.h>
#include <mm/memory.h>

namespace mm {

namespace {

uint16_t* s_reference_counts;
uint64_t s_frame_count;
uint64_t s_free_count;
uint64_t s_total_usable;
uint64_t s_next_hint;

constexpr uint16_t reserved_marker = 0xffff;

bool overlaps(uint64_t start, uint64_t end, PhysicalRange const& range) { return start < range.end && range.start < end; }

}

void initialize_frames(PhysicalRange const* ram, size_t ram_count, PhysicalRange const* reserved, size_t reserved_count)
{
    uint64_t highest = 0;
    for (size_t i = 0; i < ram_count; ++i)
        if (ram[i].end > highest)
            highest = ram[i].end;
    if (highest > direct_map_limit)
        highest = direct_map_limit;
    s_frame_count = highest / page_size;
    uint64_t table_bytes = page_round_up(s_frame_count * sizeof(uint16_t));

    // Place the reference-count table in the first RAM range that avoids every reservation.
    uint64_t table_physical = 0;
    for (size_t i = 0; i < ram_count && !table_physical; ++i) {
        uint64_t candidate = page_round_up(ram[i].start < 0x100000 ? 0x100000 : ram[i].start);
        while (candidate + table_bytes <= ram[i].end && candidate + table_bytes <= highest) {
            bool clash = false;
            for (size_t r = 0; r < reserved_count; ++r) {
                if (overlaps(candidate, candidate + table_bytes, reserved[r])) {
                    candidate = page_round_up(reserved[r].end);
                    clash = true;
                    break;
                }
            }
            if (!clash) {
                table_physical = candidate;
                break;
            }
        }
    }
    if (!table_physical)
        lib::panic("no room for the page frame table (%lu frames)", s_frame_count);
    s_reference_counts = static_cast<uint16_t*>(physical_to_virtual(table_physical));
    for (uint64_t i = 0; i < s_frame_count; ++i)
        s_reference_counts[i] = reserved_marker;

    for (size_t i = 0; i < ram_count; ++i) {
        uint64_t start = page_round_up(ram[i].start);
        uint64_t end = page_round_down(ram[i].end < highest ? ram[i].end : highest);
        for (uint64_t frame = start; frame < end; frame += page_size) {
            if (frame < 0x100000)
                continue; // the BIOS area and boot structures
            bool is_reserved = frame >= table_physical && frame < table_physical + table_bytes;
            for (size_t r = 0; r < reserved_count && !is_reserved; ++r)
                is_reserved = overlaps(frame, frame + page_size, reserved[r]);
            if (!is_reserved) {
                s_reference_counts[frame / page_size] = 0;
                ++s_free_count;
            }
        }
    }
    s_total_usable = s_free_count;
}

ErrorOr<uint64_t> allocate_frames(size_t count)
{
    if (count == 0 || count > s_free_count)
        return Error(ENOMEM);
    for (int pass = 0; pass < 2; ++pass) {
        uint64_t start = pass == 0 ? s_next_hint : 0;
        uint64_t limit = pass == 0 ? s_frame_count : s_next_hint + count;
        if (limit > s_frame_count)
            limit = s_frame_count;
        uint64_t run = 0;
        for (uint64_t frame = start; frame < limit; ++frame) {
            if (s_reference_counts[frame] != 0) {
                run = 0;
                continue;
            }
            if (++run == count) {
                uint64_t first = frame + 1 - count;
                for (uint64_t i = first; i <= frame; ++i)
                    s_reference_counts[i] = 1;
                s_free_count -= count;
                s_next_hint = frame + 1;
                return first * page_size;
            }
        }
    }
    return Error(ENOMEM);
}

ErrorOr<uint64_t> allocate_frame()
{
    uint64_t frame = TRY(allocate_frames(1));
    memset(physical_to_virtual(frame), 0, page_size);
    return frame;
}

void release_reserved_range(uint64_t start, uint64_t end)
{
    for (uint64_t frame = page_round_up(start); frame + page_size <= end; frame += page_size) {
        uint64_t index = frame / page_size;
        if (index < s_frame_count && s_reference_counts[index] == reserved_marker) {
            s_reference_counts[index] = 0;
            ++s_free_count;
            ++s_total_usable;
        }
    }
}

void reference_frame(uint64_t physical)
{
    auto& count = s_reference_counts[physical / page_size];
    VERIFY(count != 0 && count != reserved_marker);
    ++count;
}

void release_frame(uint64_t physical)
{
    uint64_t index = physical / page_size;
    VERIFY(index < s_frame_count);
    auto& count = s_reference_counts[index];
    VERIFY(count != 0 && count != reserved_marker);
    if (--count == 0) {
        ++s_free_count;
        if (index < s_next_hint)
            s_next_hint = index;
    }
}

void free_frames(uint64_t physical, size_t count)
{
    for (size_t i = 0; i < count; ++i)
        release_frame(physical + i * page_size);
}

unsigned frame_reference_count(uint64_t physical) { return s_reference_counts[physical / page_size]; }
size_t free_frame_count() { return s_free_count; }
size_t total_frame_count() { return s_total_usable; }

}
