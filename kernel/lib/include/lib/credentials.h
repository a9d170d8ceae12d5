#pragma once

#include <cstdint>
#include <span>

#include <lib/error_or.h>
#include <lib/vector.h>

// Users and groups as Linux keeps them for a process (credentials(7)): real, effective, saved
// and file system IDs of each kind, and the supplementary groups. Root is effective user ID 0:
// it holds every capability, and with file system user ID 0 it passes the file permission
// checks as CAP_DAC_OVERRIDE does. The rules of the setuid(2) family live here, free of the
// process that owns the IDs, so that they run in host unit tests.
namespace lib {

// setgroups(2)'s limit (NGROUPS_MAX).
constexpr size_t max_supplementary_groups = 65536;
// (uid_t)-1: "leave unchanged" for the set*id calls that take several IDs, and not a valid ID.
constexpr uint32_t unchanged_id = 0xffff'ffff;

// One kind of ID (user or group) in its four roles.
struct IdSet {
    uint32_t real { 0 };
    uint32_t effective { 0 };
    uint32_t saved { 0 };
    uint32_t filesystem { 0 };

    bool holds(uint32_t id) const { return id == real || id == effective || id == saved; }

    // setuid(2), setgid(2): a privileged caller sets all four; another may set the effective
    // (and file system) ID to its real or saved one (EPERM otherwise). EINVAL for -1.
    ErrorOr<void> set(uint32_t id, bool privileged);
    // setreuid(2), setregid(2): -1 leaves an ID as it is. Unprivileged, the real ID may become
    // the effective one, and the effective ID the real or saved one. The saved ID follows the
    // new effective one when the real ID is set, or the effective one is set to something other
    // than the old real ID.
    ErrorOr<void> set_real_effective(uint32_t real, uint32_t effective, bool privileged);
    // setresuid(2), setresgid(2): -1 leaves an ID as it is; unprivileged, each new ID must be
    // one of the current real, effective and saved ones.
    ErrorOr<void> set_real_effective_saved(uint32_t real, uint32_t effective, uint32_t saved, bool privileged);
    // setfsuid(2), setfsgid(2): returns the previous file system ID whether or not it changed
    // (unprivileged, it may become one of the real, effective, saved or current file system
    // IDs; -1 changes nothing).
    uint32_t set_filesystem(uint32_t id, bool privileged);
};

// execve(2) of a set-user-ID or set-group-ID file: the effective ID becomes the file's owner
// or group; then, for every exec, the saved and file system IDs follow the effective ones.
void apply_exec(IdSet& user, IdSet& group, bool set_user_id, uint32_t file_uid, bool set_group_id, uint32_t file_gid);

// Whom a file permission check is made for: the file system IDs for most calls, the real
// ones for access(2). The groups are borrowed from the credentials they came from.
struct Identity {
    uint32_t uid { 0 };
    uint32_t gid { 0 };
    std::span<uint32_t const> groups {};

    // CAP_DAC_OVERRIDE and CAP_FOWNER: held by user ID 0.
    bool is_root() const { return uid == 0; }
    // Linux's in_group_p(): the group ID or one of the supplementary groups.
    bool in_group(uint32_t id) const;
};

class Credentials {
public:
    IdSet user;
    IdSet group;

    // CAP_SETUID, CAP_SETGID, CAP_KILL and the others: held while the effective user ID is 0.
    bool is_privileged() const { return user.effective == 0; }

    std::span<uint32_t const> groups() const { return m_groups.span(); }
    // setgroups(2) once permitted: kept sorted, as Linux keeps them (getgroups(2) returns them
    // in that order).
    ErrorOr<void> set_groups(std::span<uint32_t const>);
    ErrorOr<void> copy_from(Credentials const&);

    Identity filesystem_identity() const { return { user.filesystem, group.filesystem, groups() }; }
    Identity real_identity() const { return { user.real, group.real, groups() }; }

private:
    Vector<uint32_t> m_groups;
};

}
