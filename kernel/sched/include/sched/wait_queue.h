#pragma once

#include <cstddef>
#include <cstdint>

#include <sched/thread.h>

namespace sched {

// Threads waiting for an event. The kernel runs with interrupts off on one CPU, so checking a
// condition and then blocking needs no lock:
//
//     while (!condition())
//         if (queue.wait() == WakeReason::Interrupted)
//             return Error(EINTR);
class WaitQueue {
public:
    WaitQueue() = default;
    WaitQueue(WaitQueue const&) = delete;
    WaitQueue& operator=(WaitQueue const&) = delete;
    ~WaitQueue();

    // Blocks the calling thread until woken, until monotonic time reaches `deadline`
    // (0: no deadline), or until it is interrupted.
    WakeReason wait(uint64_t deadline = 0);
    // Like wait(), but never interrupted (for waits that must finish, like a vfork parent's).
    WakeReason wait_uninterruptible();
    size_t wake(size_t count);
    size_t wake_all() { return wake(~size_t(0)); }
    bool is_empty() const { return m_waiters.is_empty(); }
    Thread* first() const { return m_waiters.first(); }
    // Wakes one particular waiter.
    static void wake_thread(Thread&, WakeReason reason = WakeReason::Woken);
    // Moves up to `count` waiters to `other` without waking them.
    size_t move_to(WaitQueue& other, size_t count);

private:
    friend class Scheduler;
    WakeReason wait_impl(uint64_t deadline, bool interruptible);
    IntrusiveList<Thread, &Thread::queue_node> m_waiters;
};

}
