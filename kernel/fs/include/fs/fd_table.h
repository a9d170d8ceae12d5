#pragma once

#include <cstddef>

#include <fs/open_file_description.h>
#include <lib/own_ptr.h>
#include <lib/vector.h>

namespace fs {

// A process's file descriptors: small integers naming open file descriptions, each with its
// own close-on-exec flag. Reference counted so that threads (CLONE_FILES) can share one table;
// fork(2) takes a copy with try_clone(), which shares the descriptions (and so their offsets).
// The table is also the owner of the process's record locks (record_lock.h).
class FdTable : public RefCounted<FdTable> {
public:
    static constexpr size_t default_limit = 1024;

    static ErrorOr<RefPtr<FdTable>> create();
    ~FdTable();

    // RLIMIT_NOFILE: descriptors are numbered below this. Lowering it does not close anything,
    // as on Linux.
    size_t limit() const { return m_limit; }
    void set_limit(size_t limit) { m_limit = limit; }

    // The lowest free descriptor at or above `minimum`; EMFILE when there is none below the
    // limit, EINVAL when `minimum` itself is out of range (F_DUPFD's rule).
    ErrorOr<int> allocate(RefPtr<OpenFileDescription>, bool close_on_exec, int minimum = 0);
    // EMFILE when allocate() would find no free descriptor.
    ErrorOr<void> check_can_allocate() const;
    // EBADF unless `fd` is open.
    ErrorOr<RefPtr<OpenFileDescription>> get(int fd) const;
    ErrorOr<void> close(int fd);
    // Puts `description` at `fd`, closing what it named; EBADF outside [0, limit).
    ErrorOr<void> install(int fd, RefPtr<OpenFileDescription>, bool close_on_exec);
    // dup2(2)/dup3(2): makes `new_fd` name `old_fd`'s description, closing what it named.
    ErrorOr<int> duplicate_to(int old_fd, int new_fd, bool close_on_exec);
    ErrorOr<bool> close_on_exec(int fd) const;
    ErrorOr<void> set_close_on_exec(int fd, bool);
    // close_range(2) without the unshare flag.
    void close_range(unsigned first, unsigned last, bool only_set_close_on_exec);

    ErrorOr<RefPtr<FdTable>> try_clone() const;
    // Closes every descriptor marked close-on-exec (execve(2)).
    void close_on_exec_all();
    void close_all();
    size_t open_count() const;
    // The lowest open descriptor at or above `fd`, or -1 (for listing /proc/PID/fd).
    int next_open(int fd) const;

private:
    FdTable() = default;
    struct Slot {
        RefPtr<OpenFileDescription> description;
        bool close_on_exec { false };
    };
    // Empties the slot; the process's record locks on the file go (record_lock.h).
    void release(Slot&);
    bool is_open(int fd) const { return fd >= 0 && size_t(fd) < m_slots.size() && m_slots[size_t(fd)].description; }
    ErrorOr<void> ensure_slots(size_t count);

    Vector<Slot> m_slots;
    size_t m_limit { default_limit };
};

// The calling process's descriptor table, which the syscall handlers work on. Defined by the
// process library.
FdTable& current_fd_table();

}
