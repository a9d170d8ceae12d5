#pragma once

#include <ipc/ipc_table.h>
#include <lib/user_memory.h>
#include <plat/clock.h>
#include <process/process.h>
#include <syscall/syscall.h>

namespace ipc {

inline Caller current_caller()
{
    auto& process = process::current();
    return Caller::from(process.credentials, process.pid());
}

// The times the ctl calls report: seconds of the real-time clock.
inline int64_t now_seconds() { return int64_t(plat::realtime_nanoseconds() / 1'000'000'000); }

// IPC_INFO and its kin answer the highest slot in use, or 0 when none is.
inline long highest_index_result(IpcTable const& table)
{
    int index = table.highest_index();
    return index < 0 ? 0 : index;
}

// SHM_STAT, SEM_STAT and MSG_STAT take a slot index instead of an id (EINVAL for a free one);
// the *_STAT_ANY forms skip the read permission check.
template<typename T>
ErrorOr<T*> object_at_index(IpcTable const& table, int index)
{
    auto* object = table.at_index(index);
    if (!object)
        return Error(EINVAL);
    return static_cast<T*>(object);
}

template<typename T>
ErrorOr<T*> object_with_id(IpcTable const& table, int id)
{
    auto* object = table.find_id(id);
    if (!object)
        return Error(EINVAL);
    return static_cast<T*>(object);
}

// IPC_SET's new owner, group and mode, read from the ds structure the caller passes.
inline ErrorOr<void> set_from_user(IpcObject& object, Caller const& caller, uint64_t address)
{
    auto perm = TRY(UserPtr<LinuxIpcPerm>(address).read());
    TRY(object.check_owner(caller));
    object.set_owner(perm.uid, perm.gid, perm.mode);
    return {};
}

}
