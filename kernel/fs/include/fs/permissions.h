#pragma once

#include <lib/credentials.h>
#include <lib/error_or.h>

// File permissions as Linux checks them (path_resolution(7), Linux's generic_permission()):
// the owner's, the group's or the others' bits, whichever class the caller falls in, and root
// (user ID 0) passing every read and write check and needing one execute bit to run a file.
namespace fs {

class Directory;
class Inode;

// The caller's credentials. The process library defines it; the weak stand-in (and host
// tests unless they define their own) returns null, which means root.
lib::Credentials const* current_credentials();
// Whom the caller's file accesses are checked for: its file system user and group IDs.
lib::Identity caller_identity();
// The same with the real IDs, for access(2).
lib::Identity caller_real_identity();

// R_OK, W_OK and X_OK of `mask`, then what the inode's kind refuses even to root
// (check_access_override): EACCES.
ErrorOr<void> check_permission(Inode const&, int mask, lib::Identity const&);
// The search permission a path walk needs in each directory it passes through.
ErrorOr<void> check_search(Directory const&, lib::Identity const&);
// Making a name in `directory` (Linux's may_create()): write and search permission.
ErrorOr<void> check_may_create(Directory const&, lib::Identity const&);
// Removing `victim`'s name from `directory` (may_delete()): write and search permission, and in a
// sticky directory ownership of the file or the directory (EPERM otherwise).
ErrorOr<void> check_may_delete(Directory const&, Inode const& victim, lib::Identity const&);
// Linux's inode_owner_or_capable(): the file's owner, or root (CAP_FOWNER).
bool is_owner_or_root(Inode const&, lib::Identity const&);
// A new file's owner and group: the caller's file system IDs, or the directory's group when the
// directory is set-group-ID (and then a new directory is set-group-ID too).
void set_creator(Inode& created, Directory const& parent, lib::Identity const&);

}
