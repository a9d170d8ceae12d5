#pragma once

#include <cstdint>

#include <sched/thread.h>

namespace sched {

// The scheduler's internals, shared by Thread and WaitQueue; the rest of the kernel uses the
// free functions in thread.h.
class Scheduler {
public:
    static void switch_to_next();
    static void finish_switch();
    static void on_timer();
    static void run_expired_timers(uint64_t now);
    static void idle_loop(void*);
    static void start_timer();
    static uint64_t deadline_of(Thread&);
    // Called with the thread about to run, before its stack is switched to (the process
    // library activates its address space here).
    static void set_switch_hook(void (*hook)(Thread& next));
    // Called on a new thread's first run, before it reaches application code.
    static void set_first_run_hook(void (*hook)(Thread&));
    static void thread_first_run();
    // Reasons other libraries (signals) have for interrupting a thread's waits.
    static void set_pending_work_hook(bool (*hook)(Thread&));
};

}
