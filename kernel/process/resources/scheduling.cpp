// Scheduling attributes and membarrier(2) registrations across fork(2) and execve(2).
#include <process/process.h>

namespace {

constexpr int sched_other = 0, sched_fifo = 1, sched_rr = 2;

// sched(7): "Each thread has a reset-on-fork scheduling flag. When this flag is set, children
// created by fork(2) do not inherit privileged scheduling policies": a real-time policy becomes
// SCHED_OTHER and a negative nice value 0, and the child's own flag is clear.
ErrorOr<void> fork_scheduling(process::Process& parent, process::Process& child, uint64_t)
{
    child.scheduling = parent.scheduling;
    if (child.scheduling.reset_on_fork) {
        if (child.scheduling.policy == sched_fifo || child.scheduling.policy == sched_rr) {
            child.scheduling.policy = sched_other;
            child.scheduling.priority = 0;
        }
        if (child.scheduling.nice < 0)
            child.scheduling.nice = 0;
        child.scheduling.reset_on_fork = false;
    }
    child.membarrier_registrations = parent.membarrier_registrations;
    return {};
}

// membarrier(2): registrations belong to the address space, which execve(2) replaces (Linux's
// membarrier_exec_mmap()). The scheduling attributes stay.
void exec_scheduling(process::Process& process) { process.membarrier_registrations = 0; }

}

PROCESS_LIFECYCLE_HOOKS(scheduling, "scheduling", fork_scheduling, exec_scheduling, nullptr);
