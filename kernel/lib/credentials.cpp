#include <lib/credentials.h>

namespace lib {

// setuid(2): "If the calling process is privileged ... the real UID and saved set-user-ID are
// also set", otherwise only the effective one, and only to the real or saved ID.
ErrorOr<void> IdSet::set(uint32_t id, bool privileged)
{
    if (id == unchanged_id)
        return Error(EINVAL);
    if (privileged) {
        real = effective = saved = filesystem = id;
        return {};
    }
    if (id != real && id != saved)
        return Error(EPERM);
    effective = filesystem = id;
    return {};
}

// Linux's __sys_setreuid(): checks against the old IDs, then the saved ID rule of setreuid(2):
// "If the real user ID is set or the effective user ID is set to a value not equal to the
// previous real user ID, the saved set-user-ID will be set to the new effective user ID."
ErrorOr<void> IdSet::set_real_effective(uint32_t new_real, uint32_t new_effective, bool privileged)
{
    IdSet next = *this;
    if (new_real != unchanged_id) {
        if (!privileged && new_real != real && new_real != effective)
            return Error(EPERM);
        next.real = new_real;
    }
    if (new_effective != unchanged_id) {
        if (!privileged && !holds(new_effective))
            return Error(EPERM);
        next.effective = new_effective;
    }
    if (new_real != unchanged_id || (new_effective != unchanged_id && new_effective != real))
        next.saved = next.effective;
    next.filesystem = next.effective;
    *this = next;
    return {};
}

ErrorOr<void> IdSet::set_real_effective_saved(uint32_t new_real, uint32_t new_effective, uint32_t new_saved, bool privileged)
{
    if (!privileged) {
        for (uint32_t id : { new_real, new_effective, new_saved })
            if (id != unchanged_id && !holds(id))
                return Error(EPERM);
    }
    if (new_real != unchanged_id)
        real = new_real;
    if (new_effective != unchanged_id)
        effective = new_effective;
    if (new_saved != unchanged_id)
        saved = new_saved;
    filesystem = effective;
    return {};
}

uint32_t IdSet::set_filesystem(uint32_t id, bool privileged)
{
    uint32_t previous = filesystem;
    if (id == unchanged_id)
        return previous;
    if (privileged || holds(id) || id == filesystem)
        filesystem = id;
    return previous;
}

bool Identity::in_group(uint32_t id) const
{
    if (id == gid)
        return true;
    for (uint32_t group : groups)
        if (group == id)
            return true;
    return false;
}

ErrorOr<void> Credentials::set_groups(std::span<uint32_t const> list)
{
    if (list.size() > max_supplementary_groups)
        return Error(EINVAL);
    Vector<uint32_t> sorted;
    TRY(sorted.try_ensure_capacity(list.size()));
    for (uint32_t id : list) {
        // Insertion sort: lists are short, and this needs no allocation beyond the vector's.
        MUST(sorted.try_append(id));
        for (size_t index = sorted.size() - 1; index > 0 && sorted[index - 1] > sorted[index]; --index) {
            uint32_t swapped = sorted[index - 1];
            sorted[index - 1] = sorted[index];
            sorted[index] = swapped;
        }
    }
    m_groups = std::move(sorted);
    return {};
}

ErrorOr<void> Credentials::copy_from(Credentials const& other)
{
    TRY(set_groups(other.groups()));
    user = other.user;
    group = other.group;
    return {};
}

// Linux's bprm_fill_uid() and commit_creds() at exec: "the effective user ID of the process is
// set to that of the owner of the program file", and cap_bprm_creds_from_file() then sets
// suid = euid and fsuid = euid (and the same for the groups).
void apply_exec(IdSet& user, IdSet& group, bool set_user_id, uint32_t file_uid, bool set_group_id, uint32_t file_gid)
{
    if (set_user_id)
        user.effective = file_uid;
    if (set_group_id)
        group.effective = file_gid;
    user.saved = user.filesystem = user.effective;
    group.saved = group.filesystem = group.effective;
}

}
