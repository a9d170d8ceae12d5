#include <signal/signal_state.h>

namespace signal {

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
    for (auto& action : m_actions) {
        if (action.handler != ignore_handler)
            action = {};
        action.flags = 0;
        action.restorer = 0;
        action.mask = 0;
    }
}

}
