#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fs/fsnotify.h>
#include <fs/inode.h>
#include <fs/io_buffer.h>
#include <fs/poll.h>
#include <lib/string.h>
#include <lib/vector.h>
#include <sched/wait_queue.h>

namespace fs {

// inotify_init1(2)'s flags are O_CLOEXEC and O_NONBLOCK.
constexpr int in_cloexec = O_CLOEXEC;
constexpr int in_nonblock = O_NONBLOCK;

// The events of one inotify instance waiting to be read, Linux's notification list with
// inotify's rules: an event equal to the last one queued (watch, mask, name) is dropped
// (inotify_merge()), and past `max_events` (/proc/sys/fs/inotify/max_queued_events, 16384)
// one IN_Q_OVERFLOW event with wd -1 is queued and everything else dropped until reads make
// room. Records are struct inotify_event (16 bytes) followed by the name, NUL-padded to a
// multiple of 16 bytes (none without a name).
class InotifyEventQueue {
public:
    static constexpr size_t default_max_events = 16384;
    static constexpr size_t header_size = 16;

    explicit InotifyEventQueue(size_t max_events = default_max_events)
        : m_max_events(max_events)
    {
    }

    void enqueue(int32_t wd, uint32_t mask, uint32_t cookie, std::string_view name);
    bool is_empty() const { return event_count() == 0; }
    size_t event_count() const { return m_events.size() - m_head; }
    // What FIONREAD reports: the size of every queued record.
    size_t pending_bytes() const { return m_pending_bytes; }
    static size_t record_size(size_t name_length) { return header_size + (name_length ? (name_length + 1 + 15) / 16 * 16 : 0); }
    // Copies as many whole records as fit into `buffer` and drops them from the queue; EINVAL
    // when not even the first fits (inotify_read()). Only when not empty.
    ErrorOr<size_t> read(IoBuffer& buffer);

private:
    struct Event {
        int32_t wd;
        uint32_t mask;
        uint32_t cookie;
        String name;
    };
    void push(Event&&);

    size_t m_max_events;
    Vector<Event> m_events;
    size_t m_head { 0 };
    size_t m_pending_bytes { 0 };
};

// An inotify instance (inotify(7)): an anonymous inode holding watches on inodes and the queue
// of their events. Reads wait for an event unless the description is non-blocking (EAGAIN);
// the instance is readable (poll, select, epoll) while events are queued.
class InotifyInstance final : public Inode {
public:
    static ErrorOr<RefPtr<InotifyInstance>> create();
    ~InotifyInstance() override;
    // The instance an inode is, or null when it is not one.
    static InotifyInstance* from(Inode&);

    // inotify_add_watch(2) once the path is resolved: the watch descriptor, the same one for
    // an inode already watched (its mask replaced, or extended with IN_MASK_ADD, or EEXIST
    // with IN_MASK_CREATE).
    ErrorOr<int> add_watch(Inode&, uint32_t mask);
    // inotify_rm_watch(2): EINVAL for a descriptor that is not a watch of this instance; the
    // watch ends with IN_IGNORED.
    ErrorOr<void> remove_watch(int wd);
    size_t watch_count() const { return m_watches.size(); }
    InotifyEventQueue const& queue() const { return m_queue; }

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<long> ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument) override;
    bool is_seekable() const override { return false; }
    uint32_t poll_events(OpenFileDescription const&) const override;
    PollQueue* poll_queue() override { return &m_poll_queue; }
    void will_close(OpenFileDescription&) override;
    ErrorOr<String> anonymous_path() const override;

    struct Watch {
        int wd;
        uint32_t mask;
        RefPtr<Inode> inode;
        InotifyInstance* instance;
    };
    // For the inodes' watch lists.
    void queue_event(int wd, uint32_t mask, uint32_t cookie, std::string_view name);
    void end_watch(Watch&, bool tell);

private:
    InotifyInstance();

    Watch* find_watch(Inode&);

    InotifyEventQueue m_queue;
    Vector<Watch*> m_watches;
    int m_next_wd { 1 };
    sched::WaitQueue m_read_queue;
    PollQueue m_poll_queue;
};

// inotify_init1(2) once the flags are checked: a read-only description of a new instance.
ErrorOr<RefPtr<OpenFileDescription>> create_inotify(int flags);

}
