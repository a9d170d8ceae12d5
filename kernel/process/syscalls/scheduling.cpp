// Priorities and scheduling policies: getpriority(2), setpriority(2), the sched_* calls of
// sched(7), and membarrier(2). One CPU runs every thread alike, so the values are recorded and
// reported with Linux's checks and permission rules but change no scheduling decision.
#include <lib/user_memory.h>
#include <process/process.h>
#include <syscall/syscall.h>

namespace {

constexpr int prio_process = 0, prio_pgrp = 1, prio_user = 2;
constexpr int nice_min = -20, nice_max = 19;
constexpr int sched_other = 0, sched_fifo = 1, sched_rr = 2, sched_batch = 3, sched_idle = 5, sched_deadline = 6;
constexpr int sched_reset_on_fork = 0x40000000;
constexpr int rt_priority_max = 99;
constexpr int rlimit_nice = 13, rlimit_rtprio = 14;
// SCHED_RR's quantum (Linux's RR_TIMESLICE, 100 ms) and the slice the scheduler gives every
// other thread.
constexpr int64_t rr_interval_nanoseconds = 100'000'000;
constexpr int64_t fair_interval_nanoseconds = 10'000'000;

bool is_realtime(int policy) { return policy == sched_fifo || policy == sched_rr; }

// The process a pid argument names, as Linux's find_task_by_vpid() finds it: 0 for the caller,
// a thread ID for its process, or a zombie not yet reaped.
process::Process* find_target(int pid)
{
    if (pid == 0)
        return &process::current();
    if (auto* thread = process::find_thread(pid))
        return thread->process();
    return process::find_process(pid);
}

bool is_privileged() { return process::current().credentials.is_privileged(); }

// Linux's check_same_owner() and set_one_prio()'s test: the caller's effective user ID is the
// target's real or effective one, or the caller has CAP_SYS_NICE.
bool may_change(process::Process& target)
{
    auto const& caller = process::current().credentials.user;
    auto const& owner = target.credentials.user;
    return caller.effective == owner.real || caller.effective == owner.effective || is_privileged();
}

// Linux's can_nice(): a nice value at or above what RLIMIT_NICE allows (20 - limit), or
// CAP_SYS_NICE.
bool may_nice(process::Process& target, int nice)
{
    return uint64_t(20 - nice) <= target.resource_limit(rlimit_nice).current || is_privileged();
}

// Calls `action` for every process getpriority(2) and setpriority(2) select; ESRCH when none.
template<typename Action>
ErrorOr<void> for_each_selected(int which, int who, Action action)
{
    auto& self = process::current();
    bool found = false;
    switch (which) {
    case prio_process: {
        auto* target = who >= 0 ? find_target(who) : nullptr;
        if (target) {
            found = true;
            action(*target);
        }
        break;
    }
    case prio_pgrp:
    case prio_user: {
        // PRIO_USER with who 0 is the caller's real user ID, as Linux takes cred->uid.
        uint32_t id = which == prio_pgrp ? uint32_t(who ? who : self.pgid()) : (who ? uint32_t(who) : self.credentials.user.real);
        for (auto& target : process::all_processes()) {
            bool selected = which == prio_pgrp ? uint32_t(target.pgid()) == id : target.credentials.user.real == id;
            if (!selected)
                continue;
            found = true;
            action(target);
        }
        break;
    }
    default:
        return Error(EINVAL);
    }
    if (!found)
        return Error(ESRCH);
    return {};
}

struct SchedParam {
    int32_t priority;
};

// The checks of Linux's __sched_setscheduler() for sched_setscheduler(2) and sched_setparam(2)
// (policy -1: keep the policy and the reset-on-fork flag).
ErrorOr<long> set_scheduler(int pid, int policy, uintptr_t param_address)
{
    if (!param_address || pid < 0)
        return Error(EINVAL);
    auto param = TRY(UserPtr<SchedParam>(param_address).read());
    auto* target = find_target(pid);
    if (!target)
        return Error(ESRCH);
    bool reset_on_fork;
    if (policy < 0) {
        policy = target->scheduling.policy;
        reset_on_fork = target->scheduling.reset_on_fork;
    } else {
        reset_on_fork = policy & sched_reset_on_fork;
        policy &= ~sched_reset_on_fork;
        bool valid = policy == sched_other || is_realtime(policy) || policy == sched_batch || policy == sched_idle;
        if (!valid)
            return Error(EINVAL); // SCHED_DEADLINE needs sched_setattr(2)'s parameters
    }
    // "For SCHED_OTHER, SCHED_BATCH and SCHED_IDLE the priority must be 0; for SCHED_FIFO and
    // SCHED_RR 1 to 99" (compared unsigned, so a negative priority is out of range too).
    if (uint32_t(param.priority) > uint32_t(rt_priority_max) || is_realtime(policy) != (param.priority != 0))
        return Error(EINVAL);
    if (!is_privileged()) {
        auto& current = target->scheduling;
        uint64_t rt_limit = target->resource_limit(rlimit_rtprio).current;
        if (is_realtime(policy)) {
            // "An unprivileged thread can set its policy to SCHED_FIFO or SCHED_RR only up to
            // its RLIMIT_RTPRIO soft limit."
            if (policy != current.policy && rt_limit == 0)
                return Error(EPERM);
            if (param.priority > current.priority && uint64_t(param.priority) > rt_limit)
                return Error(EPERM);
        }
        if (current.policy == sched_idle && policy != sched_idle && !may_nice(*target, current.nice))
            return Error(EPERM);
        if (!may_change(*target))
            return Error(EPERM);
        if (current.reset_on_fork && !reset_on_fork)
            return Error(EPERM);
    }
    target->scheduling.policy = policy;
    target->scheduling.priority = param.priority;
    target->scheduling.reset_on_fork = reset_on_fork;
    return 0;
}

ErrorOr<process::Process*> target_of_query(int pid)
{
    if (pid < 0)
        return Error(EINVAL);
    auto* target = find_target(pid);
    if (!target)
        return Error(ESRCH);
    return target;
}

}

// getpriority(2): "the raw system call returns nice values in the range 40..1 (20 - nice)": the
// highest priority (lowest nice) among the selected processes. "EINVAL which was not one of
// PRIO_PROCESS, PRIO_PGRP, or PRIO_USER"; "ESRCH No process was located".
SYSCALL_HANDLER(getpriority)
{
    int nice = nice_max + 1;
    TRY(for_each_selected(args.as_int(0), args.as_int(1), [&](process::Process& target) {
        if (target.scheduling.nice < nice)
            nice = target.scheduling.nice;
    }));
    return long(20 - nice);
}

// setpriority(2): the value is clamped to -20..19. "EPERM A process was located, but its
// effective user ID did not match either the effective or the real user ID of the caller, and
// was not privileged"; "EACCES The caller attempted to set a lower nice value (i.e., a higher
// process priority), but did not have the required privilege" (RLIMIT_NICE or CAP_SYS_NICE).
// As Linux's set_one_prio(), each selected process is tried and the last failure reported.
SYSCALL_HANDLER(setpriority)
{
    int nice = args.as_int(2);
    nice = nice < nice_min ? nice_min : nice > nice_max ? nice_max : nice;
    int failure = 0;
    TRY(for_each_selected(args.as_int(0), args.as_int(1), [&](process::Process& target) {
        if (!may_change(target)) {
            failure = EPERM;
            return;
        }
        if (nice < target.scheduling.nice && !may_nice(target, nice)) {
            failure = EACCES;
            return;
        }
        target.scheduling.nice = nice;
    }));
    if (failure)
        return Error(failure);
    return 0;
}

// sched_setscheduler(2), sched_setparam(2).
SYSCALL_HANDLER(sched_setscheduler)
{
    int policy = args.as_int(1);
    if (policy < 0)
        return Error(EINVAL);
    return set_scheduler(args.as_int(0), policy, args[2]);
}
SYSCALL_HANDLER(sched_setparam) { return set_scheduler(args.as_int(0), -1, args[1]); }

// sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK ORed in when the flag is set.
SYSCALL_HANDLER(sched_getscheduler)
{
    auto* target = TRY(target_of_query(args.as_int(0)));
    return long(target->scheduling.policy | (target->scheduling.reset_on_fork ? sched_reset_on_fork : 0));
}

// sched_getparam(2): the real-time priority, 0 for the other policies.
SYSCALL_HANDLER(sched_getparam)
{
    if (!args[1])
        return Error(EINVAL);
    auto* target = TRY(target_of_query(args.as_int(0)));
    TRY(args.pointer<SchedParam>(1).write(SchedParam { target->scheduling.priority }));
    return 0;
}

// sched_get_priority_max(2), sched_get_priority_min(2): "Linux allows the static priority
// range 1 to 99 for the SCHED_FIFO and SCHED_RR policies, and the priority 0 for the remaining
// policies"; "EINVAL The argument policy does not identify a defined scheduling policy".
SYSCALL_HANDLER(sched_get_priority_max)
{
    int policy = args.as_int(0);
    if (is_realtime(policy))
        return rt_priority_max;
    if (policy == sched_other || policy == sched_batch || policy == sched_idle || policy == sched_deadline)
        return 0;
    return Error(EINVAL);
}
SYSCALL_HANDLER(sched_get_priority_min)
{
    int policy = args.as_int(0);
    if (is_realtime(policy))
        return 1;
    if (policy == sched_other || policy == sched_batch || policy == sched_idle || policy == sched_deadline)
        return 0;
    return Error(EINVAL);
}

// sched_rr_get_interval(2): SCHED_RR's quantum; 0 for SCHED_FIFO, which has none; the time
// slice the scheduler hands out for the other policies (Linux reports the fair class's slice).
SYSCALL_HANDLER(sched_rr_get_interval)
{
    auto* target = TRY(target_of_query(args.as_int(0)));
    int policy = target->scheduling.policy;
    int64_t nanoseconds = policy == sched_rr ? rr_interval_nanoseconds : policy == sched_fifo ? 0 : fair_interval_nanoseconds;
    struct {
        int64_t seconds;
        int64_t nanoseconds;
    } interval { nanoseconds / 1'000'000'000, nanoseconds % 1'000'000'000 };
    TRY(copy_to_user(args[1], &interval, sizeof(interval)));
    return 0;
}

namespace {

constexpr uint32_t membarrier_query = 0, membarrier_global = 1 << 0, membarrier_global_expedited = 1 << 1,
                   membarrier_register_global_expedited = 1 << 2, membarrier_private_expedited = 1 << 3,
                   membarrier_register_private_expedited = 1 << 4, membarrier_private_expedited_sync_core = 1 << 5,
                   membarrier_register_private_expedited_sync_core = 1 << 6, membarrier_private_expedited_rseq = 1 << 7,
                   membarrier_register_private_expedited_rseq = 1 << 8, membarrier_get_registrations = 1 << 9;
constexpr uint32_t membarrier_supported = (membarrier_get_registrations << 1) - 1;
constexpr uint32_t membarrier_flag_cpu = 1;

}

// membarrier(2). On one CPU a barrier has no other CPU to wait for, so every command is
// satisfied at once; the private expedited ones still need the matching registration first:
// "EPERM The current process was not registered prior to using private expedited commands."
// MEMBARRIER_CMD_QUERY returns the supported commands; MEMBARRIER_CMD_GET_REGISTRATIONS the
// registrations made. "EINVAL cmd is invalid, or flags is nonzero" (only
// MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ takes MEMBARRIER_CMD_FLAG_CPU).
SYSCALL_HANDLER(membarrier)
{
    uint32_t command = uint32_t(args.as_int(0));
    uint32_t flags = uint32_t(args.as_int(1));
    if (command == membarrier_private_expedited_rseq ? (flags & ~membarrier_flag_cpu) : flags)
        return Error(EINVAL);
    auto& registrations = process::current().membarrier_registrations;
    switch (command) {
    case membarrier_query:
        return long(membarrier_supported);
    case membarrier_global:
    case membarrier_global_expedited:
        return 0;
    case membarrier_register_global_expedited:
    case membarrier_register_private_expedited:
    case membarrier_register_private_expedited_sync_core:
    case membarrier_register_private_expedited_rseq:
        registrations |= command;
        return 0;
    case membarrier_private_expedited:
    case membarrier_private_expedited_sync_core:
    case membarrier_private_expedited_rseq:
        // Each command's registration is the bit above it.
        if (!(registrations & (command << 1)))
            return Error(EPERM);
        return 0;
    case membarrier_get_registrations:
        return long(registrations);
    default:
        return Error(EINVAL);
    }
}
