#pragma once

#include <cstdint>

#include <arch/register_frame.h>
#include <lib/error_or.h>
#include <signal/signal_state.h>

namespace process {
class Process;
}
namespace sched {
class Thread;
}

namespace signal {

constexpr int sighup = 1, sigint = 2, sigquit = 3, sigill = 4, sigtrap = 5, sigabrt = 6, sigbus = 7, sigfpe = 8,
              sigusr1 = 10, sigsegv = 11, sigusr2 = 12, sigpipe = 13, sigalrm = 14, sigterm = 15, sigchld = 17,
              sigcont = 18, sigtstp = 20, sigttin = 21, sigttou = 22, sigurg = 23, sigxcpu = 24, sigxfsz = 25,
              sigwinch = 28, sigsys = 31;
// si_code values.
constexpr int si_user = 0, si_kernel = 0x80, si_tkill = -6, cld_exited = 1, cld_killed = 2, cld_dumped = 3;

enum class DefaultAction { Terminate, CoreDump, Ignore, Stop, Continue };
DefaultAction default_action(int signal);

// Sends `signal` to a process (any thread that does not block it takes it) or to one thread.
// Signals the target ignores are dropped, as Linux drops them at send time; SIGKILL ends the
// process at once.
void send_to_process(process::Process&, int signal, PendingInfo const& info);
void send_to_thread(sched::Thread&, int signal, PendingInfo const& info);
// A synchronous fault: delivered to the faulting thread even if blocked or ignored (the
// handler runs if there is one, otherwise the process dies of it).
void force_to_thread(sched::Thread&, int signal, PendingInfo const& info);

// Takes the lowest pending signal in `set` (the thread's own first), with what it carries;
// 0 when none.
int dequeue(sched::Thread&, uint64_t set, PendingInfo& info);
// Drops every pending instance of `signal` in the process and its threads.
void discard_pending(process::Process&, int signal);

// Signals the thread could take now.
uint64_t deliverable(sched::Thread&);
// Before returning to application code: runs default actions or sets up a handler frame in
// `frame` for the next deliverable signal; restarts or fails an interrupted syscall.
void deliver_pending(sched::Thread&, arch::RegisterFrame& frame);

void initialize();

}
