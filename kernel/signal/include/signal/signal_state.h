#pragma once

#include <cstdint>

#include <lib/error_or.h>

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

// Per-process dispositions and the thread's blocked mask. Delivery comes with the signals
// library's next stage; this keeps the state that rt_sigaction and rt_sigprocmask report.
class SignalState {
public:
    KernelSigaction const& action(int signal) const { return m_actions[signal - 1]; }
    ErrorOr<void> set_action(int signal, KernelSigaction const&);
    uint64_t blocked() const { return m_blocked; }
    void set_blocked(uint64_t mask) { m_blocked = mask & ~unblockable; }
    uint64_t pending() const { return m_pending; }
    // execve(2): caught signals go back to their default action; ignored ones stay ignored;
    // the mask is kept.
    void reset_for_exec();

private:
    KernelSigaction m_actions[signal_count] {};
    uint64_t m_blocked { 0 };
    uint64_t m_pending { 0 };
};

SignalState* current_signal_state();

}
