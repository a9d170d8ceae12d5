#include <config.h>
#include <lib/user_memory.h>
#include <mm/address_space.h>
#include <mm/memory.h>
#include <mm/mapped_files.h>
#include <syscall/syscall.h>

using namespace mm;

namespace {

constexpr int map_shared = 0x01;
constexpr int map_private = 0x02;
constexpr int map_shared_validate = 0x03;
constexpr int map_type_mask = 0x0f;
constexpr int map_fixed = 0x10;
constexpr int map_anonymous = 0x20;
constexpr int map_growsdown = 0x100;
constexpr int map_denywrite = 0x800;
constexpr int map_executable = 0x1000;
constexpr int map_locked = 0x2000;
constexpr int map_noreserve = 0x4000;
constexpr int map_populate = 0x8000;
constexpr int map_nonblock = 0x10000;
constexpr int map_stack = 0x20000;
constexpr int map_hugetlb = 0x40000;
constexpr int map_fixed_noreplace = 0x100000;

constexpr int mremap_maymove = 1;
constexpr int mremap_fixed = 2;

AddressSpace& space()
{
    auto* active = AddressSpace::active();
    VERIFY(active);
    return *active;
}

}

// mmap(2). Anonymous private and shared mappings (shared ones keep the same frames in every
// process that inherits them); private file mappings, read in page by page when first
// touched; and shared file mappings, which map the file's own pages, so that every mapping,
// read(2) and write(2) see the same bytes.
SYSCALL_HANDLER(mmap)
{
    uint64_t address = args[0];
    uint64_t length = args[1];
    int prot = args.as_int(2);
    int flags = args.as_int(3);
    int fd = args.as_int(4);
    uint64_t offset = args[5];

    int known = map_type_mask | map_fixed | map_anonymous | map_growsdown | map_denywrite | map_executable | map_locked
        | map_noreserve | map_populate | map_nonblock | map_stack | map_hugetlb | map_fixed_noreplace;
    if (length == 0 || (prot & ~(prot_read | prot_write | prot_exec)))
        return Error(EINVAL);
    int type = flags & map_type_mask;
    if (type != map_shared && type != map_private && type != map_shared_validate)
        return Error(EINVAL);
    if (type == map_shared_validate && (flags & ~known))
        return Error(EOPNOTSUPP);
    if (flags & map_hugetlb)
        return Error(EINVAL);
    if (offset % page_size)
        return Error(EINVAL);
    uint64_t rounded = page_round_up(length);
    if (rounded < length || !lib::is_user_range(0, rounded))
        return Error(ENOMEM);

    bool fixed = flags & (map_fixed | map_fixed_noreplace);
    if (fixed) {
        if (address % page_size)
            return Error(EINVAL);
        if (!lib::is_user_range(address, rounded))
            return Error(ENOMEM);
        if ((flags & map_fixed_noreplace) && !(flags & map_fixed)) {
            for (uint64_t page = address; page < address + rounded; page += page_size)
                if (space().find_region(page))
                    return Error(EEXIST);
        }
    } else {
        address = TRY(space().find_free_range(rounded, page_round_down(address)));
    }

    Region region { .start = address, .end = address + rounded, .prot = prot, .shared = type != map_private };
    if (!(flags & map_anonymous)) {
        auto file = TRY(open_mapped_file(fd, prot, region.shared));
        region.file = std::move(file.file);
        region.file_offset = offset;
        uint64_t file_size = file.size;
        region.file_end = offset >= file_size ? address : address + (file_size - offset < rounded ? file_size - offset : rounded);
    } else if (region.shared) {
        region.file = TRY(SharedAnonymousMemory::create(rounded));
        region.file_end = address;
    }
    TRY(space().map_fixed(std::move(region)));
    // MAP_POPULATE (and MAP_LOCKED, which Linux populates too): "Populate (prefault) page
    // tables for a mapping". A page that cannot be filled (past the end of a shared file
    // mapping) is left to its fault, as Linux's populate ignores such failures.
    if (flags & (map_populate | map_locked)) {
        for (uint64_t page = address; page < address + rounded; page += page_size)
            (void)space().translate(page);
    }
    return long(address);
}

// munmap(2)
SYSCALL_HANDLER(munmap)
{
    uint64_t address = args[0];
    uint64_t length = page_round_up(args[1]);
    if (address % page_size || length == 0 || !lib::is_user_range(address, length))
        return Error(EINVAL);
    TRY(space().unmap(address, length));
    return 0;
}

// mprotect(2)
SYSCALL_HANDLER(mprotect)
{
    uint64_t address = args[0];
    uint64_t length = page_round_up(args[1]);
    int prot = args.as_int(2);
    constexpr int prot_growsdown = 0x0100'0000, prot_growsup = 0x0200'0000;
    if (address % page_size || (prot & ~(prot_read | prot_write | prot_exec | prot_growsdown | prot_growsup)))
        return Error(EINVAL);
    if (length == 0)
        return 0;
    if (!lib::is_user_range(address, length))
        return Error(ENOMEM);
    TRY(space().protect(address, length, prot & (prot_read | prot_write | prot_exec)));
    return 0;
}

// mremap(2)
SYSCALL_HANDLER(mremap)
{
    uint64_t old_address = args[0];
    uint64_t old_length = page_round_up(args[1]);
    uint64_t new_length = page_round_up(args[2]);
    int flags = args.as_int(3);
    if (old_address % page_size || (flags & ~(mremap_maymove | mremap_fixed)) || new_length == 0)
        return Error(EINVAL);
    if (flags & mremap_fixed)
        return Error(EINVAL); // moving to a caller-chosen address is not supported yet
    if (old_length == 0)
        return Error(EINVAL); // duplicating shared mappings needs shared memory
    return long(TRY(space().remap(old_address, old_length, new_length, flags & mremap_maymove)));
}

// brk(2): Linux returns the current break when the request cannot be satisfied. In the shared
// address space model each program's break moves within the reservation above its image.
SYSCALL_HANDLER(brk)
{
#ifdef CONFIG_ADDRESS_SPACE_SHARED
    auto& program_break = current_program_break();
    uint64_t requested = args[0];
    if (requested < program_break.start || requested > program_break.limit)
        return long(program_break.current);
    uint64_t old_end = page_round_up(program_break.current);
    uint64_t new_end = page_round_up(requested);
    if (new_end > old_end) {
        if (space().protect(old_end, new_end - old_end, prot_read | prot_write).is_error())
            return long(program_break.current);
    } else if (new_end < old_end) {
        space().discard(new_end, old_end - new_end);
        (void)space().protect(new_end, old_end - new_end, 0);
    }
    program_break.current = requested;
    return long(requested);
#else
    return long(TRY(space().set_break(args[0])));
#endif
}

// madvise(2): the hints that change no contents are accepted as the hints they are;
// MADV_DONTNEED and MADV_FREE drop private pages.
SYSCALL_HANDLER(madvise)
{
    uint64_t address = args[0];
    uint64_t length = page_round_up(args[1]);
    int advice = args.as_int(2);
    if (address % page_size)
        return Error(EINVAL);
    switch (advice) {
    case 0: // MADV_NORMAL
    case 1: // MADV_RANDOM
    case 2: // MADV_SEQUENTIAL
    case 3: // MADV_WILLNEED
    case 14: // MADV_HUGEPAGE
    case 15: // MADV_NOHUGEPAGE
    case 16: // MADV_DONTDUMP
    case 17: // MADV_DODUMP
        break;
    case 4: // MADV_DONTNEED
    case 8: // MADV_FREE
        space().discard(address, length);
        break;
    default:
        return Error(EINVAL);
    }
    if (!space().is_range_mapped(address, length))
        return Error(ENOMEM);
    return 0;
}

// msync(2). Shared file mappings map the file's own pages, so there is nothing to write back;
// what remains is Linux's checking of the arguments.
SYSCALL_HANDLER(msync)
{
    uint64_t address = args[0];
    uint64_t length = page_round_up(args[1]);
    int flags = args.as_int(2);
    constexpr int ms_async = 1, ms_invalidate = 2, ms_sync = 4;
    if (address % page_size || (flags & ~(ms_async | ms_invalidate | ms_sync)) || ((flags & ms_async) && (flags & ms_sync)))
        return Error(EINVAL);
    if (length == 0)
        return 0;
    if (!lib::is_user_range(address, length) || !space().is_range_mapped(address, length))
        return Error(ENOMEM);
    return 0;
}

namespace {

// Memory is never paged out, so every page is as locked as mlock(2) would make it; what remains
// is Linux's checking of the range.
ErrorOr<long> check_lock_range(uint64_t address, uint64_t length)
{
    uint64_t start = page_round_down(address);
    uint64_t end = page_round_up(address + length);
    if (end < address)
        return Error(EINVAL);
    if (end == start)
        return 0;
    if (!lib::is_user_range(start, end - start) || !space().is_range_mapped(start, end - start))
        return Error(ENOMEM);
    return 0;
}

}

SYSCALL_HANDLER(mlock) { return check_lock_range(args[0], args[1]); }

SYSCALL_HANDLER(mlock2)
{
    constexpr int mlock_onfault = 1;
    if (args.as_int(2) & ~mlock_onfault)
        return Error(EINVAL);
    return check_lock_range(args[0], args[1]);
}

SYSCALL_HANDLER(munlock) { return check_lock_range(args[0], args[1]); }

SYSCALL_HANDLER(mlockall)
{
    constexpr int mcl_current = 1, mcl_future = 2, mcl_onfault = 4;
    int flags = args.as_int(0);
    if (!flags || (flags & ~(mcl_current | mcl_future | mcl_onfault)) || flags == mcl_onfault)
        return Error(EINVAL);
    return 0;
}

SYSCALL_HANDLER(munlockall) { return 0; }

// mincore(2), in the order of Linux's: "EINVAL addr is not a multiple of the page size";
// "ENOMEM addr to addr + length contained unmapped memory" (or lies outside user space);
// "EFAULT vec points to an invalid address". One byte per page, bit 0 set for a resident
// page: one present in the page table, or one the mapped file holds in memory (ramfs keeps
// every written page, as Linux's page cache would).
SYSCALL_HANDLER(mincore)
{
    uint64_t start = args[0];
    uint64_t length = args[1];
    uint64_t vector = args[2];
    if (start % page_size)
        return Error(EINVAL);
    if (!lib::is_user_range(start, length))
        return Error(ENOMEM);
    uint64_t pages = length / page_size + (length % page_size != 0);
    if (!lib::is_user_range(vector, pages))
        return Error(EFAULT);
    uint8_t chunk[256];
    for (uint64_t done = 0; done < pages;) {
        uint64_t count = std::min<uint64_t>(pages - done, sizeof(chunk));
        for (uint64_t index = 0; index < count; ++index) {
            uint64_t page = start + (done + index) * page_size;
            if (!space().is_range_mapped(page, page_size))
                return Error(ENOMEM);
            chunk[index] = space().is_page_resident(page) ? 1 : 0;
        }
        TRY(copy_to_user(vector + done, chunk, count));
        done += count;
    }
    return 0;
}
