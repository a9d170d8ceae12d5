#pragma once

#include <cstdint>
#include <optional>

#include <fs/inode.h>
#include <lib/error_or.h>
#include <lib/vector.h>

namespace fs {

class FdTable;
class OpenFileDescription;

// fcntl(2) record locks: advisory locks on byte ranges of a file. Two kinds of owner share one
// set of locks per inode and conflict with each other, as on Linux:
// - process-associated (POSIX) locks, F_SETLK and friends, belong to the process. As Linux
//   (fl_owner = current->files), the owner is the process's descriptor table, so threads share
//   them, a fork child (a copy of the table) does not inherit them, and execve keeps them. Any
//   close of a descriptor for the file drops all of the owner's locks on it, and so does exit;
// - open file description locks, F_OFD_SETLK and friends, belong to the description, so dup and
//   fork share them; they go when its last reference does.
// flock(2) locks (file_lock.h) are independent of these, as on Linux.
enum class RecordLockType {
    Read,
    Write,
    Unlock,
};

// Linux's OFFSET_MAX: a range that ends here runs to the end of the file, however it grows.
constexpr int64_t record_lock_offset_max = INT64_MAX;

// Bytes [start, end], both included.
struct RecordLockRange {
    int64_t start;
    int64_t end;
    bool operator==(RecordLockRange const&) const = default;
};

// Who holds a lock: the key is the FdTable of a process or an OpenFileDescription.
struct RecordLockOwner {
    void const* key;
    bool is_description;
    // F_GETLK's l_pid for a process's lock (the thread group's ID when it was taken).
    int pid;

    static RecordLockOwner process(FdTable const& table, int pid) { return { &table, false, pid }; }
    static RecordLockOwner description(OpenFileDescription const& description) { return { &description, true, -1 }; }
};

// A lock as F_GETLK reports it: l_pid is the owner's process for a process-associated lock and
// -1 for a description's (Linux's locks_translate_pid()).
struct RecordLockInfo {
    RecordLockType type;
    RecordLockRange range;
    int pid;
};

// struct flock's l_whence, l_start and l_len as Linux's flock_to_posix_lock() reads them:
// EINVAL for an unknown whence or a start before 0, EOVERFLOW past OFFSET_MAX; l_len 0 runs to
// the end of the file, a negative l_len covers the bytes before l_start (POSIX.1-2001).
ErrorOr<RecordLockRange> record_lock_range(int whence, int64_t start, int64_t length, int64_t current_offset, int64_t file_size);
// The other way, for F_GETLK: l_start and l_len (0 for a lock to the end of the file).
int64_t record_lock_length(RecordLockRange);

// F_GETLK: the first lock of another owner that a lock of `type` over `range` would conflict
// with, if any.
std::optional<RecordLockInfo> test_record_lock(Inode const&, RecordLockOwner const&, RecordLockType, RecordLockRange);

// F_SETLK (`wait` false) and F_SETLKW: takes, converts or drops the owner's locks over `range`,
// splitting and merging its ranges (adjacent ranges of one type become one). A conflict is
// EAGAIN, or with `wait` a sleep until the conflicting locks go; a signal ends it (EINTR,
// restarted under SA_RESTART). A process that would wait for a lock held by a process that
// waits, through a chain of waits, for one of its own is EDEADLK (Linux's
// posix_locks_deadlock(); description locks are not checked). ENOLCK when out of memory.
ErrorOr<void> set_record_lock(Inode&, RecordLockOwner const&, RecordLockType, RecordLockRange, bool wait);

// The owner's locks on `inode`, sorted by start (for tests and /proc/locks).
ErrorOr<Vector<RecordLockInfo>> record_locks_of(Inode const&, RecordLockOwner const&);
bool has_record_locks(Inode const&);

// A descriptor of `inode` in `table` is closing: the process's locks on it go (POSIX's rule,
// Linux's locks_remove_posix() from filp_close()).
void release_process_record_locks(FdTable const&, Inode const&);
// The description's last reference is going: its own locks go.
void release_description_record_locks(OpenFileDescription const&);

// The calling process's ID (its thread group's), which a process-associated lock records.
// Defined by the process library; the weak stand-in (host tests, a kernel without processes)
// says 1.
int current_process_id();

}
