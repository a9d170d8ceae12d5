#include <cstring>
#include <new>

#include <lib/assert.h>
#include <mm/memory.h>

namespace mm {

namespace {

// Small blocks come from per-size-class free lists carved out of whole frames; large ones
// are runs of frames. Every block carries a 16-byte header, so any pointer can be freed
// without a lookup and alignment stays 16.
struct BlockHeader {
    uint32_t size_class; // index into s_class_sizes, or large_marker
    uint32_t magic;
    uint64_t frame_count;
};
static_assert(sizeof(BlockHeader) == 16);

constexpr uint32_t large_marker = 0xffff'ffff;
constexpr uint32_t live_magic = 0x4845'4150; // "HEAP"
constexpr uint32_t free_magic = 0x4652'4545; // "FREE"
constexpr size_t class_sizes[] = { 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048 };
constexpr size_t class_count = sizeof(class_sizes) / sizeof(class_sizes[0]);

struct FreeBlock {
    FreeBlock* next;
};

FreeBlock* s_free_lists[class_count];
size_t s_bytes_in_use;

bool refill(size_t index)
{
    auto frame = allocate_frames(1);
    if (frame.is_error())
        return false;
    auto* base = static_cast<uint8_t*>(physical_to_virtual(frame.value()));
    size_t block_size = class_sizes[index];
    for (size_t offset = 0; offset + block_size <= page_size; offset += block_size) {
        auto* block = reinterpret_cast<FreeBlock*>(base + offset);
        block->next = s_free_lists[index];
        s_free_lists[index] = block;
    }
    return true;
}

}

void* heap_allocate(size_t size)
{
    size_t total = size + sizeof(BlockHeader);
    if (total < size)
        return nullptr;
    for (size_t index = 0; index < class_count; ++index) {
        if (total > class_sizes[index])
            continue;
        if (!s_free_lists[index] && !refill(index))
            return nullptr;
        auto* block = s_free_lists[index];
        s_free_lists[index] = block->next;
        auto* header = reinterpret_cast<BlockHeader*>(block);
        *header = { uint32_t(index), live_magic, 0 };
        s_bytes_in_use += class_sizes[index];
        return header + 1;
    }
    size_t frames = page_round_up(total) / page_size;
    auto physical = allocate_frames(frames);
    if (physical.is_error())
        return nullptr;
    auto* header = static_cast<BlockHeader*>(physical_to_virtual(physical.value()));
    *header = { large_marker, live_magic, frames };
    s_bytes_in_use += frames * page_size;
    return header + 1;
}

void heap_free(void* pointer)
{
    if (!pointer)
        return;
    auto* header = static_cast<BlockHeader*>(pointer) - 1;
    if (header->magic != live_magic)
        lib::panic("heap: free of a bad or already freed pointer %p", pointer);
    header->magic = free_magic;
    if (header->size_class == large_marker) {
        s_bytes_in_use -= header->frame_count * page_size;
        free_frames(virtual_to_physical(header), header->frame_count);
        return;
    }
    size_t index = header->size_class;
    VERIFY(index < class_count);
    s_bytes_in_use -= class_sizes[index];
    auto* block = reinterpret_cast<FreeBlock*>(header);
    block->next = s_free_lists[index];
    s_free_lists[index] = block;
}

size_t heap_bytes_in_use() { return s_bytes_in_use; }

}

void* operator new(size_t size) { return mm::heap_allocate(size); }
void* operator new[](size_t size) { return mm::heap_allocate(size); }
void* operator new(size_t size, std::nothrow_t const&) noexcept { return mm::heap_allocate(size); }
void* operator new[](size_t size, std::nothrow_t const&) noexcept { return mm::heap_allocate(size); }
void operator delete(void* pointer) noexcept { mm::heap_free(pointer); }
void operator delete[](void* pointer) noexcept { mm::heap_free(pointer); }
void operator delete(void* pointer, size_t) noexcept { mm::heap_free(pointer); }
void operator delete[](void* pointer, size_t) noexcept { mm::heap_free(pointer); }
