// System V shared memory (shmget(2), shmat(2), shmdt(2), shmctl(2)). A segment's pages are
// frames shared by every mapping of it (mm::SharedAnonymousMemory); an attachment is a shared
// region whose file is the segment's one ShmMapping, so that fork(2) shares it, exec and exit
// drop it with the address space, and the regions that hold the mapping are the attachments
// (shm_nattch counts them as Linux counts VMAs: a region split by mprotect counts twice).
#include <lib/format.h>
#include <mm/memory.h>

#include "support.h"

namespace ipc {

namespace {

IpcTable s_segments { shm_mni };
uint64_t s_total_pages { 0 };

class ShmSegment;

class ShmMapping final : public mm::MappedFile {
public:
    explicit ShmMapping(RefPtr<ShmSegment> segment)
        : m_segment(std::move(segment))
    {
    }
    ~ShmMapping() override;
    ErrorOr<size_t> read_at(uint64_t, void*, size_t) override { return Error(ENODEV); }
    ErrorOr<uint64_t> shared_frame(uint64_t offset) override;
    ErrorOr<String> map_name() const override;
    ShmSegment& segment() { return *m_segment; }

private:
    RefPtr<ShmSegment> m_segment;
};

class ShmSegment final : public IpcObject {
public:
    ~ShmSegment() override { s_total_pages -= mm::page_round_up(size) / mm::page_size; }

    uint64_t size { 0 };
    int32_t creation_key { 0 }; // names the segment in /proc/PID/maps, even once removed
    int64_t attach_time { 0 }, detach_time { 0 }, change_time { 0 };
    int creator_pid { 0 }, last_pid { 0 };
    RefPtr<mm::SharedAnonymousMemory> memory;
    // Held by the regions that attach the segment; gone when none does.
    ShmMapping* mapping { nullptr };

    uint64_t attach_count() const { return mapping ? mapping->ref_count() : 0; }
};

ShmMapping::~ShmMapping()
{
    m_segment->mapping = nullptr;
    // The last attachment of a segment removed while attached: the segment goes with it.
    if (m_segment->mode & shm_dest_mode)
        s_segments.remove(*m_segment);
}

ErrorOr<uint64_t> ShmMapping::shared_frame(uint64_t offset) { return m_segment->memory->shared_frame(offset); }

// /proc/PID/maps names an attachment as Linux does, after the key the segment was made with.
ErrorOr<String> ShmMapping::map_name() const
{
    char name[32];
    size_t length = lib::format(name, sizeof(name), "/SYSV%08x (deleted)", uint32_t(m_segment->creation_key));
    return String::try_create({ name, length });
}

ErrorOr<RefPtr<IpcObject>> create_segment(int32_t key, uint64_t size, int pid)
{
    if (size < shm_min || size > shm_max)
        return Error(EINVAL);
    uint64_t pages = mm::page_round_up(size) / mm::page_size;
    if (s_total_pages + pages < s_total_pages || s_total_pages + pages > shm_all)
        return Error(ENOSPC);
    auto segment = TRY(try_make_ref_counted<ShmSegment>());
    segment->memory = TRY(mm::SharedAnonymousMemory::create(size));
    segment->size = size;
    segment->creation_key = key;
    segment->creator_pid = pid;
    segment->change_time = now_seconds();
    s_total_pages += pages;
    return RefPtr<IpcObject>(std::move(segment));
}

LinuxShmidDs status_of(ShmSegment const& segment)
{
    return {
        .perm = segment.linux_perm(),
        .segment_size = segment.size,
        .attach_time = segment.attach_time,
        .detach_time = segment.detach_time,
        .change_time = segment.change_time,
        .creator_pid = segment.creator_pid,
        .last_pid = segment.last_pid,
        .attach_count = segment.attach_count(),
        .unused = {},
    };
}

// The segment's mapping when `file` is one, null for any other file.
ShmMapping* is_attachment(mm::MappedFile* file)
{
    ShmMapping* found = nullptr;
    s_segments.for_each([&](IpcObject& object) {
        auto& segment = static_cast<ShmSegment&>(object);
        if (file && segment.mapping == file)
            found = segment.mapping;
    });
    return found;
}

mm::AddressSpace& space() { return process::current().address_space(); }

// shmat(2)
ErrorOr<long> attach(int id, uint64_t address, int flags)
{
    // do_shmat(): a misaligned address is rounded down with SHM_RND (not to 0 with SHM_REMAP)
    // and EINVAL without; SHM_REMAP needs an address.
    if (address) {
        if (address % mm::page_size) {
            if (!(flags & shm_rnd))
                return Error(EINVAL);
            address = mm::page_round_down(address);
            if (!address && (flags & shm_remap))
                return Error(EINVAL);
        }
    } else if (flags & shm_remap) {
        return Error(EINVAL);
    }
    int prot = mm::prot_read;
    int access = 0444;
    if (!(flags & shm_rdonly)) {
        prot |= mm::prot_write;
        access |= 0222;
    }
    if (flags & shm_exec) {
        prot |= mm::prot_exec;
        access |= 0111;
    }
    auto caller = current_caller();
    auto* segment = TRY(object_with_id<ShmSegment>(s_segments, id));
    TRY(segment->check_access(caller, access));

    uint64_t length = mm::page_round_up(segment->size);
    if (address) {
        if (!lib::is_user_range(address, length))
            return Error(EINVAL);
        // Without SHM_REMAP an attachment must not cover what is mapped there.
        if (!(flags & shm_remap))
            for (uint64_t page = address; page < address + length; page += mm::page_size)
                if (space().find_region(page))
                    return Error(EINVAL);
    } else {
        address = TRY(space().find_free_range(length));
    }

    RefPtr<mm::MappedFile> file;
    if (segment->mapping) {
        file = RefPtr<mm::MappedFile>(segment->mapping);
    } else {
        auto mapping = TRY(try_make_ref_counted<ShmMapping>(RefPtr<ShmSegment>(segment)));
        segment->mapping = mapping.ptr();
        file = RefPtr<mm::MappedFile>(std::move(mapping));
    }
    mm::Region region { .start = address, .end = address + length, .prot = prot, .shared = true, .file = std::move(file) };
    region.file_end = address;
    TRY(space().map_fixed(std::move(region)));
    segment->attach_time = now_seconds();
    segment->last_pid = caller.pid;
    return long(address);
}

// shmdt(2): the attachment that starts at `address`, with the regions after it that continue
// the same segment (it may have been split), up to the segment's size.
ErrorOr<long> detach(uint64_t address)
{
    if (address % mm::page_size)
        return Error(EINVAL);
    auto* region = space().find_region(address);
    if (!region || region->start != address || region->file_offset != 0)
        return Error(EINVAL);
    auto* mapping = is_attachment(region->file.ptr());
    if (!mapping)
        return Error(EINVAL);
    RefPtr<IpcObject> segment(&mapping->segment());
    uint64_t limit = address + mm::page_round_up(mapping->segment().size);
    uint64_t end = region->end;
    while (end < limit) {
        auto* next = space().find_region(end);
        if (!next || next->start != end || next->file.ptr() != mapping || next->file_offset != end - address)
            break;
        end = next->end;
    }
    auto& attached = mapping->segment();
    attached.detach_time = now_seconds();
    attached.last_pid = process::current().pid();
    TRY(space().unmap(address, end - address));
    return 0;
}

ErrorOr<long> control(int id, int command, uint64_t buffer)
{
    if (command < 0 || id < 0)
        return Error(EINVAL);
    auto caller = current_caller();
    switch (command) {
    case ipc_info: {
        LinuxShmInfo64 info { .shmmax = shm_max, .shmmin = shm_min, .shmmni = shm_mni, .shmseg = shm_mni, .shmall = shm_all, .unused = {} };
        TRY(UserPtr<LinuxShmInfo64>(buffer).write(info));
        return highest_index_result(s_segments);
    }
    case shm_info: {
        LinuxShmInfo info {};
        info.used_ids = int32_t(s_segments.count());
        info.shm_tot = s_total_pages;
        s_segments.for_each([&](IpcObject& object) {
            auto& segment = static_cast<ShmSegment&>(object);
            info.shm_rss += mm::page_round_up(segment.size) / mm::page_size;
        });
        TRY(UserPtr<LinuxShmInfo>(buffer).write(info));
        return highest_index_result(s_segments);
    }
    case shm_stat:
    case shm_stat_any: {
        auto* segment = TRY(object_at_index<ShmSegment>(s_segments, id));
        if (command == shm_stat)
            TRY(segment->check_access(caller, 0444));
        TRY(UserPtr<LinuxShmidDs>(buffer).write(status_of(*segment)));
        return segment->id;
    }
    case ipc_stat: {
        auto* segment = TRY(object_with_id<ShmSegment>(s_segments, id));
        TRY(segment->check_access(caller, 0444));
        TRY(UserPtr<LinuxShmidDs>(buffer).write(status_of(*segment)));
        return 0;
    }
    case ipc_set: {
        auto* segment = TRY(object_with_id<ShmSegment>(s_segments, id));
        TRY(set_from_user(*segment, caller, buffer));
        segment->change_time = now_seconds();
        return 0;
    }
    case ipc_rmid: {
        auto* segment = TRY(object_with_id<ShmSegment>(s_segments, id));
        TRY(segment->check_owner(caller));
        // do_shm_rmid(): an attached segment lives on without its key until the last detach.
        if (segment->attach_count()) {
            segment->mode |= shm_dest_mode;
            s_segments.release_key(*segment);
        } else {
            s_segments.remove(*segment);
        }
        return 0;
    }
    case shm_lock:
    case shm_unlock: {
        // Memory is never paged out: locking changes only the flag IPC_STAT shows.
        auto* segment = TRY(object_with_id<ShmSegment>(s_segments, id));
        TRY(segment->check_owner(caller));
        if (command == shm_lock)
            segment->mode |= shm_locked_mode;
        else
            segment->mode &= ~shm_locked_mode;
        return 0;
    }
    default:
        return Error(EINVAL);
    }
}

}


}

// shmget(2): IPC_PRIVATE or a key; the size rounded up to pages when mapped but reported as
// asked; EINVAL outside [SHMMIN, SHMMAX] for a new segment or past the size of an existing one.
SYSCALL_HANDLER(shmget)
{
    using namespace ipc;
    int32_t key = int32_t(args[0]);
    uint64_t size = args[1];
    int flags = args.as_int(2);
    auto caller = current_caller();
    return long(TRY(get_object(
        s_segments, caller, key, flags,
        [&](IpcObject& object) -> ErrorOr<void> {
            if (static_cast<ShmSegment&>(object).size < size)
                return Error(EINVAL);
            return {};
        },
        [&] { return create_segment(key, size, caller.pid); })));
}

SYSCALL_HANDLER(shmat) { return ipc::attach(args.as_int(0), args[1], args.as_int(2)); }
SYSCALL_HANDLER(shmdt) { return ipc::detach(args[0]); }
SYSCALL_HANDLER(shmctl) { return ipc::control(args.as_int(0), args.as_int(1), args[2]); }
