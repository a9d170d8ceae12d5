// Signal dispositions: a child gets a copy of its parent's; execve resets caught ones.
#include <process/process.h>
#include <signal/signal_state.h>

namespace {

ErrorOr<void> fork_signals(process::Process& parent, process::Process& child, uint64_t)
{
    if (auto* state = parent.signal_state())
        child.signal_state_owner() = TRY(try_make<signal::SignalState>(*state));
    else
        child.signal_state_owner() = TRY(try_make<signal::SignalState>());
    // A new process starts with nothing pending (fork(2)).
    child.signal_state()->pending = 0;
    return {};
}

void exec_signals(process::Process& process)
{
    if (auto* state = process.signal_state())
        state->reset_for_exec();
}

void exit_signals(process::Process& process) { process.signal_state_owner().clear(); }

}

PROCESS_LIFECYCLE_HOOKS(signals, "signals", fork_signals, exec_signals, exit_signals);
