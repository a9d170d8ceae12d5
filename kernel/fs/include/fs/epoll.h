#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fs/inode.h>
#include <fs/open_file_description.h>
#include <fs/poll.h>
#include <lib/intrusive_list.h>
#include <lib/own_ptr.h>
#include <sched/wait_queue.h>

namespace fs {

// epoll_ctl(2) operations and the flags beside the poll bits.
constexpr int epoll_ctl_add = 1;
constexpr int epoll_ctl_del = 2;
constexpr int epoll_ctl_mod = 3;
constexpr uint32_t epoll_exclusive = 1u << 28;
constexpr uint32_t epoll_wakeup = 1u << 29;
constexpr uint32_t epoll_oneshot = 1u << 30;
constexpr uint32_t epoll_et = 1u << 31;
// The flags that are not events (Linux's EP_PRIVATE_BITS).
constexpr uint32_t epoll_private_bits = epoll_wakeup | epoll_oneshot | epoll_et | epoll_exclusive;
// Nesting limit of epoll instances inside each other (EP_MAX_NESTS).
constexpr int epoll_max_nests = 4;

// struct epoll_event, packed on x86_64.
struct [[gnu::packed]] EpollEvent {
    uint32_t events;
    uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

class EpollInstance;

// Where epoll_wait(2) puts the events it collects: the application's array, or a kernel one.
// A failed put() (EFAULT) ends the collection and leaves that item ready.
class EpollEventSink {
public:
    virtual ErrorOr<void> put(size_t index, EpollEvent const&) = 0;

protected:
    ~EpollEventSink() = default;
};

// One watched (descriptor number, description) pair of an epoll instance. It listens on the
// description's inode for readiness changes and watches the description itself, so that it
// goes away when the description's last reference does (closing one of several descriptors
// naming the description leaves it, as on Linux).
class EpollItem final
    : public PollListener
    , public DescriptionWatch {
public:
    EpollItem(EpollInstance& epoll, int fd, OpenFileDescription& description)
        : m_epoll(epoll)
        , m_fd(fd)
        , m_description(&description)
    {
    }
    ~EpollItem() = default;

    void readiness_changed(uint32_t events) override;
    void description_closing(OpenFileDescription&) override;

    int fd() const { return m_fd; }
    OpenFileDescription& description() const { return *m_description; }
    // The file's readiness within what this item asks for.
    uint32_t current_events() const;

    uint32_t events { 0 };
    uint64_t data { 0 };
    IntrusiveListNode item_node;
    IntrusiveListNode ready_node;

private:
    friend class EpollInstance;
    EpollInstance& m_epoll;
    int m_fd;
    OpenFileDescription* m_description;
};

// An epoll instance (epoll(7)): an anonymous inode whose descriptions are epoll descriptors.
// Items that may be ready sit on a ready list, put there by their file's notification or when
// added or modified while ready; epoll_wait() takes them off, reports those that really are,
// and puts level-triggered ones back at the end so the next wait looks at them again
// (Linux's ep_send_events()). An epoll instance is pollable itself (readable while an item is
// ready), so instances nest, up to epoll_max_nests deep and without cycles (ELOOP).
class EpollInstance final : public Inode {
public:
    static ErrorOr<RefPtr<EpollInstance>> create();
    ~EpollInstance() override;

    // The epoll instance an inode is, or null.
    static EpollInstance* from(Inode&);

    // epoll_ctl(2) on a target that can be polled (poll_queue() non-null), once the caller
    // has checked the descriptors and EPOLLEXCLUSIVE: EEXIST, ENOENT, ELOOP, EINVAL as Linux.
    // `events` are epoll_event.events as given; POLLERR and POLLHUP are always added.
    ErrorOr<void> add(int fd, OpenFileDescription&, uint32_t events, uint64_t data);
    ErrorOr<void> modify(int fd, OpenFileDescription&, uint32_t events, uint64_t data);
    ErrorOr<void> remove(int fd, OpenFileDescription&);

    // Reports up to `max_events` ready items into `sink` without waiting; returns how many,
    // or the sink's error when it could not take the first.
    ErrorOr<size_t> collect(EpollEventSink&, size_t max_events);
    // epoll_wait(2): collects, waiting until something is ready or the deadline passes (0
    // then); EINTR when interrupted.
    ErrorOr<size_t> wait(EpollEventSink&, size_t max_events, PollDeadline);
    // The same into a kernel array.
    size_t collect(std::span<EpollEvent> events);
    ErrorOr<size_t> wait(std::span<EpollEvent> events, PollDeadline);

    size_t item_count() const { return m_item_count; }

    bool is_seekable() const override { return false; }
    uint32_t poll_events(OpenFileDescription const&) const override;
    PollQueue* poll_queue() override { return &m_poll_queue; }

private:
    friend class EpollItem;
    EpollInstance();
    EpollItem* find(int fd, OpenFileDescription&) const;
    void make_ready(EpollItem&);
    void destroy(EpollItem&);
    // How deep the instances inside this one go (0: none), stopping with `target_seen` when
    // `target` is among them.
    int nesting_depth(EpollInstance const& target, bool& target_seen, int level) const;

    IntrusiveList<EpollItem, &EpollItem::item_node> m_items;
    IntrusiveList<EpollItem, &EpollItem::ready_node> m_ready;
    size_t m_item_count { 0 };
    sched::WaitQueue m_waiters;
    PollQueue m_poll_queue;
};

}
