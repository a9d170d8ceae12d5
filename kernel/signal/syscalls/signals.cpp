#include <cstring>
// Sending, waiting for and returning from signals.
#include <lib/user_memory.h>
#include <plat/clock.h>
#include <process/process.h>
#include <sched/scheduler.h>
#include <sched/wait_queue.h>
#include <signal/delivery.h>
#include <signal/signal_state.h>
#include <syscall/syscall.h>

namespace signal {
ErrorOr<long> return_from_handler(arch::RegisterFrame& frame);
ErrorOr<void> write_siginfo(uint64_t address, int signal, PendingInfo const& info);
}

using namespace signal;

namespace {

// A signal from a process: si_pid and si_uid are the sender's (its real user ID).
PendingInfo user_info(int code = si_user)
{
    auto& self = process::current();
    return PendingInfo { .code = code, .pid = self.pid(), .status = int32_t(self.credentials.user.real), .address = 0 };
}

// Linux's check_kill_permission() and kill_ok_by_cred(): a process may signal itself; another
// process only with CAP_KILL (root) or when the sender's real or effective user ID is the
// target's real or saved one. SIGCONT may go anywhere in the sender's session.
ErrorOr<void> check_permission(process::Process& target, int signal)
{
    auto& self = process::current();
    if (&target == &self || self.credentials.is_privileged())
        return {};
    auto const& sender = self.credentials.user;
    auto const& receiver = target.credentials.user;
    for (uint32_t id : { sender.real, sender.effective })
        if (id == receiver.real || id == receiver.saved)
            return {};
    if (signal == sigcont && target.sid() == self.sid())
        return {};
    return Error(EPERM);
}

ErrorOr<void> check_signal_number(int signal)
{
    if (signal < 0 || signal > signal_count)
        return Error(EINVAL);
    return {};
}

// A wait that only a signal ends: sigsuspend, pause.
ErrorOr<long> wait_for_signal()
{
    sched::WaitQueue queue;
    while (queue.wait() != sched::WakeReason::Interrupted) { }
    return Error(EINTR);
}

}

// kill(2)
SYSCALL_HANDLER(kill)
{
    int pid = args.as_int(0);
    int signal = args.as_int(1);
    TRY(check_signal_number(signal));
    auto& self = process::current();
    auto info = user_info();
    if (pid > 0) {
        auto* target = process::find_process(pid);
        if (!target)
            return Error(ESRCH);
        TRY(check_permission(*target, signal));
        if (target->is_zombie())
            return 0; // a zombie exists but takes nothing
        if (signal)
            send_to_process(*target, signal, info);
        return 0;
    }
    if (pid == INT32_MIN)
        return Error(ESRCH);
    int group = pid == 0 ? self.pgid() : -pid;
    bool found = false;
    bool sent = false;
    for (auto it = process::all_processes().begin(); it != process::all_processes().end();) {
        auto& target = *it;
        ++it;
        bool selected = pid == -1 ? (target.pid() > 1 && &target != &self) : target.pgid() == group;
        if (!selected || target.is_zombie())
            continue;
        found = true;
        if (check_permission(target, signal).is_error())
            continue;
        sent = true;
        if (signal)
            send_to_process(target, signal, info);
    }
    if (!found)
        return Error(ESRCH);
    // Linux's kill_something_info() leaves EPERM out of kill(-1)'s result: it succeeds when
    // every target refused the caller. A process group (__kill_pgrp_info) succeeds if one
    // member took the signal, and is EPERM otherwise.
    if (!sent && pid != -1)
        return Error(EPERM);
    return 0;
}

// The thread `tid` of process `tgid` for tgkill and rt_tgsigqueueinfo: EINVAL for ids below
// 1, ESRCH when there is none; null for a zombie's main thread, which can still be named until
// it is reaped but takes nothing.
static ErrorOr<sched::Thread*> thread_in_group(int tgid, int tid)
{
    if (tgid <= 0 || tid <= 0)
        return Error(EINVAL);
    auto* thread = process::find_thread(tid);
    if (!thread) {
        auto* zombie = process::find_process(tid);
        if (zombie && zombie->is_zombie() && tid == tgid)
            return nullptr;
        return Error(ESRCH);
    }
    if (!thread->process() || thread->process()->pid() != tgid)
        return Error(ESRCH);
    return thread;
}

// tgkill(2) and tkill(2): to one thread.
SYSCALL_HANDLER(tgkill)
{
    int signal = args.as_int(2);
    TRY(check_signal_number(signal));
    auto* thread = TRY(thread_in_group(args.as_int(0), args.as_int(1)));
    if (thread)
        TRY(check_permission(*thread->process(), signal));
    if (thread && signal)
        send_to_thread(*thread, signal, user_info(si_tkill));
    return 0;
}

SYSCALL_HANDLER(tkill)
{
    int tid = args.as_int(0);
    int signal = args.as_int(1);
    TRY(check_signal_number(signal));
    if (tid <= 0)
        return Error(EINVAL);
    auto* thread = process::find_thread(tid);
    if (!thread) {
        auto* zombie = process::find_process(tid);
        if (zombie && zombie->is_zombie())
            return 0;
        return Error(ESRCH);
    }
    if (auto* target = thread->process())
        TRY(check_permission(*target, signal));
    if (signal)
        send_to_thread(*thread, signal, user_info(si_tkill));
    return 0;
}

// rt_sigreturn(2)
SYSCALL_HANDLER(rt_sigreturn) { return return_from_handler(*args.frame); }

// rt_sigsuspend(2): waits with a temporary mask; the handler's frame records the old mask,
// which comes back when the handler returns.
SYSCALL_HANDLER(rt_sigsuspend)
{
    if (args[1] != sizeof(uint64_t))
        return Error(EINVAL);
    uint64_t mask = TRY(args.pointer<uint64_t>(0).read());
    auto& thread = sched::current_thread();
    // A restarted sigsuspend keeps the mask saved the first time.
    if (!thread.restore_saved_signal_mask)
        thread.saved_signal_mask = thread.signal_mask;
    thread.restore_saved_signal_mask = true;
    thread.signal_mask = mask & ~unblockable;
    return wait_for_signal();
}

// pause(2)
SYSCALL_HANDLER(pause) { return wait_for_signal(); }

// rt_sigtimedwait(2): takes a signal from `set` off the pending sets without running its
// handler.
SYSCALL_HANDLER(rt_sigtimedwait)
{
    if (args[3] != sizeof(uint64_t))
        return Error(EINVAL);
    uint64_t set = TRY(args.pointer<uint64_t>(0).read()) & ~unblockable;
    uint64_t deadline = 0;
    if (args[2]) {
        struct {
            int64_t seconds, nanoseconds;
        } timeout = TRY(args.pointer<decltype(timeout)>(2).read());
        if (timeout.seconds < 0 || timeout.nanoseconds < 0 || timeout.nanoseconds >= 1'000'000'000)
            return Error(EINVAL);
        deadline = plat::monotonic_nanoseconds() + uint64_t(timeout.seconds) * 1'000'000'000 + uint64_t(timeout.nanoseconds);
        if (!deadline)
            deadline = 1;
    }
    auto& thread = sched::current_thread();
    auto* state = thread.process()->signal_state();
    sched::WaitQueue queue;
    for (;;) {
        uint64_t available = (thread.pending_signals | state->pending) & set;
        if (available) {
            PendingInfo info {};
            int signal = dequeue(thread, set, info);
            if (args[1])
                TRY(write_siginfo(args[1], signal, info));
            return signal;
        }
        if (args[2] && deadline <= plat::monotonic_nanoseconds())
            return Error(EAGAIN);
        thread.waited_signals = set;
        auto reason = queue.wait(deadline);
        thread.waited_signals = 0;
        if (reason == sched::WakeReason::TimedOut)
            return Error(EAGAIN);
        if (reason == sched::WakeReason::Interrupted && !((thread.pending_signals | state->pending) & set))
            return Error(EINTR);
    }
}

// sigaltstack(2)
SYSCALL_HANDLER(sigaltstack)
{
    struct Stack {
        uint64_t pointer;
        int32_t flags;
        int32_t padding;
        uint64_t size;
    };
    constexpr int ss_onstack = 1, ss_disable = 2, ss_autodisarm = int(1u << 31);
    constexpr uint64_t minimum_size = 2048; // MINSIGSTKSZ
    auto& thread = sched::current_thread();
    uint64_t rsp = args.frame->rsp;
    bool on_stack = thread.alternate_stack_size && rsp - thread.alternate_stack < thread.alternate_stack_size;
    Stack old { thread.alternate_stack, on_stack ? ss_onstack : thread.alternate_stack_flags, 0, thread.alternate_stack_size };
    if (args[0]) {
        auto requested = TRY(args.pointer<Stack>(0).read());
        if (on_stack)
            return Error(EPERM);
        int mode = requested.flags & ~ss_autodisarm;
        if (mode != 0 && mode != ss_disable && mode != ss_onstack)
            return Error(EINVAL);
        if (mode == ss_disable) {
            thread.alternate_stack = 0;
            thread.alternate_stack_size = 0;
            thread.alternate_stack_flags = ss_disable;
        } else {
            if (requested.size < minimum_size)
                return Error(ENOMEM);
            thread.alternate_stack = requested.pointer;
            thread.alternate_stack_size = requested.size;
            thread.alternate_stack_flags = requested.flags & ss_autodisarm;
        }
    }
    if (args[1])
        TRY(args.pointer<Stack>(1).write(old));
    return 0;
}

namespace {

// rt_sigqueueinfo(2) and rt_tgsigqueueinfo(2): the caller's siginfo (signo, code, value) goes
// along; a non-negative si_code claims to come from the kernel, which only a process may do
// to itself (EPERM otherwise), as Linux rules.
ErrorOr<PendingInfo> read_queued_info(uint64_t address, int signal, bool to_self)
{
    uint8_t raw[128];
    TRY(copy_from_user(raw, address, sizeof(raw)));
    int32_t code;
    memcpy(&code, raw + 8, 4);
    if ((code >= 0 || code == si_tkill) && !to_self)
        return Error(EPERM);
    (void)signal;
    int32_t pid, uid;
    uint64_t value;
    memcpy(&pid, raw + 16, 4);
    memcpy(&uid, raw + 20, 4);
    memcpy(&value, raw + 24, 8);
    return PendingInfo { .code = code, .pid = pid, .status = uid, .address = value };
}

}

SYSCALL_HANDLER(rt_sigqueueinfo)
{
    int pid = args.as_int(0);
    int signal = args.as_int(1);
    TRY(check_signal_number(signal));
    auto* target = process::find_process(pid);
    if (!target || pid <= 0)
        return Error(ESRCH);
    auto info = TRY(read_queued_info(args[2], signal, target == &process::current()));
    TRY(check_permission(*target, signal));
    if (signal && !target->is_zombie())
        send_to_process(*target, signal, info);
    return 0;
}

SYSCALL_HANDLER(rt_tgsigqueueinfo)
{
    int signal = args.as_int(2);
    TRY(check_signal_number(signal));
    auto* thread = TRY(thread_in_group(args.as_int(0), args.as_int(1)));
    if (!thread)
        return 0;
    auto info = TRY(read_queued_info(args[3], signal, thread->process() == &process::current()));
    TRY(check_permission(*thread->process(), signal));
    if (signal)
        send_to_thread(*thread, signal, info);
    return 0;
}
