#pragma once

#include <cstdint>

#include <lib/error_or.h>
#include <sched/thread.h>

namespace signal {

constexpr int signal_count = 64;
constexpr int sigkill = 9;
constexpr int sigstop = 19;

constexpr uint64_t default_handler = 0; // SIG_DFL
constexpr uint64_t ignore_handler = 1;  // SIG_IGN

// The kernel's struct sigaction for rt_sigaction(2) on x86_64.
struct KernelSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

inline uint64_t bit_of(int signal) { return uint64_t(1) << (signal - 1); }
// SIGKILL and SIGSTOP can be neither caught, blocked nor ignored.
constexpr uint64_t unblockable = (uint64_t(1) << (sigkill - 1)) | (uint64_t(1) << (sigstop - 1));

// Linux's flags for sigaction.
constexpr uint64_t sa_nocldstop = 1, sa_nocldwait = 2, sa_siginfo = 4, sa_restorer = 0x0400'0000,
                   sa_onstack = 0x0800'0000, sa_restart = 0x1000'0000, sa_nodefer = 0x4000'0000,
                   sa_resethand = 0x8000'0000;

// What a pending signal carries into the handler's siginfo: si_code; then si_pid (or the
// timer id, or the child's pid); si_status (a child's status, a timer's overrun count); and
// si_addr (faults) or si_value (queued signals, timers).
using PendingInfo = sched::Thread::PendingInfo;

constexpr int sigrtmin = 32;
constexpr int si_queue = -1, si_timer = -2;

// Per-process dispositions and the signals sent to the process as a whole (any of its
// threads may take them). Each thread's mask and its own pending signals live on the thread.
struct ProcessTimers;

class SignalState {
public:
    SignalState() = default;
    // A forked child's copy: the dispositions only; nothing pending, no timers (fork(2)).
    SignalState(SignalState const& other)
    {
        for (int i = 0; i < signal_count; ++i)
            m_actions[i] = other.m_actions[i];
    }
    SignalState& operator=(SignalState const&) = delete;
    ~SignalState()
    {
        if (timers)
            timers_release(timers);
    }

    KernelSigaction const& action(int signal) const { return m_actions[signal - 1]; }
    ErrorOr<void> set_action(int signal, KernelSigaction const&);
    void reset_action(int signal) { m_actions[signal - 1] = {}; }
    // execve(2): caught signals go back to their default action; ignored ones stay ignored;
    // the mask is kept.
    void reset_for_exec();

    uint64_t pending { 0 };
    PendingInfo pending_info[signal_count] {};
    Vector<sched::Thread::QueuedSignal> queued_signals;

    // alarm, setitimer and timer_create (timers.cpp); created on first use, with the function
    // that releases them.
    ProcessTimers* timers { nullptr };
    void (*timers_release)(ProcessTimers*) { nullptr };

private:
    KernelSigaction m_actions[signal_count] {};
};

SignalState* current_signal_state();

}
