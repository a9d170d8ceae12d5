#pragma once

#include <cstdint>

#include <ipc/abi.h>
#include <lib/credentials.h>
#include <lib/error_or.h>
#include <lib/own_ptr.h>
#include <lib/vector.h>

namespace ipc {

// Who asks: the effective user ID (compared with the owner and creator), the file system group
// ID and the supplementary groups (Linux's in_group_p()), and whether the caller holds the
// capabilities that override the checks (CAP_IPC_OWNER, CAP_SYS_ADMIN: effective user ID 0).
struct Caller {
    uint32_t uid { 0 };
    uint32_t gid { 0 };
    std::span<uint32_t const> groups {};
    bool privileged { true };
    int pid { 0 };

    static Caller from(lib::Credentials const&, int pid);
};

// One shared memory segment, semaphore set or message queue: Linux's kern_ipc_perm and what
// every kind shares. Kept by its table while its id is valid, and by whoever waits on it.
class IpcObject : public RefCounted<IpcObject> {
public:
    virtual ~IpcObject() = default;

    int32_t key { ipc_private };
    uint32_t uid { 0 }, gid { 0 }, cuid { 0 }, cgid { 0 };
    uint32_t mode { 0 }; // permission bits, and SHM_DEST/SHM_LOCKED for segments
    uint16_t sequence { 0 };
    int id { -1 };
    // IPC_RMID ran: waiters leave with EIDRM.
    bool is_removed { false };

    // The owner and creator are the caller; the mode the low nine bits of `flags`.
    void initialize(Caller const&, int32_t key, int flags);
    // ipcperms(): `flags` carries the wanted bits in any of the three classes (0444 to read,
    // 0222 to write, or a get call's flags); EACCES unless the class the caller falls in grants
    // them all or the caller is privileged.
    ErrorOr<void> check_access(Caller const&, int flags) const;
    // IPC_SET and IPC_RMID: the owner, the creator or a privileged caller (EPERM otherwise).
    ErrorOr<void> check_owner(Caller const&) const;
    // IPC_SET: a new owner and group, and the permission bits of `new_mode`.
    void set_owner(uint32_t new_uid, uint32_t new_gid, uint32_t new_mode);
    LinuxIpcPerm linux_perm() const;
};

// The ids of one kind (Linux's ipc_ids): slots handed out lowest first, each id the slot index
// plus its sequence number shifted by 15 bits; the sequence moves on whenever a slot at or below
// the last one handed out is reused, so that a stale id does not find its successor.
class IpcTable {
public:
    explicit IpcTable(size_t limit)
        : m_limit(limit)
    {
    }

    // The object holding `key` (never IPC_PRIVATE), or null.
    IpcObject* find_key(int32_t key) const;
    // The object with this id, or null (EINVAL for the caller) for a free slot or a stale id.
    IpcObject* find_id(int id) const;
    // The object in slot `index` (SHM_STAT and its kin take indexes), or null.
    IpcObject* at_index(int index) const;
    // Gives `object` an id; ENOSPC once `limit` objects exist.
    ErrorOr<int> add(RefPtr<IpcObject> object);
    // IPC_RMID: the id and the key are free again; the table lets go of the object.
    void remove(IpcObject&);
    // A segment removed while attached keeps its id but gives up its key at once.
    void release_key(IpcObject& object) { object.key = ipc_private; }

    size_t count() const { return m_count; }
    // The highest slot in use (IPC_INFO's result), -1 when empty.
    int highest_index() const;

    template<typename Callback>
    void for_each(Callback callback) const
    {
        for (auto const& slot : m_slots)
            if (slot)
                callback(*slot);
    }

private:
    Vector<RefPtr<IpcObject>> m_slots;
    size_t m_limit;
    size_t m_count { 0 };
    int m_last_index { -1 };
    uint16_t m_sequence { 0 };
};

// The get calls (shmget, semget, msgget) over a table: IPC_PRIVATE always creates; a key
// finds its object (ENOENT without IPC_CREAT, EEXIST with IPC_CREAT|IPC_EXCL, then
// `more_checks`, then EACCES) or is created with IPC_CREAT. `create` checks the arguments and
// makes the new object; ENOSPC when the table is full.
template<typename MoreChecks, typename Create>
ErrorOr<int> get_object(IpcTable& table, Caller const& caller, int32_t key, int flags, MoreChecks more_checks, Create create)
{
    if (key != ipc_private) {
        if (auto* object = table.find_key(key)) {
            if ((flags & ipc_create) && (flags & ipc_exclusive))
                return Error(EEXIST);
            TRY(more_checks(*object));
            TRY(object->check_access(caller, flags));
            return object->id;
        }
        if (!(flags & ipc_create))
            return Error(ENOENT);
    }
    RefPtr<IpcObject> object = TRY(create());
    object->initialize(caller, key, flags);
    return TRY(table.add(std::move(object)));
}

}
