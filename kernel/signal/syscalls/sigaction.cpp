#include <signal/signal_state.h>
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
    uint64_t previous = state().blocked();
    if (!new_set.is_null()) {
        uint64_t set = TRY(new_set.read());
        switch (how) {
        case sig_block:
            state().set_blocked(previous | set);
            break;
        case sig_unblock:
            state().set_blocked(previous & ~set);
            break;
        case sig_setmask:
            state().set_blocked(set);
            break;
        default:
            return Error(EINVAL);
        }
    }
    if (!old_set.is_null())
        TRY(old_set.write(previous));
    return 0;
}

// rt_sigpending(2): signals raised while blocked. Nothing raises signals yet, so the set is
// the (empty) set the state records.
SYSCALL_HANDLER(rt_sigpending)
{
    if (args[1] > sizeof(uint64_t))
        return Error(EINVAL);
    uint64_t pending = state().pending() & state().blocked();
    TRY(copy_to_user(args[0], &pending, args[1]));
    return 0;
}
