#pragma once

#include <fs/open_file_description.h>
#include <lib/error_or.h>

namespace fs {

// flock(2) locks: whole-file advisory locks that belong to an open file description, so that
// dup(2) and fork(2) share them and they go when the description's last descriptor closes.
enum class FileLockType {
    Shared,
    Exclusive,
    Unlock,
};

// Takes, converts or drops the description's lock on its inode. A conflicting lock held
// through another description makes a non-blocking request EAGAIN (EWOULDBLOCK) and a blocking
// one wait until it goes; a signal ends the wait (EINTR). As in Linux's flock_lock_inode(), a
// conversion first drops the old lock, so it is not atomic: a waiter may get in between.
ErrorOr<void> lock_file(OpenFileDescription&, FileLockType, bool wait);

// Whether any description holds a lock on `inode` (for tests).
bool has_file_locks(Inode const&);

}
