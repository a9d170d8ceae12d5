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
}

using namespace signal;

namespace {

PendingInfo user_info(int code = si_user)
{
    return PendingInfo { .code = code, .pid = process::current().pid(), .status = 0, .address = 0 };
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
    for (auto it = process::all_processes().begin(); it != process::all_processes().end();) {
        auto& target = *it;
        ++it;
        bool selected = pid == -1 ? (target.pid() > 1 && &target != &self) : target.pgid() == group;
        if (!selected || target.is_zombie())
            continue;
        found = true;
        if (signal)
            send_to_process(target, signal, info);
    }
    if (!found)
        return Error(ESRCH);
    return 0;
}

// tgkill(2) and tkill(2): to one thread.
SYSCALL_HANDLER(tgkill)
{
    int tgid = args.as_int(0);
    int tid = args.as_int(1);
    int signal = args.as_int(2);
    TRY(check_signal_number(signal));
    if (tgid <= 0 || tid <= 0)
        return Error(EINVAL);
    auto* thread = process::find_thread(tid);
    if (!thread || !thread->process() || thread->process()->pid() != tgid)
        return Error(ESRCH);
    if (signal)
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
    if (!thread)
        return Error(ESRCH);
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
            int signal = __builtin_ctzll(available) + 1;
            PendingInfo info;
            if (thread.pending_signals & bit_of(signal)) {
                thread.pending_signals &= ~bit_of(signal);
                info = thread.pending_info[signal - 1];
            } else {
                state->pending &= ~bit_of(signal);
                info = state->pending_info[signal - 1];
            }
            if (args[1]) {
                struct {
                    int32_t signo, error, code, padding;
                    int32_t pid;
                    uint32_t uid;
                    int32_t status;
                    int32_t rest[25];
                } out {};
                out.signo = signal;
                out.code = info.code;
                out.pid = info.pid;
                out.status = info.status;
                TRY(copy_to_user(args[1], &out, sizeof(out)));
            }
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
    Stack old { thread.alternate_stack, on_stack ? ss_onstack : (thread.alternate_stack_flags & ss_disable), 0, thread.alternate_stack_size };
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
            thread.alternate_stack_flags = 0;
        }
    }
    if (args[1])
        TRY(args.pointer<Stack>(1).write(old));
    return 0;
}
