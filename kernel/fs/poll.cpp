#include <new>

#include <fs/fd_table.h>
#include <fs/poll.h>
#include <lib/vector.h>
#include <plat/clock.h>
#include <sched/wait_queue.h>

namespace fs {

uint32_t Inode::poll_events(OpenFileDescription const& description) const
{
    return (can_read(description) ? poll_in | poll_rdnorm : 0) | (can_write(description) ? poll_out | poll_wrnorm : 0);
}

void PollListener::listen(PollQueue& queue)
{
    stop_listening();
    m_queue = &queue;
    queue.m_listeners.append(*this);
}

void PollListener::stop_listening()
{
    if (!m_queue)
        return;
    IntrusiveList<PollListener, &PollListener::node>::remove(*this);
    m_queue = nullptr;
}

PollQueue::~PollQueue()
{
    while (auto* listener = m_listeners.first())
        listener->stop_listening();
}

void PollQueue::notify(uint32_t events)
{
    // A listener may stop listening from its callback, so step past it first.
    for (auto it = m_listeners.begin(); it != m_listeners.end();) {
        PollListener& listener = *it;
        ++it;
        listener.readiness_changed(events);
    }
}

PollDeadline PollDeadline::after(uint64_t nanoseconds)
{
    if (nanoseconds == 0)
        return immediate();
    uint64_t now = plat::monotonic_nanoseconds();
    // Past about 292 years from boot the deadline is as good as never.
    if (nanoseconds > UINT64_MAX / 2 - now)
        return never();
    return at(now + nanoseconds);
}

uint64_t PollDeadline::remaining() const
{
    if (!has_deadline)
        return UINT64_MAX;
    uint64_t now = plat::monotonic_nanoseconds();
    return nanoseconds > now ? nanoseconds - now : 0;
}

namespace {

// The waiting side of one poll(2) call: every file's queue wakes the same wait queue.
struct PollWaiter {
    sched::WaitQueue queue;
    bool woken { false };
};

class WaiterListener final : public PollListener {
public:
    WaiterListener() = default;
    ~WaiterListener() = default;

    void readiness_changed(uint32_t events) override
    {
        // Linux's pollwake() ignores wakeups whose key says nothing this caller asked for.
        if (events && !(events & interest))
            return;
        waiter->woken = true;
        waiter->queue.wake_all();
    }

    PollWaiter* waiter { nullptr };
    uint32_t interest { 0 };
};

}

ErrorOr<size_t> poll_descriptors(FdTable& table, std::span<PollRequest> requests, PollDeadline deadline)
{
    PollWaiter waiter;
    // One listener per descriptor, allocated once: listeners are linked into queues, so they
    // must never move.
    WaiterListener* listeners = nullptr;
    if (!deadline.is_immediate() && !requests.empty()) {
        listeners = new (std::nothrow) WaiterListener[requests.size()];
        if (!listeners)
            return Error(ENOMEM);
    }
    struct Cleanup {
        WaiterListener* listeners;
        ~Cleanup() { delete[] listeners; }
    } cleanup { listeners };

    bool timed_out = false;
    for (;;) {
        size_t ready = 0;
        for (size_t index = 0; index < requests.size(); ++index) {
            auto& request = requests[index];
            request.revents = 0;
            if (request.fd < 0)
                continue;
            auto description = table.get(request.fd);
            // An O_PATH descriptor has no file operations: Linux's fdget() in do_pollfd()
            // does not see it, so it is POLLNVAL like a closed one.
            if (description.is_error() || description.value()->is_path_only()) {
                request.revents = poll_nval;
                ++ready;
                continue;
            }
            uint32_t interest = request.events | poll_err | poll_hup;
            auto& inode = description.value()->inode();
            if (listeners && !timed_out) {
                auto& listener = listeners[index];
                listener.waiter = &waiter;
                listener.interest = interest;
                if (auto* queue = inode.poll_queue())
                    listener.listen(*queue);
                else
                    listener.stop_listening();
            }
            request.revents = inode.poll_events(*description.value()) & interest;
            if (request.revents)
                ++ready;
        }
        // Nothing to look at still waits out the timeout, as poll(NULL, 0, ms) sleeps.
        if (ready || timed_out || deadline.is_immediate())
            return ready;
        waiter.woken = false;
        auto reason = waiter.queue.wait(deadline.wait_argument());
        for (size_t index = 0; listeners && index < requests.size(); ++index)
            listeners[index].stop_listening();
        if (reason == sched::WakeReason::Interrupted)
            return Error(EINTR);
        // Look once more after the deadline, as do_poll() does, so that what became ready at
        // the last moment is reported.
        if (reason == sched::WakeReason::TimedOut)
            timed_out = true;
    }
}

}
