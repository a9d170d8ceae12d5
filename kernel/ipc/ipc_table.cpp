#include <ipc/ipc_table.h>

namespace ipc {

Caller Caller::from(lib::Credentials const& credentials, int pid)
{
    return { credentials.user.effective, credentials.group.filesystem, credentials.groups(), credentials.is_privileged(), pid };
}

void IpcObject::initialize(Caller const& caller, int32_t new_key, int flags)
{
    key = new_key;
    uid = cuid = caller.uid;
    gid = cgid = caller.gid;
    mode = uint32_t(flags) & 0777;
}

ErrorOr<void> IpcObject::check_access(Caller const& caller, int flags) const
{
    int requested = (flags >> 6) | (flags >> 3) | flags;
    int granted = int(mode);
    lib::Identity identity { caller.uid, caller.gid, caller.groups };
    if (caller.uid == cuid || caller.uid == uid)
        granted >>= 6;
    else if (identity.in_group(cgid) || identity.in_group(gid))
        granted >>= 3;
    if ((requested & ~granted & 0007) && !caller.privileged)
        return Error(EACCES);
    return {};
}

ErrorOr<void> IpcObject::check_owner(Caller const& caller) const
{
    if (caller.uid == cuid || caller.uid == uid || caller.privileged)
        return {};
    return Error(EPERM);
}

void IpcObject::set_owner(uint32_t new_uid, uint32_t new_gid, uint32_t new_mode)
{
    uid = new_uid;
    gid = new_gid;
    mode = (mode & ~0777u) | (new_mode & 0777);
}

LinuxIpcPerm IpcObject::linux_perm() const
{
    return { .key = key, .uid = uid, .gid = gid, .cuid = cuid, .cgid = cgid, .mode = mode, .sequence = sequence, .pad = 0, .unused = {} };
}

IpcObject* IpcTable::find_key(int32_t key) const
{
    if (key == ipc_private)
        return nullptr;
    for (auto const& slot : m_slots)
        if (slot && slot->key == key)
            return slot.ptr();
    return nullptr;
}

IpcObject* IpcTable::at_index(int index) const
{
    if (index < 0 || size_t(index) >= m_slots.size())
        return nullptr;
    return m_slots[size_t(index)].ptr();
}

IpcObject* IpcTable::find_id(int id) const
{
    if (id < 0)
        return nullptr;
    auto* object = at_index(id % id_index_limit);
    if (!object || object->id != id)
        return nullptr;
    return object;
}

ErrorOr<int> IpcTable::add(RefPtr<IpcObject> object)
{
    if (m_count >= m_limit)
        return Error(ENOSPC);
    size_t index = 0;
    while (index < m_slots.size() && m_slots[index])
        ++index;
    if (index >= size_t(id_index_limit))
        return Error(ENOSPC);
    if (index == m_slots.size())
        TRY(m_slots.try_append(RefPtr<IpcObject>()));
    // ipc_idr_alloc(): the sequence moves on when a slot at or below the last one is reused.
    if (int(index) <= m_last_index) {
        ++m_sequence;
        if (m_sequence >= id_sequence_limit)
            m_sequence = 0;
    }
    m_last_index = int(index);
    object->sequence = m_sequence;
    object->id = int(m_sequence) * id_index_limit + int(index);
    int id = object->id;
    m_slots[index] = std::move(object);
    ++m_count;
    return id;
}

void IpcTable::remove(IpcObject& object)
{
    object.is_removed = true;
    auto* slot = at_index(object.id % id_index_limit);
    if (slot != &object)
        return;
    RefPtr<IpcObject> kept = std::move(m_slots[size_t(object.id % id_index_limit)]);
    --m_count;
    while (!m_slots.is_empty() && !m_slots[m_slots.size() - 1])
        m_slots.shrink(m_slots.size() - 1);
}

int IpcTable::highest_index() const
{
    for (size_t index = m_slots.size(); index > 0; --index)
        if (m_slots[index - 1])
            return int(index - 1);
    return -1;
}

}
