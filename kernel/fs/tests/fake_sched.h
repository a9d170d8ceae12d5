#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include <sched/wait_queue.h>

// The scheduler's wait queues for host unit tests, where there is one thread and nothing can
// block. A wait calls `on_wait`, which plays whatever the other threads would do meanwhile
// (write into a pipe, open its other end) and says how the wait ends; without one, a wait is
// interrupted at once, so a test that blocks by mistake sees EINTR instead of hanging.
namespace fake_sched {

extern std::function<sched::WakeReason(sched::WaitQueue&, uint64_t deadline)> on_wait;
// Waits and wakeups (wake() calls, whether or not anyone waited) so far.
extern size_t wait_count;
extern size_t wake_count;
void reset();

}
