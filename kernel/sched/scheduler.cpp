// One CPU, a round-robin run queue, one-shot timer for time slices and sleeps. The kernel runs
// with interrupts off: a thread only loses the CPU when it blocks, yields or exits, or when
// the timer interrupts application code (or the idle loop).
#include <cstring>
#include <new>

#include <arch/context.h>
#include <arch/cpu.h>
#include <lib/assert.h>
#include <mm/memory.h>
#include <plat/clock.h>
#include <plat/timer.h>
#include <sched/scheduler.h>
#include <sched/thread.h>
#include <sched/timer.h>
#include <sched/wait_queue.h>

extern "C" char boot_stack_bottom[];
extern "C" char boot_stack_top[];

namespace sched {

Thread* detail::running_thread;

namespace {

constexpr uint64_t time_slice = 10'000'000; // ns

struct State {
    Thread* idle { nullptr };
    Thread* dead { nullptr };
    Thread* extended_state_owner { nullptr };
    IntrusiveList<Thread, &Thread::queue_node> run_queue;
    IntrusiveList<Thread, &Thread::sleep_node> sleepers;
    IntrusiveList<Timer, &Timer::node> timers;
    uint64_t armed_deadline { 0 };
    uint64_t slice_end { 0 };
    bool timer_running { false };
    void (*switch_hook)(Thread& next) { nullptr };
    void (*first_run_hook)(Thread&) { nullptr };
    bool (*pending_work_hook)(Thread&) { nullptr };
};
State s;

WaitQueue s_sleep_queue;

bool has_pending_work(Thread& thread)
{
    return thread.exit_requested || (s.pending_work_hook && s.pending_work_hook(thread));
}

void ensure_timer()
{
    if (!s.timer_running)
        return;
    uint64_t wanted = 0;
    for (auto it = s.sleepers.begin(); it != s.sleepers.end(); ++it) {
        uint64_t deadline = Scheduler::deadline_of(*it);
        if (!wanted || deadline < wanted)
            wanted = deadline;
    }
    for (auto it = s.timers.begin(); it != s.timers.end(); ++it) {
        uint64_t deadline = (*it).deadline();
        if (!wanted || deadline < wanted)
            wanted = deadline;
    }
    if (!s.run_queue.is_empty() && detail::running_thread != s.idle && (!wanted || s.slice_end < wanted))
        wanted = s.slice_end;
    if (!wanted)
        return;
    if (s.armed_deadline && s.armed_deadline <= wanted)
        return;
    s.armed_deadline = wanted;
    plat::arm_timer(wanted);
}

}

uint64_t Scheduler::deadline_of(Thread& thread) { return thread.m_wake_deadline; }

void Timer::arm(uint64_t deadline, void (*callback)(void*), void* argument)
{
    cancel();
    Scheduler::start_timer();
    m_deadline = deadline ? deadline : 1;
    m_callback = callback;
    m_argument = argument;
    s.timers.append(*this);
    ensure_timer();
}

void Timer::cancel() { IntrusiveList<Timer, &Timer::node>::remove(*this); }

void Scheduler::run_expired_timers(uint64_t now)
{
    // A callback may arm timers again (periodic ones): take the expired ones off first.
    for (bool fired = true; fired;) {
        fired = false;
        for (auto it = s.timers.begin(); it != s.timers.end(); ++it) {
            Timer& timer = *it;
            if (timer.m_deadline > now)
                continue;
            IntrusiveList<Timer, &Timer::node>::remove(timer);
            timer.m_callback(timer.m_argument);
            fired = true;
            break;
        }
    }
}

void Scheduler::set_switch_hook(void (*hook)(Thread& next)) { s.switch_hook = hook; }

void Scheduler::set_pending_work_hook(bool (*hook)(Thread&)) { s.pending_work_hook = hook; }

void Scheduler::set_first_run_hook(void (*hook)(Thread&)) { s.first_run_hook = hook; }

void Scheduler::thread_first_run()
{
    if (s.first_run_hook)
        s.first_run_hook(*detail::running_thread);
}

void Scheduler::finish_switch()
{
    if (s.dead) {
        delete s.dead;
        s.dead = nullptr;
    }
}

void Scheduler::switch_to_next()
{
    Thread* previous = detail::running_thread;
    Thread* next = s.run_queue.take_first();
    if (!next) {
        if (previous->m_state == ThreadState::Runnable)
            return; // nothing else to run
        next = s.idle;
    }
    if (next == previous)
        return;

    uint64_t now = plat::monotonic_nanoseconds();
    previous->m_cpu_nanoseconds += now - previous->m_switched_in_at;
    next->m_switched_in_at = now;
    s.slice_end = now + time_slice;

    if (previous->is_user()) {
        previous->m_fs_base = arch::read_fs_base();
        previous->m_gs_base = arch::read_gs_base();
    }
    if (previous->m_state == ThreadState::Dead) {
        if (s.extended_state_owner == previous)
            s.extended_state_owner = nullptr;
        VERIFY(!s.dead);
        s.dead = previous;
    }
    if (next->is_user()) {
        if (s.extended_state_owner != next) {
            if (s.extended_state_owner)
                arch::save_extended_state(s.extended_state_owner->m_extended_state);
            arch::restore_extended_state(next->m_extended_state);
            s.extended_state_owner = next;
        }
        arch::write_fs_base(next->m_fs_base);
        arch::write_gs_base(next->m_gs_base);
    }
    if (s.switch_hook)
        s.switch_hook(*next);
    arch::set_kernel_stack(next->m_stack_bottom, next->m_stack_top);
    detail::running_thread = next;
    ensure_timer();
    arch::switch_context(&previous->m_stack_pointer, next->m_stack_pointer);
    finish_switch();
}

void Scheduler::on_timer()
{
    s.armed_deadline = 0;
    uint64_t now = plat::monotonic_nanoseconds();
    for (auto it = s.sleepers.begin(); it != s.sleepers.end();) {
        Thread& thread = *it;
        ++it;
        if (thread.m_wake_deadline <= now)
            WaitQueue::wake_thread(thread, WakeReason::TimedOut);
    }
    run_expired_timers(now);
    if (detail::running_thread != s.idle && !s.run_queue.is_empty() && now >= s.slice_end) {
        s.run_queue.append(*detail::running_thread);
        switch_to_next();
    }
    ensure_timer();
}

void Scheduler::idle_loop(void*)
{
    for (;;) {
        arch::disable_interrupts();
        if (!s.run_queue.is_empty()) {
            switch_to_next();
            continue;
        }
        ensure_timer();
        // sti takes effect after the next instruction, so no wakeup slips in before the halt.
        asm volatile("sti; hlt; cli" ::: "memory");
    }
}

Thread::~Thread()
{
    if (m_stack_bottom && m_stack_bottom != reinterpret_cast<uint64_t>(boot_stack_bottom))
        mm::free_frames(mm::virtual_to_physical(reinterpret_cast<void*>(m_stack_bottom)), kernel_stack_size / mm::page_size);
    if (m_extended_state_allocation)
        mm::heap_free(m_extended_state_allocation);
}

ErrorOr<Thread*> Thread::create_common(process::Process* owner, int tid, bool user)
{
    auto* thread = new (std::nothrow) Thread();
    if (!thread)
        return Error(ENOMEM);
    thread->m_tid = tid;
    thread->m_process = owner;
    auto stack = mm::allocate_frames(kernel_stack_size / mm::page_size);
    if (stack.is_error()) {
        delete thread;
        return stack.release_error();
    }
    thread->m_stack_bottom = reinterpret_cast<uint64_t>(mm::physical_to_virtual(stack.value()));
    thread->m_stack_top = thread->m_stack_bottom + kernel_stack_size;
    if (user) {
        size_t size = arch::extended_state_size();
        thread->m_extended_state_allocation = mm::heap_allocate(size + 64);
        if (!thread->m_extended_state_allocation) {
            delete thread;
            return Error(ENOMEM);
        }
        auto address = (reinterpret_cast<uint64_t>(thread->m_extended_state_allocation) + 63) & ~uint64_t(63);
        thread->m_extended_state = reinterpret_cast<uint8_t*>(address);
        memset(thread->m_extended_state, 0, size);
    }
    return thread;
}

ErrorOr<Thread*> Thread::create_user(process::Process* owner, int tid, arch::RegisterFrame const& frame)
{
    Thread* thread = TRY(create_common(owner, tid, true));
    // The creator is running, so the live registers hold its vector state: the new thread
    // starts with a copy, as clone(2) gives it.
    arch::save_extended_state(thread->m_extended_state);
    if (detail::running_thread && detail::running_thread->is_user()) {
        thread->m_fs_base = arch::read_fs_base();
        thread->m_gs_base = arch::read_gs_base();
    }
    thread->m_stack_pointer = arch::prepare_user_context(thread->m_stack_top, frame);
    return thread;
}

ErrorOr<Thread*> Thread::create_kernel(process::Process* owner, int tid, void (*entry)(void*), void* argument)
{
    Thread* thread = TRY(create_common(owner, tid, false));
    thread->m_stack_pointer = arch::prepare_kernel_context(thread->m_stack_top, entry, argument);
    return thread;
}

uint64_t Thread::user_nanoseconds() const
{
    if (this == detail::running_thread)
        return m_cpu_nanoseconds + (plat::monotonic_nanoseconds() - m_switched_in_at);
    return m_cpu_nanoseconds;
}

uint64_t Thread::fs_base() const { return this == detail::running_thread ? arch::read_fs_base() : m_fs_base; }
uint64_t Thread::gs_base() const { return this == detail::running_thread ? arch::read_gs_base() : m_gs_base; }

void Thread::set_fs_base(uint64_t base)
{
    m_fs_base = base;
    if (this == detail::running_thread)
        arch::write_fs_base(base);
}

void Thread::set_gs_base(uint64_t base)
{
    m_gs_base = base;
    if (this == detail::running_thread)
        arch::write_gs_base(base);
}


void start(Thread& thread)
{
    Scheduler::start_timer();
    thread.m_state = ThreadState::Runnable;
    s.run_queue.append(thread);
    ensure_timer();
}

void yield()
{
    if (s.run_queue.is_empty())
        return;
    s.run_queue.append(*detail::running_thread);
    Scheduler::switch_to_next();
}

void exit_current()
{
    Thread& thread = *detail::running_thread;
    IntrusiveList<Thread, &Thread::sleep_node>::remove(thread);
    thread.m_state = ThreadState::Dead;
    Scheduler::switch_to_next();
    VERIFY_NOT_REACHED();
}

void interrupt(Thread& thread)
{
    if (thread.m_state == ThreadState::Blocked && thread.m_interruptible)
        WaitQueue::wake_thread(thread, WakeReason::Interrupted);
}

WakeReason sleep_until(uint64_t deadline)
{
    if (!deadline)
        deadline = 1;
    return s_sleep_queue.wait(deadline);
}

WaitQueue::~WaitQueue()
{
    while (auto* thread = m_waiters.first())
        wake_thread(*thread, WakeReason::Interrupted);
}

WakeReason WaitQueue::wait(uint64_t deadline) { return wait_impl(deadline, true); }
WakeReason WaitQueue::wait_uninterruptible() { return wait_impl(0, false); }

WakeReason WaitQueue::wait_impl(uint64_t deadline, bool interruptible)
{
    Thread& thread = current_thread();
    if (interruptible && has_pending_work(thread))
        return WakeReason::Interrupted;
    if (deadline && !s.timer_running)
        Scheduler::start_timer();
    if (deadline && deadline <= plat::monotonic_nanoseconds())
        return WakeReason::TimedOut;
    thread.m_state = ThreadState::Blocked;
    thread.m_interruptible = interruptible;
    thread.m_wait_queue = this;
    thread.m_wake_reason = WakeReason::Woken;
    m_waiters.append(thread);
    if (deadline) {
        thread.m_wake_deadline = deadline;
        s.sleepers.append(thread);
    }
    Scheduler::switch_to_next();
    return thread.m_wake_reason;
}

void WaitQueue::wake_thread(Thread& thread, WakeReason reason)
{
    if (thread.m_state != ThreadState::Blocked)
        return;
    IntrusiveList<Thread, &Thread::queue_node>::remove(thread);
    IntrusiveList<Thread, &Thread::sleep_node>::remove(thread);
    thread.m_wait_queue = nullptr;
    thread.m_wake_deadline = 0;
    thread.m_wake_reason = reason;
    thread.m_state = ThreadState::Runnable;
    s.run_queue.append(thread);
    ensure_timer();
}

size_t WaitQueue::wake(size_t count)
{
    size_t woken = 0;
    while (woken < count) {
        Thread* thread = m_waiters.first();
        if (!thread)
            break;
        wake_thread(*thread);
        ++woken;
    }
    return woken;
}

size_t WaitQueue::move_to(WaitQueue& other, size_t count)
{
    size_t moved = 0;
    while (moved < count) {
        Thread* thread = m_waiters.take_first();
        if (!thread)
            break;
        thread->m_wait_queue = &other;
        other.m_waiters.append(*thread);
        ++moved;
    }
    return moved;
}

void Scheduler::start_timer()
{
    if (s.timer_running)
        return;
    plat::initialize_timer(on_timer);
    s.timer_running = true;
}

void initialize()
{
    // The boot context becomes the first thread: it runs the first process on the boot stack.
    auto* boot = new Thread();
    VERIFY(boot);
    boot->m_stack_bottom = reinterpret_cast<uint64_t>(boot_stack_bottom);
    boot->m_stack_top = reinterpret_cast<uint64_t>(boot_stack_top);
    size_t size = arch::extended_state_size();
    boot->m_extended_state_allocation = mm::heap_allocate(size + 64);
    VERIFY(boot->m_extended_state_allocation);
    boot->m_extended_state = reinterpret_cast<uint8_t*>((reinterpret_cast<uint64_t>(boot->m_extended_state_allocation) + 63) & ~uint64_t(63));
    memset(boot->m_extended_state, 0, size);
    detail::running_thread = boot;
    boot->m_switched_in_at = plat::monotonic_nanoseconds();
    s.extended_state_owner = boot;
    s.idle = MUST(Thread::create_kernel(nullptr, 0, Scheduler::idle_loop, nullptr));
}

}

extern "C" void arch_thread_first_run()
{
    sched::Scheduler::finish_switch();
    sched::Scheduler::thread_first_run();
}
