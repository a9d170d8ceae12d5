#pragma once

#include <cstdint>

#include <arch/context.h>
#include <arch/register_frame.h>
#include <lib/assert.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/vector.h>

namespace process {
class Process;
}

namespace sched {

class WaitQueue;
class Thread;
[[noreturn]] void exit_current();
void initialize();
void interrupt(Thread&);
void start(Thread&);

enum class ThreadState {
    Runnable, // on the run queue, or running
    Blocked,  // on a wait queue, a sleep, or both
    Dead,     // finished; its stack is freed once another thread runs
};

// Why a blocked thread resumed.
enum class WakeReason {
    Woken,       // by whoever it waited for
    TimedOut,    // its deadline passed
    Interrupted, // it has something to handle first (exit, a signal): give up with EINTR
};

// A kernel-scheduled thread: its own kernel stack, the application registers it entered the
// kernel with, and the per-thread CPU state (FS/GS bases, x87/SSE/AVX) kept across switches.
class Thread {
public:
    static constexpr size_t kernel_stack_size = 32 * 1024;

    // A thread that starts in application code with `frame`'s registers and a copy of
    // `extended_state_source`'s vector state (the calling thread's when null).
    static ErrorOr<Thread*> create_user(process::Process* owner, int tid, arch::RegisterFrame const& frame);
    // A thread that runs `entry(argument)` in the kernel.
    static ErrorOr<Thread*> create_kernel(process::Process* owner, int tid, void (*entry)(void*), void* argument);

    int tid() const { return m_tid; }
    void set_tid(int tid) { m_tid = tid; }
    process::Process* process() const { return m_process; }
    void set_process(process::Process* process) { m_process = process; }
    ThreadState state() const { return m_state; }
    bool is_user() const { return m_extended_state != nullptr; }

    // The registers the thread entered the kernel with from application code.
    arch::RegisterFrame& user_frame() { return arch::user_frame_at(m_stack_top); }

    uint64_t fs_base() const;
    void set_fs_base(uint64_t);
    uint64_t gs_base() const;
    void set_gs_base(uint64_t);

    // Application memory words the kernel writes at the start and end of the thread
    // (CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID / set_tid_address) and the robust futex list.
    uint64_t set_child_tid { 0 };
    uint64_t clear_child_tid { 0 };
    uint64_t robust_list_head { 0 };
    // rseq(2): the registered struct rseq and the signature its abort handlers carry.
    uint64_t rseq_address { 0 };
    uint32_t rseq_signature { 0 };

    // Set when the thread must stop what it waits for and leave (exit_group, execve from
    // another thread, a fatal signal): blocking waits return Interrupted.
    bool exit_requested { false };

    // Signal state of the thread (the signals library gives it meaning): the blocked mask,
    // signals sent to this thread, the mask to restore after a sigsuspend-style wait, the
    // set a sigtimedwait accepts, and the alternate signal stack.
    uint64_t signal_mask { 0 };
    uint64_t pending_signals { 0 };
    uint64_t saved_signal_mask { 0 };
    bool restore_saved_signal_mask { false };
    uint64_t waited_signals { 0 };
    uint64_t alternate_stack { 0 };
    uint64_t alternate_stack_size { 0 };
    int alternate_stack_flags { 2 }; // SS_DISABLE
    struct PendingInfo {
        int32_t code;
        int32_t pid;
        int32_t status;
        uint64_t address;
    };
    PendingInfo pending_info[64] {};
    // Real-time signals queue: one entry per sending, in order.
    struct QueuedSignal {
        int signal;
        PendingInfo info;
    };
    Vector<QueuedSignal> queued_signals;

    // CPU time spent, in nanoseconds, for getrusage and wait4.
    uint64_t user_nanoseconds() const;

    // Intrusive links: the run queue or a wait queue, and the sleep list.
    IntrusiveListNode queue_node;
    IntrusiveListNode sleep_node;
    // Links the owner (the process library) uses for its own thread lists.
    IntrusiveListNode owner_node;
    IntrusiveListNode all_threads_node;

private:
    friend class Scheduler;
    friend class WaitQueue;
    friend void initialize();
    friend void interrupt(Thread&);
    friend void exit_current();
    friend void start(Thread&);
    Thread() = default;
public:
    ~Thread();
private:
    static ErrorOr<Thread*> create_common(process::Process* owner, int tid, bool user);

    int m_tid { 0 };
    process::Process* m_process { nullptr };
    ThreadState m_state { ThreadState::Runnable };
    uint64_t m_stack_bottom { 0 };
    uint64_t m_stack_top { 0 };
    uint64_t m_stack_pointer { 0 };
    uint8_t* m_extended_state { nullptr };
    void* m_extended_state_allocation { nullptr };
    uint64_t m_fs_base { 0 };
    uint64_t m_gs_base { 0 };
    uint64_t m_cpu_nanoseconds { 0 };
    uint64_t m_switched_in_at { 0 };
    WaitQueue* m_wait_queue { nullptr };
    uint64_t m_wake_deadline { 0 };
    WakeReason m_wake_reason { WakeReason::Woken };
    bool m_interruptible { true };
};

namespace detail {
// The thread on the CPU; only the scheduler sets it. Read inline, since every syscall asks for
// it several times.
extern Thread* running_thread;
}

inline Thread& current_thread()
{
    VERIFY(detail::running_thread);
    return *detail::running_thread;
}
inline bool has_current_thread() { return detail::running_thread != nullptr; }

// Threads the scheduler knows.
void start(Thread&);              // makes a new thread runnable
void yield();                     // lets the other runnable threads run first
[[noreturn]] void exit_current(); // the calling thread is done; its stack goes once it is off it
// Interrupts a blocked thread's wait (it resumes with WakeReason::Interrupted).
void interrupt(Thread&);
// Blocks until monotonic time reaches `deadline` or the wait is interrupted.
WakeReason sleep_until(uint64_t deadline);

// Starts the timer and the idle thread, and turns the boot context into a thread of `owner`
// so that what runs next (the first process) can block.
void initialize();

}
