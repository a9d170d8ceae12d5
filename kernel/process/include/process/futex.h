#pragma once

#include <cstdint>

#include <lib/error_or.h>

namespace sched {
class Thread;
}

namespace process {

class Process;

// Wakes up to `count` threads waiting on the futex word at `address` in `process`.
size_t futex_wake(Process& process, uint64_t address, size_t count);
// Marks the robust mutexes the exiting thread still holds as owner-dead and wakes a waiter
// of each (set_robust_list(2)).
void release_robust_futexes(sched::Thread&);

}
