#include <cstring>

#include <arch/cpu.h>
#include <lib/assert.h>
#include <lib/user_memory.h>
#include <mm/address_space.h>
#include <mm/memory.h>

extern "C" uint64_t boot_pml4[512];

namespace mm {

namespace {

constexpr uint64_t pte_present = 1;
// A page of a PROT_NONE region keeps its frame in a non-present entry marked with this
// software bit: every access faults, and the contents come back when access does.
constexpr uint64_t pte_parked = 1ull << 9;
constexpr uint64_t pte_writable = 2;
constexpr uint64_t pte_huge = 0x80;
constexpr uint64_t pte_no_execute = 1ull << 63;
constexpr uint64_t pte_address_mask = 0x000f'ffff'ffff'f000;

AddressSpace* s_active;
uint64_t* s_kernel_pml4;

uint64_t* table_at(uint64_t physical) { return static_cast<uint64_t*>(physical_to_virtual(physical)); }

bool holds_frame(uint64_t entry) { return entry & (pte_present | pte_parked); }

uint64_t pte_flags_for(int prot)
{
    if (!(prot & (prot_read | prot_write | prot_exec)))
        return pte_parked;
    uint64_t flags = pte_present;
    if (prot & prot_write)
        flags |= pte_writable;
    if (!(prot & prot_exec))
        flags |= pte_no_execute;
    return flags;
}

void free_table_tree(uint64_t table_physical, int level)
{
    uint64_t* table = table_at(table_physical);
    for (int i = 0; i < 512; ++i) {
        uint64_t entry = table[i];
        if (level > 1 ? !(entry & pte_present) : !holds_frame(entry))
            continue;
        if (level > 1)
            free_table_tree(entry & pte_address_mask, level - 1);
        else
            release_frame(entry & pte_address_mask);
    }
    release_frame(table_physical);
}

}

void initialize_kernel_address_space()
{
    // The boot tables' identity map of low memory is no longer needed: the lower half belongs
    // to applications from now on.
    s_kernel_pml4 = static_cast<uint64_t*>(physical_to_virtual(reinterpret_cast<uint64_t>(boot_pml4)));
    s_kernel_pml4[0] = 0;
    arch::write_cr3(arch::read_cr3());
}

ErrorOr<RefPtr<AddressSpace>> AddressSpace::create()
{
    auto* raw = new (std::nothrow) AddressSpace();
    if (!raw)
        return Error(ENOMEM);
    auto space = RefPtr<AddressSpace>::adopt(raw);
    space->m_pml4 = TRY(allocate_frame());
    uint64_t* pml4 = table_at(space->m_pml4);
    for (int i = 256; i < 512; ++i)
        pml4[i] = s_kernel_pml4[i];
    return space;
}

AddressSpace::~AddressSpace()
{
    if (s_active == this) {
        arch::write_cr3(virtual_to_physical(s_kernel_pml4));
        s_active = nullptr;
    }
    if (!m_pml4)
        return;
    uint64_t* pml4 = table_at(m_pml4);
    for (int i = 0; i < 256; ++i) {
        if (pml4[i] & pte_present)
            free_table_tree(pml4[i] & pte_address_mask, 3);
    }
    release_frame(m_pml4);
}

void AddressSpace::activate()
{
    s_active = this;
    arch::write_cr3(m_pml4);
}

AddressSpace* AddressSpace::active() { return s_active; }

ErrorOr<uint64_t*> AddressSpace::page_table_entry(uint64_t address, bool create)
{
    uint64_t* table = table_at(m_pml4);
    for (int level = 3; level >= 1; --level) {
        size_t index = (address >> (12 + 9 * level)) & 511;
        uint64_t entry = table[index];
        if (!(entry & pte_present)) {
            if (!create)
                return Error(ENOENT);
            uint64_t frame = TRY(allocate_frame());
            // Intermediate levels allow everything; the leaf decides.
            table[index] = frame | pte_present | pte_writable;
            entry = table[index];
        }
        VERIFY(!(entry & pte_huge));
        table = table_at(entry & pte_address_mask);
    }
    return &table[(address >> 12) & 511];
}

size_t AddressSpace::region_index_for(uint64_t address) const
{
    // First region whose end is above `address`.
    size_t low = 0, high = m_regions.size();
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (m_regions[middle].end <= address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

Region const* AddressSpace::find_region(uint64_t address) const
{
    size_t index = region_index_for(address);
    if (index < m_regions.size() && m_regions[index].start <= address)
        return &m_regions[index];
    return nullptr;
}

bool AddressSpace::is_range_mapped(uint64_t start, uint64_t length) const
{
    uint64_t address = start;
    while (address < start + length) {
        auto* region = find_region(address);
        if (!region)
            return false;
        address = region->end;
    }
    return true;
}

uint64_t AddressSpace::resident_bytes() const
{
    uint64_t total = 0;
    uint64_t* pml4 = table_at(m_pml4);
    for (int i = 0; i < 256; ++i) {
        if (!(pml4[i] & pte_present))
            continue;
        uint64_t* pdpt = table_at(pml4[i] & pte_address_mask);
        for (int j = 0; j < 512; ++j) {
            if (!(pdpt[j] & pte_present))
                continue;
            uint64_t* directory = table_at(pdpt[j] & pte_address_mask);
            for (int k = 0; k < 512; ++k) {
                if (!(directory[k] & pte_present))
                    continue;
                uint64_t* table = table_at(directory[k] & pte_address_mask);
                for (int l = 0; l < 512; ++l)
                    if (holds_frame(table[l]))
                        total += page_size;
            }
        }
    }
    return total;
}

bool AddressSpace::is_page_resident(uint64_t page)
{
    if (auto entry = page_table_entry(page, false); !entry.is_error() && holds_frame(*entry.value()))
        return true;
    Region const* region = find_region(page);
    if (!region || !region->file)
        return false;
    if (!region->shared && page >= region->file_end)
        return false;
    return region->file->holds_page(region->file_offset + (page - region->start));
}

uint64_t AddressSpace::mapped_bytes() const
{
    uint64_t total = 0;
    for (auto const& region : m_regions)
        total += region.end - region.start;
    return total;
}

ErrorOr<void> AddressSpace::split_at(uint64_t address)
{
    size_t index = region_index_for(address);
    if (index >= m_regions.size() || m_regions[index].start >= address)
        return {};
    Region& original = m_regions[index];
    Region upper {
        .start = address,
        .end = original.end,
        .prot = original.prot,
        .shared = original.shared,
        .file = original.file,
        .file_offset = original.file_offset + (address - original.start),
        .file_end = original.file_end,
        .owner = original.owner,
    };
    TRY(m_regions.try_append(Region {}));
    for (size_t i = m_regions.size() - 1; i > index + 1; --i)
        m_regions[i] = std::move(m_regions[i - 1]);
    m_regions[index].end = address;
    m_regions[index + 1] = std::move(upper);
    return {};
}

void AddressSpace::unmap_pages(uint64_t start, uint64_t end)
{
    for (uint64_t page = start; page < end; page += page_size) {
        auto entry = page_table_entry(page, false);
        if (entry.is_error())
            continue;
        uint64_t* pte = entry.value();
        if (holds_frame(*pte)) {
            release_frame(*pte & pte_address_mask);
            *pte = 0;
            if (s_active == this)
                arch::invalidate_page(page);
        }
    }
}

ErrorOr<void> AddressSpace::unmap(uint64_t start, uint64_t length)
{
    uint64_t end = start + length;
    TRY(split_at(start));
    TRY(split_at(end));
    size_t index = region_index_for(start);
    while (index < m_regions.size() && m_regions[index].start < end) {
        unmap_pages(m_regions[index].start, m_regions[index].end);
        m_regions.remove(index);
    }
    return {};
}

ErrorOr<void> AddressSpace::map_fixed(Region region)
{
    VERIFY(region.start % page_size == 0 && region.end % page_size == 0 && region.start < region.end);
    if (!lib::is_user_range(region.start, region.end - region.start))
        return Error(ENOMEM);
    TRY(unmap(region.start, region.end - region.start));
    size_t index = region_index_for(region.start);
    TRY(m_regions.try_append(Region {}));
    for (size_t i = m_regions.size() - 1; i > index; --i)
        m_regions[i] = std::move(m_regions[i - 1]);
    region.owner = m_owner;
    m_regions[index] = std::move(region);
    return {};
}

void AddressSpace::unmap_owned_by(uint64_t owner)
{
    for (size_t index = 0; index < m_regions.size();) {
        if (m_regions[index].owner != owner) {
            ++index;
            continue;
        }
        unmap_pages(m_regions[index].start, m_regions[index].end);
        m_regions.remove(index);
    }
}

ErrorOr<uint64_t> AddressSpace::find_free_range(uint64_t length, uint64_t hint) const
{
    length = page_round_up(length);
    if (length == 0 || length > m_stack_top)
        return Error(ENOMEM);
    if (hint && hint % page_size == 0 && lib::is_user_range(hint, length) && hint >= mmap_lowest) {
        size_t index = region_index_for(hint);
        if (index >= m_regions.size() || m_regions[index].start >= hint + length)
            return hint;
    }
    // Top-down from below the stack's reserved area.
    uint64_t ceiling = m_stack_top - default_stack_size - (1ull << 30);
    for (size_t i = m_regions.size(); i-- > 0;) {
        auto const& region = m_regions[i];
        if (region.start >= ceiling)
            continue;
        if (region.end <= ceiling && ceiling - region.end >= length)
            return ceiling - length;
        ceiling = region.start < ceiling ? region.start : ceiling;
    }
    if (ceiling >= mmap_lowest + length)
        return ceiling - length;
    return Error(ENOMEM);
}

ErrorOr<void> AddressSpace::protect(uint64_t start, uint64_t length, int prot)
{
    uint64_t end = start + length;
    if (!is_range_mapped(start, length))
        return Error(ENOMEM);
    TRY(split_at(start));
    TRY(split_at(end));
    for (size_t index = region_index_for(start); index < m_regions.size() && m_regions[index].start < end; ++index)
        m_regions[index].prot = prot;
    for (uint64_t page = start; page < end; page += page_size) {
        auto entry = page_table_entry(page, false);
        if (entry.is_error() || !holds_frame(*entry.value()))
            continue;
        uint64_t* pte = entry.value();
        uint64_t flags = pte_flags_for(prot);
        auto* region = find_region(page);
        if (region && !region->shared && frame_reference_count(*pte & pte_address_mask) > 1)
            flags &= ~pte_writable; // still shared copy-on-write
        *pte = (*pte & pte_address_mask) | flags;
        if (s_active == this)
            arch::invalidate_page(page);
    }
    return {};
}

ErrorOr<uint64_t> AddressSpace::remap(uint64_t old_start, uint64_t old_length, uint64_t new_length, bool may_move)
{
    auto* region = find_region(old_start);
    if (!region || region->end < old_start + old_length || region->start > old_start)
        return Error(EFAULT);
    if (new_length <= old_length) {
        if (new_length < old_length)
            TRY(unmap(old_start + new_length, old_length - new_length));
        return old_start;
    }
    uint64_t old_end = old_start + old_length;
    uint64_t growth = new_length - old_length;
    size_t index = region_index_for(old_start);
    bool room_after = region->end == old_end && lib::is_user_range(old_end, growth)
        && (index + 1 >= m_regions.size() || m_regions[index + 1].start >= old_end + growth);
    if (room_after) {
        m_regions[index].end = old_end + growth;
        return old_start;
    }
    if (!may_move)
        return Error(ENOMEM);
    uint64_t new_start = TRY(find_free_range(new_length));
    Region moved = {
        .start = new_start,
        .end = new_start + new_length,
        .prot = region->prot,
        .shared = region->shared,
        .file = region->file,
        .file_offset = region->file_offset + (old_start - region->start),
        .file_end = region->file_end == 0 ? 0 : new_start + (region->file_end > old_start ? region->file_end - old_start : 0),
    };
    TRY(map_fixed(std::move(moved)));
    // Move the populated pages across instead of copying them.
    for (uint64_t offset = 0; offset < old_length; offset += page_size) {
        auto old_entry = page_table_entry(old_start + offset, false);
        if (old_entry.is_error() || !holds_frame(*old_entry.value()))
            continue;
        uint64_t* new_pte = TRY(page_table_entry(new_start + offset, true));
        *new_pte = *old_entry.value();
        *old_entry.value() = 0;
        if (s_active == this)
            arch::invalidate_page(old_start + offset);
    }
    TRY(unmap(old_start, old_length));
    return new_start;
}

void AddressSpace::discard(uint64_t start, uint64_t length)
{
    for (uint64_t address = start; address < start + length;) {
        auto* region = find_region(address);
        if (!region) {
            address += page_size;
            continue;
        }
        uint64_t end = region->end < start + length ? region->end : start + length;
        if (!region->shared)
            unmap_pages(address, end);
        address = end;
    }
}

ErrorOr<void> AddressSpace::install_frame(uint64_t page, uint64_t frame, uint64_t flags)
{
    auto entry = page_table_entry(page, true);
    if (entry.is_error()) {
        release_frame(frame);
        return entry.release_error();
    }
    uint64_t* pte = entry.value();
    if (holds_frame(*pte))
        release_frame(*pte & pte_address_mask);
    *pte = frame | flags;
    if (s_active == this)
        arch::invalidate_page(page);
    return {};
}

ErrorOr<void> AddressSpace::populate_page(Region const& region, uint64_t page)
{
    // A shared mapping maps the file's page itself (shared anonymous memory too). So does a
    // private one where the file system can share the page (ramfs) and the page lies wholly
    // within the file, read-only until the first write copies it.
    bool private_share = !region.shared && page + page_size <= region.file_end && (region.prot & (prot_read | prot_write | prot_exec));
    if (region.file && (region.shared || private_share)) {
        auto shared = region.file->shared_frame(region.file_offset + (page - region.start));
        if (!shared.is_error()) {
            uint64_t flags = pte_flags_for(region.prot);
            return install_frame(page, shared.value(), region.shared ? flags : flags & ~pte_writable);
        }
    }
    uint64_t frame = TRY(allocate_frame());
    if (region.file && page < region.file_end) {
        uint64_t file_bytes = region.file_end - page;
        if (file_bytes > page_size)
            file_bytes = page_size;
        auto read = region.file->read_at(region.file_offset + (page - region.start), physical_to_virtual(frame), file_bytes);
        if (read.is_error()) {
            release_frame(frame);
            return read.release_error();
        }
    }
    auto entry = page_table_entry(page, true);
    if (entry.is_error()) {
        release_frame(frame);
        return entry.release_error();
    }
    *entry.value() = frame | pte_flags_for(region.prot);
    return {};
}

// The entry of a mapped page, read in first if it has no frame yet; EFAULT outside regions.
ErrorOr<uint64_t*> AddressSpace::populated_entry(uint64_t page, Region const*& region)
{
    region = find_region(page);
    if (!region)
        return Error(EFAULT);
    uint64_t* pte = TRY(page_table_entry(page, true));
    if (!holds_frame(*pte)) {
        TRY(populate_page(*region, page));
        pte = TRY(page_table_entry(page, false));
    }
    return pte;
}

ErrorOr<uint8_t*> AddressSpace::writable_bytes(uint64_t address)
{
    uint64_t page = page_round_down(address);
    Region const* region = nullptr;
    uint64_t* pte = TRY(populated_entry(page, region));
    if (!(*pte & pte_writable) && !region->shared && frame_reference_count(*pte & pte_address_mask) > 1) {
        uint64_t copy = TRY(allocate_frames(1));
        memcpy(physical_to_virtual(copy), physical_to_virtual(*pte & pte_address_mask), page_size);
        release_frame(*pte & pte_address_mask);
        *pte = copy | (*pte & ~pte_address_mask);
        if (s_active == this)
            arch::invalidate_page(page);
    }
    return static_cast<uint8_t*>(physical_to_virtual(*pte & pte_address_mask)) + (address - page);
}

ErrorOr<void> AddressSpace::map_copy_on_write(uint64_t page, uint64_t frame)
{
    auto* region = find_region(page);
    if (!region || region->shared || page % page_size) {
        release_frame(frame);
        return Error(EINVAL);
    }
    return install_frame(page, frame, pte_flags_for(region->prot) & ~pte_writable);
}

ErrorOr<void> AddressSpace::read_bytes(uint64_t address, void* buffer, size_t length)
{
    auto* target = static_cast<uint8_t*>(buffer);
    while (length) {
        uint64_t page = page_round_down(address);
        Region const* region = nullptr;
        uint64_t* pte = TRY(populated_entry(page, region));
        size_t offset = address - page;
        size_t chunk = page_size - offset < length ? page_size - offset : length;
        memcpy(target, static_cast<uint8_t const*>(physical_to_virtual(*pte & pte_address_mask)) + offset, chunk);
        address += chunk;
        target += chunk;
        length -= chunk;
    }
    return {};
}

ErrorOr<void> AddressSpace::write_bytes(uint64_t address, void const* bytes, size_t length)
{
    auto const* source = static_cast<uint8_t const*>(bytes);
    while (length) {
        uint8_t* target = TRY(writable_bytes(address));
        size_t offset = address - page_round_down(address);
        size_t chunk = page_size - offset < length ? page_size - offset : length;
        memcpy(target, source, chunk);
        address += chunk;
        source += chunk;
        length -= chunk;
    }
    return {};
}

bool AddressSpace::handle_fault(uint64_t address, bool is_write, bool is_execute)
{
    auto* region = find_region(address);
    if (!region)
        return false;
    if (is_write && !(region->prot & prot_write))
        return false;
    if (is_execute && !(region->prot & prot_exec))
        return false;
    if (!is_write && !is_execute && !(region->prot & (prot_read | prot_write | prot_exec)))
        return false;
    uint64_t page = page_round_down(address);
    auto entry = page_table_entry(page, false);
    if (!entry.is_error() && holds_frame(*entry.value())) {
        if ((*entry.value() & pte_present) && is_write && !(*entry.value() & pte_writable))
            return break_copy_on_write(*region, page, entry.value());
        return false; // there and still faulting (or parked): a protection violation
    }
    return !populate_page(*region, page).is_error();
}

// A write to a private page that fork left shared: the last sharer takes the frame as it is,
// the others get a copy.
bool AddressSpace::break_copy_on_write(Region const& region, uint64_t page, uint64_t* pte)
{
    if (region.shared || !(region.prot & prot_write))
        return false;
    uint64_t frame = *pte & pte_address_mask;
    if (frame_reference_count(frame) > 1) {
        auto copy = allocate_frames(1);
        if (copy.is_error())
            return false;
        memcpy(physical_to_virtual(copy.value()), physical_to_virtual(frame), page_size);
        release_frame(frame);
        frame = copy.value();
    }
    *pte = frame | pte_flags_for(region.prot);
    if (s_active == this)
        arch::invalidate_page(page);
    return true;
}

ErrorOr<uint64_t> AddressSpace::translate(uint64_t address)
{
    uint64_t page = page_round_down(address);
    Region const* region = nullptr;
    uint64_t* pte = TRY(populated_entry(page, region));
    return (*pte & pte_address_mask) + (address - page);
}

ErrorOr<RefPtr<AddressSpace>> AddressSpace::clone_for_fork()
{
    auto child = TRY(create());
    for (auto const& region : m_regions)
        TRY(child->m_regions.try_append(region));
    child->m_break_start = m_break_start;
    child->m_break = m_break;
    child->m_stack_top = m_stack_top;
    uint64_t* pml4 = table_at(m_pml4);
    uint64_t* child_pml4 = table_at(child->m_pml4);
    for (int i = 0; i < 256; ++i) {
        if (!(pml4[i] & pte_present))
            continue;
        uint64_t table = TRY(allocate_frame());
        child_pml4[i] = table | (pml4[i] & ~pte_address_mask);
        TRY(copy_tables(*child, pml4[i] & pte_address_mask, table, 3, uint64_t(i) << 39));
    }
    // Private pages lost their write permission in this space too.
    if (s_active == this)
        arch::write_cr3(m_pml4);
    return child;
}

ErrorOr<void> AddressSpace::copy_tables(AddressSpace& child, uint64_t parent_table, uint64_t child_table, int level, uint64_t base)
{
    uint64_t* source = table_at(parent_table);
    uint64_t* target = table_at(child_table);
    for (int i = 0; i < 512; ++i) {
        uint64_t entry = source[i];
        if (level > 1 ? !(entry & pte_present) : !holds_frame(entry))
            continue;
        uint64_t address = base + (uint64_t(i) << (12 + 9 * (level - 1)));
        if (level > 1) {
            uint64_t table = TRY(allocate_frame());
            target[i] = table | (entry & ~pte_address_mask);
            TRY(copy_tables(child, entry & pte_address_mask, table, level - 1, address));
            continue;
        }
        auto* region = find_region(address);
        if (!region)
            continue;
        if (!region->shared && (entry & pte_writable)) {
            entry &= ~pte_writable;
            source[i] = entry;
        }
        reference_frame(entry & pte_address_mask);
        target[i] = entry;
    }
    return {};
}

ErrorOr<RefPtr<SharedAnonymousMemory>> SharedAnonymousMemory::create(uint64_t size)
{
    auto* memory = new (std::nothrow) SharedAnonymousMemory();
    if (!memory)
        return Error(ENOMEM);
    auto result = RefPtr<SharedAnonymousMemory>::adopt(memory);
    TRY(result->m_frames.try_resize(size_t(page_round_up(size) / page_size)));
    for (auto& frame : result->m_frames)
        frame = 0;
    return result;
}

SharedAnonymousMemory::~SharedAnonymousMemory()
{
    for (auto frame : m_frames)
        if (frame)
            release_frame(frame);
}

ErrorOr<uint64_t> SharedAnonymousMemory::shared_frame(uint64_t offset)
{
    size_t index = size_t(offset / page_size);
    if (index >= m_frames.size())
        return Error(EFAULT);
    if (!m_frames[index])
        m_frames[index] = TRY(allocate_frame());
    reference_frame(m_frames[index]);
    return m_frames[index];
}

ErrorOr<uint64_t> AddressSpace::set_break(uint64_t address)
{
    if (address < m_break_start)
        return m_break;
    uint64_t old_end = page_round_up(m_break);
    uint64_t new_end = page_round_up(address);
    if (new_end > old_end) {
        if (!lib::is_user_range(old_end, new_end - old_end))
            return m_break;
        size_t index = region_index_for(old_end);
        if (index < m_regions.size() && m_regions[index].start < new_end)
            return m_break; // would run into another mapping
        if (index > 0 && m_regions[index - 1].end == old_end && m_regions[index - 1].start >= page_round_down(m_break_start)
            && !m_regions[index - 1].file && m_regions[index - 1].prot == (prot_read | prot_write)) {
            m_regions[index - 1].end = new_end;
        } else {
            auto result = map_fixed(Region { .start = old_end, .end = new_end, .prot = prot_read | prot_write });
            if (result.is_error())
                return m_break;
        }
    } else if (new_end < old_end) {
        MUST(unmap(new_end, old_end - new_end));
    }
    m_break = address;
    return m_break;
}

bool resolve_page_fault_in_active(uint64_t address, bool is_write, bool is_execute)
{
    return s_active && s_active->handle_fault(address, is_write, is_execute);
}

}
