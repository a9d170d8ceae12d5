#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <lib/error_or.h>
#include <lib/intrusive_list.h>

namespace fs {

class FdTable;

// poll(2) and epoll(7) event bits: Linux gives both the same values (EPOLLIN == POLLIN ...).
constexpr uint32_t poll_in = 0x0001;
constexpr uint32_t poll_pri = 0x0002;
constexpr uint32_t poll_out = 0x0004;
constexpr uint32_t poll_err = 0x0008;
constexpr uint32_t poll_hup = 0x0010;
constexpr uint32_t poll_nval = 0x0020;
constexpr uint32_t poll_rdnorm = 0x0040;
constexpr uint32_t poll_rdband = 0x0080;
constexpr uint32_t poll_wrnorm = 0x0100;
constexpr uint32_t poll_wrband = 0x0200;
constexpr uint32_t poll_msg = 0x0400;
constexpr uint32_t poll_rdhup = 0x2000;
// What a file without readiness of its own reports: always readable and writable (Linux's
// DEFAULT_POLLMASK, for regular files, /dev/null and the like).
constexpr uint32_t default_poll_mask = poll_in | poll_out | poll_rdnorm | poll_wrnorm;

class PollQueue;

// One party interested in a file's readiness: a poll(2)/select(2) call while it waits, or an
// epoll item for as long as it exists. It listens on at most one queue at a time.
class PollListener {
public:
    PollListener() = default;
    PollListener(PollListener const&) = delete;
    PollListener& operator=(PollListener const&) = delete;

    // Called by the queue's owner when its readiness may have changed: `events` says which
    // kinds (poll_in when data arrived, poll_out when room appeared), 0 for any (an end was
    // closed). Runs in the notifier's context and must not block.
    virtual void readiness_changed(uint32_t events) = 0;

    bool is_listening() const { return m_queue != nullptr; }
    void listen(PollQueue&);
    void stop_listening();

    IntrusiveListNode node;

protected:
    ~PollListener() { stop_listening(); }

private:
    friend class PollQueue;
    PollQueue* m_queue { nullptr };
};

// The listeners of one pollable object (a pipe, the console, an epoll instance). The object
// calls notify() on every change of state that may make it readable or writable, or that ends
// a side (POLLHUP, POLLERR); listeners then look again with the inode's poll_events().
class PollQueue {
public:
    PollQueue() = default;
    PollQueue(PollQueue const&) = delete;
    PollQueue& operator=(PollQueue const&) = delete;
    ~PollQueue();

    void notify(uint32_t events);
    bool has_listeners() const { return !m_listeners.is_empty(); }

private:
    friend class PollListener;
    IntrusiveList<PollListener, &PollListener::node> m_listeners;
};

// When a poll, select or epoll wait gives up: never, at once, or at a monotonic time.
struct PollDeadline {
    static PollDeadline never() { return { false, 0 }; }
    static PollDeadline immediate() { return { true, 0 }; }
    static PollDeadline at(uint64_t monotonic_nanoseconds) { return { true, monotonic_nanoseconds }; }
    // A relative timeout, saturating far in the future.
    static PollDeadline after(uint64_t nanoseconds);

    bool is_immediate() const { return has_deadline && nanoseconds == 0; }
    // The value sched::WaitQueue::wait() takes (0 is "no deadline").
    uint64_t wait_argument() const { return has_deadline ? (nanoseconds ? nanoseconds : 1) : 0; }
    // Nanoseconds left until it, 0 once passed.
    uint64_t remaining() const;

    bool has_deadline;
    uint64_t nanoseconds;
};

// One descriptor of a poll(2) call: what to watch, and what was found.
struct PollRequest {
    int fd;
    uint32_t events;
    uint32_t revents;
};

// The heart of poll(2), ppoll(2), select(2) and pselect6(2): looks at every descriptor of
// `requests` (a negative fd is skipped with revents 0; a closed one gets poll_nval), and while
// none is ready and the deadline has not passed, listens on their queues and waits, then looks
// again — descriptors are looked up anew each time, as Linux's do_poll() does. revents is the
// file's readiness within events plus poll_err and poll_hup. Returns how many have revents;
// EINTR when the wait is interrupted.
ErrorOr<size_t> poll_descriptors(FdTable&, std::span<PollRequest>, PollDeadline);

}
