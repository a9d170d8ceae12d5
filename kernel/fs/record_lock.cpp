#include <new>

#include <fs/abi.h>
#include <fs/record_lock.h>
#include <lib/assert.h>
#include <lib/intrusive_list.h>
#include <sched/wait_queue.h>

namespace fs {

[[gnu::weak]] int current_process_id() { return 1; }

namespace {

// One range of one owner. An owner's ranges on an inode never overlap; ranges of one type
// never touch either (they are merged).
struct RecordLock {
    IntrusiveListNode node;
    RefPtr<Inode> inode;
    void const* owner;
    bool is_description;
    int pid;
    RecordLockType type;
    int64_t start;
    int64_t end;
};

// A process sleeping in F_SETLKW (Linux's blocked_hash), for the deadlock check.
struct BlockedRequest {
    IntrusiveListNode node;
    Inode const* inode;
    RecordLockOwner owner;
    RecordLockType type;
    RecordLockRange range;
};

// Every record lock of every file: few files are locked at once, so a list is enough (Linux
// keeps one per inode). The kernel runs on one CPU and is not preempted, so looking and then
// waiting needs no lock.
IntrusiveList<RecordLock, &RecordLock::node> s_locks;
IntrusiveList<BlockedRequest, &BlockedRequest::node> s_blocked;
// Threads waiting for locks to go; each looks again when woken.
sched::WaitQueue s_waiters;

// Linux's MAX_DEADLK_ITERATIONS: longer chains of waits are not followed.
constexpr int max_deadlock_iterations = 10;

bool is_owned_by(RecordLock const& lock, RecordLockOwner const& owner)
{
    return lock.owner == owner.key && lock.is_description == owner.is_description;
}

bool overlaps(RecordLock const& lock, RecordLockRange range) { return lock.start <= range.end && range.start <= lock.end; }

// Overlapping or adjacent, so that one range can replace both.
bool touches(RecordLock const& lock, RecordLockRange range)
{
    bool before = lock.end < range.start && lock.end + 1 < range.start;
    bool after = range.end < lock.start && range.end + 1 < lock.start;
    return !before && !after;
}

RecordLock* first_conflict(Inode const& inode, RecordLockOwner const& owner, RecordLockType type, RecordLockRange range)
{
    for (auto& lock : s_locks) {
        if (lock.inode.ptr() != &inode || is_owned_by(lock, owner) || !overlaps(lock, range))
            continue;
        if (lock.type == RecordLockType::Write || type == RecordLockType::Write)
            return &lock;
    }
    return nullptr;
}

// Linux's what_owner_is_waiting_for(): the lock that the owner of `lock` sleeps on, if that
// owner is a process sleeping in F_SETLKW.
RecordLock* lock_waited_for_by_owner_of(RecordLock const& lock)
{
    if (lock.is_description)
        return nullptr;
    for (auto& request : s_blocked) {
        if (request.owner.key == lock.owner)
            return first_conflict(*request.inode, request.owner, request.type, request.range);
    }
    return nullptr;
}

// Linux's posix_locks_deadlock(): whether waiting for `blocker` would close a cycle of
// processes each waiting for the next one's lock.
bool would_deadlock(RecordLockOwner const& owner, RecordLock const& blocker)
{
    if (owner.is_description)
        return false;
    auto const* lock = &blocker;
    for (int iterations = 0; (lock = lock_waited_for_by_owner_of(*lock)); ++iterations) {
        if (iterations > max_deadlock_iterations)
            return false;
        if (is_owned_by(*lock, owner))
            return true;
    }
    return false;
}

void destroy(RecordLock& lock)
{
    IntrusiveList<RecordLock, &RecordLock::node>::remove(lock);
    delete &lock;
}

RecordLock* make_lock(Inode& inode, RecordLockOwner const& owner, RecordLockType type, int64_t start, int64_t end)
{
    auto* lock = new (std::nothrow) RecordLock { {}, RefPtr<Inode>(&inode), owner.key, owner.is_description, owner.pid, type, start, end };
    return lock;
}

// Linux's posix_lock_inode() once no other owner's lock is in the way: the owner's ranges of the
// same type that touch the request merge into it, the others give up the requested bytes (one
// of them may split in two).
ErrorOr<void> apply(Inode& inode, RecordLockOwner const& owner, RecordLockType type, RecordLockRange range)
{
    // Allocated first, so that a failure changes nothing.
    RecordLock* added = nullptr;
    if (type != RecordLockType::Unlock) {
        added = make_lock(inode, owner, type, range.start, range.end);
        if (!added)
            return Error(ENOLCK);
    }
    RecordLock* split = nullptr;
    for (auto& lock : s_locks) {
        if (lock.inode.ptr() == &inode && is_owned_by(lock, owner) && lock.type != type && lock.start < range.start && lock.end > range.end) {
            split = make_lock(inode, owner, lock.type, range.end + 1, lock.end);
            if (!split) {
                delete added;
                return Error(ENOLCK);
            }
            break;
        }
    }

    bool released = false;
    int64_t start = range.start;
    int64_t end = range.end;
    for (auto iterator = s_locks.begin(); iterator != s_locks.end();) {
        auto& lock = *iterator;
        ++iterator;
        if (lock.inode.ptr() != &inode || !is_owned_by(lock, owner))
            continue;
        if (lock.type == type) {
            if (touches(lock, { start, end })) {
                start = lock.start < start ? lock.start : start;
                end = lock.end > end ? lock.end : end;
                destroy(lock);
            }
            continue;
        }
        if (!overlaps(lock, { start, end }))
            continue;
        released = true;
        if (lock.start < start && lock.end > end) {
            // Found above: merging never grows the request into a lock of another type.
            VERIFY(split);
            lock.end = start - 1;
            s_locks.append(*split);
            split = nullptr;
        } else if (lock.start < start) {
            lock.end = start - 1;
        } else if (lock.end > end) {
            lock.start = end + 1;
        } else {
            destroy(lock);
        }
    }
    if (added) {
        added->start = start;
        added->end = end;
        s_locks.append(*added);
    }
    if (released)
        s_waiters.wake_all();
    return {};
}

}

ErrorOr<RecordLockRange> record_lock_range(int whence, int64_t start, int64_t length, int64_t current_offset, int64_t file_size)
{
    int64_t base;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = current_offset;
        break;
    case SEEK_END:
        base = file_size;
        break;
    default:
        return Error(EINVAL);
    }
    if (start > record_lock_offset_max - base)
        return Error(EOVERFLOW);
    int64_t first = base + start;
    if (first < 0)
        return Error(EINVAL);
    if (length > 0) {
        if (length - 1 > record_lock_offset_max - first)
            return Error(EOVERFLOW);
        return RecordLockRange { first, first + (length - 1) };
    }
    if (length < 0) {
        // first >= 0, so first + length cannot overflow.
        if (first + length < 0)
            return Error(EINVAL);
        return RecordLockRange { first + length, first - 1 };
    }
    return RecordLockRange { first, record_lock_offset_max };
}

int64_t record_lock_length(RecordLockRange range)
{
    return range.end == record_lock_offset_max ? 0 : range.end - range.start + 1;
}

std::optional<RecordLockInfo> test_record_lock(Inode const& inode, RecordLockOwner const& owner, RecordLockType type, RecordLockRange range)
{
    auto* conflict = first_conflict(inode, owner, type, range);
    if (!conflict)
        return std::nullopt;
    return RecordLockInfo { conflict->type, { conflict->start, conflict->end }, conflict->is_description ? -1 : conflict->pid };
}

ErrorOr<void> set_record_lock(Inode& inode, RecordLockOwner const& owner, RecordLockType type, RecordLockRange range, bool wait)
{
    if (type != RecordLockType::Unlock) {
        while (auto* conflict = first_conflict(inode, owner, type, range)) {
            if (!wait)
                return Error(EAGAIN);
            if (would_deadlock(owner, *conflict))
                return Error(EDEADLK);
            // Only a process's requests take part in the deadlock check, as in Linux.
            BlockedRequest request { {}, &inode, owner, type, range };
            if (!owner.is_description)
                s_blocked.append(request);
            auto reason = s_waiters.wait();
            IntrusiveList<BlockedRequest, &BlockedRequest::node>::remove(request);
            if (reason == sched::WakeReason::Interrupted)
                return Error(EINTR);
        }
    }
    return apply(inode, owner, type, range);
}

ErrorOr<Vector<RecordLockInfo>> record_locks_of(Inode const& inode, RecordLockOwner const& owner)
{
    Vector<RecordLockInfo> locks;
    for (auto& lock : s_locks) {
        if (lock.inode.ptr() != &inode || !is_owned_by(lock, owner))
            continue;
        RecordLockInfo info { lock.type, { lock.start, lock.end }, lock.is_description ? -1 : lock.pid };
        TRY(locks.try_append(info));
        for (size_t index = locks.size() - 1; index > 0 && locks[index - 1].range.start > locks[index].range.start; --index) {
            auto swapped = locks[index];
            locks[index] = locks[index - 1];
            locks[index - 1] = swapped;
        }
    }
    return locks;
}

bool has_record_locks(Inode const& inode)
{
    for (auto& lock : s_locks)
        if (lock.inode.ptr() == &inode)
            return true;
    return false;
}

static void release_owned(Inode const* inode, void const* owner, bool is_description)
{
    if (s_locks.is_empty())
        return;
    bool released = false;
    for (auto iterator = s_locks.begin(); iterator != s_locks.end();) {
        auto& lock = *iterator;
        ++iterator;
        if (lock.owner != owner || lock.is_description != is_description || (inode && lock.inode.ptr() != inode))
            continue;
        destroy(lock);
        released = true;
    }
    if (released)
        s_waiters.wake_all();
}

void release_process_record_locks(FdTable const& table, Inode const& inode) { release_owned(&inode, &table, false); }

void release_description_record_locks(OpenFileDescription const& description) { release_owned(nullptr, &description, true); }

}
