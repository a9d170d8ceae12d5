#include <new>

#include <fs/file_lock.h>
#include <lib/intrusive_list.h>
#include <sched/wait_queue.h>

namespace fs {

namespace {

// One description's lock. It watches the description, which ends it when its last reference
// goes (Linux's locks_remove_file() on the last fput()).
class FileLock final : public DescriptionWatch {
public:
    FileLock(OpenFileDescription& description, bool exclusive)
        : m_description(description)
        , m_exclusive(exclusive)
    {
    }

    OpenFileDescription& description() const { return m_description; }
    Inode& inode() const { return m_description.inode(); }
    bool is_exclusive() const { return m_exclusive; }
    bool conflicts_with(bool exclusive) const { return m_exclusive || exclusive; }

    void description_closing(OpenFileDescription&) override;

    IntrusiveListNode lock_node;

private:
    OpenFileDescription& m_description;
    bool m_exclusive;
};

// Every lock of every file: few files are locked at once, so a list is enough. The kernel runs
// on one CPU and is not preempted, so looking and then waiting needs no lock.
IntrusiveList<FileLock, &FileLock::lock_node> s_locks;
// Threads waiting for a lock to go; each looks again when woken.
sched::WaitQueue s_waiters;

void release(FileLock& lock)
{
    IntrusiveList<FileLock, &FileLock::lock_node>::remove(lock);
    delete &lock;
    s_waiters.wake_all();
}

void FileLock::description_closing(OpenFileDescription&) { release(*this); }

FileLock* lock_of(OpenFileDescription const& description)
{
    for (auto& lock : s_locks)
        if (&lock.description() == &description)
            return &lock;
    return nullptr;
}

bool has_conflict(OpenFileDescription const& description, bool exclusive)
{
    for (auto& lock : s_locks)
        if (&lock.inode() == &description.inode() && &lock.description() != &description && lock.conflicts_with(exclusive))
            return true;
    return false;
}

}

ErrorOr<void> lock_file(OpenFileDescription& description, FileLockType type, bool wait)
{
    bool exclusive = type == FileLockType::Exclusive;
    if (auto* existing = lock_of(description)) {
        if (type != FileLockType::Unlock && existing->is_exclusive() == exclusive)
            return {};
        OpenFileDescription::remove_watch(*existing);
        release(*existing);
    }
    if (type == FileLockType::Unlock)
        return {};
    while (has_conflict(description, exclusive)) {
        if (!wait)
            return Error(EAGAIN);
        if (s_waiters.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    auto* lock = new (std::nothrow) FileLock(description, exclusive);
    if (!lock)
        return Error(ENOMEM);
    s_locks.append(*lock);
    description.add_watch(*lock);
    return {};
}

bool has_file_locks(Inode const& inode)
{
    for (auto& lock : s_locks)
        if (&lock.inode() == &inode)
            return true;
    return false;
}

}
