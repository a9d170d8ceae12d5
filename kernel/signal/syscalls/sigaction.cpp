#include <signal/signal_state.h>
#include <process/process.h>
#include <sched/thread.h>
#include <signal/delivery.h>
#include <syscall/syscall.h>

using namespace signal;

namespace {

SignalState& state() { return *current_signal_state(); }

}

// rt_sigaction(2): the kernel ABI passes sigsetsize, which must be 8 on x86_64.
SYSCALL_HANDLER(rt_sigaction)
{
    int signal = args.as_int(0);
    auto new_action = args.pointer<KernelSigaction>(1);
    auto old_action = args.pointer<KernelSigaction>(2);
    if (args[3] != sizeof(uint64_t))
        return Error(EINVAL);
    if (signal < 1 || signal > signal_count)
        return Error(EINVAL);
    KernelSigaction previous = state().action(signal);
    if (!new_action.is_null()) {
        auto action = TRY(new_action.read());
        TRY(state().set_action(signal, action));
        // Ignoring a signal discards it where it is pending (POSIX).
        bool ignored = action.handler == ignore_handler
            || (action.handler == default_handler && default_action(signal) == DefaultAction::Ignore);
        if (ignored)
            discard_pending(process::current(), signal);
    }
    if (!old_action.is_null())
        TRY(old_action.write(previous));
    return 0;
}

// rt_sigprocmask(2)
SYSCALL_HANDLER(rt_sigprocmask)
{
    constexpr int sig_block = 0, sig_unblock = 1, sig_setmask = 2;
    int how = args.as_int(0);
    auto new_set = args.pointer<uint64_t>(1);
    auto old_set = args.pointer<uint64_t>(2);
    if (args[3] != sizeof(uint64_t))
        return Error(EINVAL);
    auto& thread = sched::current_thread();
    uint64_t previous = thread.signal_mask;
    if (!new_set.is_null()) {
        uint64_t set = TRY(new_set.read());
        switch (how) {
        case sig_block:
            thread.signal_mask = (previous | set) & ~unblockable;
            break;
        case sig_unblock:
            thread.signal_mask = previous & ~set;
            break;
        case sig_setmask:
            thread.signal_mask = set & ~unblockable;
            break;
        default:
            return Error(EINVAL);
        }
    }
    if (!old_set.is_null())
        TRY(old_set.write(previous));
    return 0;
}

// rt_sigpending(2): signals raised while blocked, for the thread or its process.
SYSCALL_HANDLER(rt_sigpending)
{
    if (args[1] > sizeof(uint64_t))
        return Error(EINVAL);
    auto& thread = sched::current_thread();
    uint64_t pending = (thread.pending_signals | state().pending) & thread.signal_mask;
    TRY(copy_to_user(args[0], &pending, args[1]));
    return 0;
}
