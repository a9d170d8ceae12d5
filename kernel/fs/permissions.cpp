#include <fs/abi.h>
#include <fs/directory.h>
#include <fs/inode.h>
#include <fs/permissions.h>

namespace fs {

[[gnu::weak]] lib::Credentials const* current_credentials() { return nullptr; }

lib::Identity caller_identity()
{
    auto const* credentials = current_credentials();
    return credentials ? credentials->filesystem_identity() : lib::Identity {};
}

lib::Identity caller_real_identity()
{
    auto const* credentials = current_credentials();
    return credentials ? credentials->real_identity() : lib::Identity {};
}

// Linux's acl_permission_check() and the capability checks after it: one class of bits
// decides, the owner's before the group's before the others', even when a later class would
// grant more. CAP_DAC_OVERRIDE lets root read and write anything and search any directory,
// and execute a file that has an execute bit for someone.
static bool is_permitted(Inode const& inode, int mask, lib::Identity const& identity)
{
    uint32_t mode = inode.permissions();
    uint32_t granted;
    if (identity.uid == inode.uid())
        granted = mode >> 6;
    else if (identity.in_group(inode.gid()))
        granted = mode >> 3;
    else
        granted = mode;
    if ((uint32_t(mask) & ~granted & 7) == 0)
        return true;
    if (!identity.is_root())
        return false;
    if (inode.is_directory())
        return true;
    return !(mask & X_OK) || (mode & 0111);
}

ErrorOr<void> check_permission(Inode const& inode, int mask, lib::Identity const& identity)
{
    if (!is_permitted(inode, mask, identity))
        return Error(EACCES);
    return inode.check_access_override(mask);
}

ErrorOr<void> check_search(Directory const& directory, lib::Identity const& identity)
{
    if (!is_permitted(directory, X_OK, identity))
        return Error(EACCES);
    return {};
}

ErrorOr<void> check_may_create(Directory const& directory, lib::Identity const& identity)
{
    if (!is_permitted(directory, W_OK | X_OK, identity))
        return Error(EACCES);
    return {};
}

// may_delete() and check_sticky(): "When a directory's sticky bit is set, the file system
// treats the files in such directories in a special way so only the file's owner, the
// directory's owner, or root can rename or delete the file" (inode(7)).
ErrorOr<void> check_may_delete(Directory const& directory, Inode const& victim, lib::Identity const& identity)
{
    TRY(check_may_create(directory, identity));
    if ((directory.permissions() & S_ISVTX) && identity.uid != victim.uid() && identity.uid != directory.uid() && !identity.is_root())
        return Error(EPERM);
    return {};
}

bool is_owner_or_root(Inode const& inode, lib::Identity const& identity)
{
    return identity.uid == inode.uid() || identity.is_root();
}

// Linux's inode_init_owner(): "the group ID of a new file is set to the group ID of the parent
// directory if the set-group-ID bit is set on it, and new subdirectories inherit the bit".
void set_creator(Inode& created, Directory const& parent, lib::Identity const& identity)
{
    bool inherits_group = parent.permissions() & S_ISGID;
    created.set_creator(identity.uid, inherits_group ? parent.gid() : identity.gid);
    if (inherits_group && created.is_directory())
        created.set_permissions(created.permissions() | S_ISGID);
}

}
