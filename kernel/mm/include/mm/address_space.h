#pragma once

#include <cstdint>

#include <lib/error_or.h>
#include <lib/own_ptr.h>
#include <lib/string.h>
#include <lib/vector.h>

namespace mm {

constexpr int prot_read = 1;
constexpr int prot_write = 2;
constexpr int prot_exec = 4;

// What backs a private file mapping: anything that can read bytes at an offset. Pages are
// read in when first touched.
class MappedFile : public RefCounted<MappedFile> {
public:
    virtual ~MappedFile() = default;
    virtual ErrorOr<size_t> read_at(uint64_t offset, void* buffer, size_t length) = 0;
    // For shared mappings whose pages are the same frames in every mapping (shared anonymous
    // memory): the frame holding `offset`, with a reference taken for the caller.
    virtual ErrorOr<uint64_t> shared_frame(uint64_t offset) { return Error(ENODEV); }
    // The name /proc/PID/maps shows for the mapping; empty for none.
    virtual ErrorOr<String> map_name() const { return String(); }
    // mincore(2): whether the page at `offset` is in memory (Linux's page cache).
    virtual bool holds_page(uint64_t) const { return false; }
};

// The pages of a MAP_SHARED|MAP_ANONYMOUS mapping, shared by every process that inherits it.
class SharedAnonymousMemory final : public MappedFile {
public:
    static ErrorOr<RefPtr<SharedAnonymousMemory>> create(uint64_t size);
    ~SharedAnonymousMemory() override;
    ErrorOr<size_t> read_at(uint64_t, void*, size_t) override { return Error(ENODEV); }
    ErrorOr<uint64_t> shared_frame(uint64_t offset) override;
    bool holds_page(uint64_t offset) const override
    {
        size_t index = size_t(offset / 4096);
        return index < m_frames.size() && m_frames[index];
    }

private:
    SharedAnonymousMemory() = default;
    Vector<uint64_t> m_frames; // 0: not allocated yet
};

struct Region {
    uint64_t start;
    uint64_t end;
    int prot;
    bool shared { false };
    RefPtr<MappedFile> file;
    uint64_t file_offset { 0 }; // file offset that `start` maps
    uint64_t file_end { 0 };    // address from which the region reads as zero instead of file bytes
    uint64_t owner { 0 };       // the program image that mapped it (shared address space model)
};

// An application's lower half: page tables plus the list of mapped regions. Pages are filled
// on first touch, from zero or from the region's file.
class AddressSpace : public RefCounted<AddressSpace> {
public:
    static ErrorOr<RefPtr<AddressSpace>> create();
    ~AddressSpace();

    // fork(2): a copy whose private pages are shared copy-on-write with this space.
    ErrorOr<RefPtr<AddressSpace>> clone_for_fork();
    // The physical address behind `address`, faulting the page in if needed (shared futexes).
    ErrorOr<uint64_t> translate(uint64_t address);

    void activate();
    static AddressSpace* active();

    // Maps [start, start + length) exactly (MAP_FIXED semantics: replaces what was there).
    ErrorOr<void> map_fixed(Region region);
    // Finds room for `length` bytes (top-down below the stack), or uses `hint` if it is free.
    ErrorOr<uint64_t> find_free_range(uint64_t length, uint64_t hint = 0) const;
    ErrorOr<void> unmap(uint64_t start, uint64_t length);
    ErrorOr<void> protect(uint64_t start, uint64_t length, int prot);
    ErrorOr<uint64_t> remap(uint64_t old_start, uint64_t old_length, uint64_t new_length, bool may_move);
    // MADV_DONTNEED: private pages read back as zero (or file contents) next time.
    void discard(uint64_t start, uint64_t length);

    // Copies bytes into this address space whatever the pages' protection (used while building
    // an image), populating pages as needed. The space need not be active.
    ErrorOr<void> write_bytes(uint64_t address, void const* bytes, size_t length);
    // Where the kernel can write the byte at `address` directly (up to the end of its page),
    // populating the page and breaking copy-on-write as needed.
    ErrorOr<uint8_t*> writable_bytes(uint64_t address);
    // Maps `frame` at `page` of a private region, taking over the caller's reference to it,
    // read-only whatever the region allows, so that the first write copies it (an executable's
    // pages straight from the file's).
    ErrorOr<void> map_copy_on_write(uint64_t page, uint64_t frame);
    // Copies bytes out of this address space (the space need not be active), reading in pages
    // not populated yet; EFAULT outside its regions.
    ErrorOr<void> read_bytes(uint64_t address, void* buffer, size_t length);

    Region const* find_region(uint64_t address) const;
    // The regions in address order (null past the last), for /proc/PID/maps.
    Region const* region_at(size_t index) const { return index < m_regions.size() ? &m_regions[index] : nullptr; }
    // Bytes of pages that hold a frame now.
    uint64_t resident_bytes() const;
    bool is_range_mapped(uint64_t start, uint64_t length) const;
    // mincore(2): whether the mapped page at `page` is resident: present in the page table,
    // or held in memory by the file it maps.
    bool is_page_resident(uint64_t page);
    bool handle_fault(uint64_t address, bool is_write, bool is_execute);

    // The program break.
    void set_break_start(uint64_t address) { m_break_start = m_break = address; }
    ErrorOr<uint64_t> set_break(uint64_t address);
    uint64_t current_break() const { return m_break; }
    uint64_t break_start() const { return m_break_start; }

    uint64_t stack_top() const { return m_stack_top; }

    // The shared address space model: regions mapped from now on belong to this image, and
    // an image's regions can be unmapped all at once when it goes.
    void set_owner(uint64_t owner) { m_owner = owner; }
    uint64_t owner() const { return m_owner; }
    void unmap_owned_by(uint64_t owner);
    uint64_t mapped_bytes() const;

    static constexpr uint64_t default_stack_top = 0x7fff'ffff'f000;
    static constexpr uint64_t default_stack_size = 8ull << 20;
    static constexpr uint64_t mmap_lowest = 0x1000'0000;

private:
    AddressSpace() = default;
    ErrorOr<uint64_t*> page_table_entry(uint64_t address, bool create);
    ErrorOr<void> populate_page(Region const& region, uint64_t page);
    // Points the entry of `page` at `frame`, taking over the caller's reference to it (released
    // on failure) and releasing the frame the entry held.
    ErrorOr<void> install_frame(uint64_t page, uint64_t frame, uint64_t flags);
    ErrorOr<uint64_t*> populated_entry(uint64_t page, Region const*& region);
    ErrorOr<void> copy_tables(AddressSpace& child, uint64_t parent_table, uint64_t child_table, int level, uint64_t base);
    bool break_copy_on_write(Region const& region, uint64_t page, uint64_t* pte);
    void unmap_pages(uint64_t start, uint64_t end);
    ErrorOr<void> split_at(uint64_t address);
    size_t region_index_for(uint64_t address) const;

    uint64_t m_pml4 { 0 };
    Vector<Region> m_regions;
    uint64_t m_break_start { 0 };
    uint64_t m_break { 0 };
    uint64_t m_stack_top { default_stack_top };
    uint64_t m_owner { 0 };
};

void initialize_kernel_address_space();
// Installed as the architecture's page fault resolver.
bool resolve_page_fault_in_active(uint64_t address, bool is_write, bool is_execute);

}
