#include <config.h>
#include <process/process.h>
#include <syscall/syscall.h>

using process::current;
using process::Process;

// getpid(2) and friends; the user and group IDs are in credentials.cpp.
SYSCALL_HANDLER(getpid) { return current().pid(); }
SYSCALL_HANDLER(gettid) { return process::current_thread().tid(); }
// The first process's parent is the kernel, PID 0, as on Linux.
SYSCALL_HANDLER(getppid) { return current().ppid(); }
SYSCALL_HANDLER(getpgrp) { return current().pgid(); }

static ErrorOr<Process*> process_or_caller(int pid)
{
    if (pid < 0)
        return Error(ESRCH);
    if (pid == 0)
        return &current();
    auto* process = process::find_process(pid);
    if (!process)
        return Error(ESRCH);
    return process;
}

// getpgid(2) and getsid(2): 0 means the caller.
SYSCALL_HANDLER(getpgid) { return TRY(process_or_caller(args.as_int(0)))->pgid(); }
SYSCALL_HANDLER(getsid) { return TRY(process_or_caller(args.as_int(0)))->sid(); }

// setpgid(2), with Linux's checks: the target is the caller or one of its children in the
// same session that has not exec'd; a group can only be joined within the session; a session
// leader cannot move.
SYSCALL_HANDLER(setpgid)
{
    int pid = args.as_int(0);
    int pgid = args.as_int(1);
    if (pgid < 0)
        return Error(EINVAL);
    auto& self = current();
    Process* target = pid == 0 ? &self : process::find_process(pid);
    if (!target || pid < 0)
        return Error(ESRCH);
    if (target != &self) {
        if (target->parent() != &self)
            return Error(ESRCH);
        if (target->sid() != self.sid())
            return Error(EPERM);
        if (target->has_executed())
            return Error(EACCES);
    }
    if (target->sid() == target->pid())
        return Error(EPERM);
    if (pgid == 0)
        pgid = target->pid();
    if (pgid != target->pid()) {
        bool group_in_session = false;
        for (auto& process : process::all_processes())
            if (process.pgid() == pgid && process.sid() == self.sid() && !process.is_zombie())
                group_in_session = true;
        if (!group_in_session)
            return Error(EPERM);
    }
    target->set_pgid(pgid);
    return 0;
}

// setsid(2): EPERM for a process group leader (or if a group with its ID exists).
SYSCALL_HANDLER(setsid)
{
    auto& self = current();
    for (auto& process : process::all_processes())
        if (process.pgid() == self.pid())
            return Error(EPERM);
    self.set_pgid(self.pid());
    self.set_sid(self.pid());
    return self.pid();
}
