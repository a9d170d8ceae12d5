#include <signal/signal_state.h>

namespace signal {

void delete_posix_timers(ProcessTimers*);

ErrorOr<void> SignalState::set_action(int signal, KernelSigaction const& action)
{
    if (signal < 1 || signal > signal_count)
        return Error(EINVAL);
    if (signal == sigkill || signal == sigstop)
        return Error(EINVAL);
    m_actions[signal - 1] = action;
    m_actions[signal - 1].mask &= ~unblockable;
    return {};
}

void SignalState::reset_for_exec()
{
    // POSIX timers do not survive execve(2); alarm and setitimer do.
    delete_posix_timers(timers);
    for (auto& action : m_actions) {
        if (action.handler != ignore_handler)
            action = {};
        action.flags = 0;
        action.restorer = 0;
        action.mask = 0;
    }
}

}
