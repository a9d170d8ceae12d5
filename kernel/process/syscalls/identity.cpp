#include <config.h>
#include <process/process.h>
#include <syscall/syscall.h>

using process::current;
using process::Process;

// getpid(2) and friends. Everything runs as root.
SYSCALL_HANDLER(getpid) { return current().pid(); }
SYSCALL_HANDLER(gettid) { return process::current_thread().tid(); }
// The first process's parent is the kernel, PID 0, as on Linux.
SYSCALL_HANDLER(getppid) { return current().ppid(); }
SYSCALL_HANDLER(getuid) { return 0; }
SYSCALL_HANDLER(geteuid) { return 0; }
SYSCALL_HANDLER(getgid) { return 0; }
SYSCALL_HANDLER(getegid) { return 0; }
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

// getresuid(2), getresgid(2): real, effective and saved IDs, all root.
static ErrorOr<long> write_root_ids(::syscall::Arguments const& args)
{
    uint32_t zero = 0;
    for (int i = 0; i < 3; ++i)
        TRY(args.pointer<uint32_t>(i).write(zero));
    return 0;
}

SYSCALL_HANDLER(getresuid) { return write_root_ids(args); }
SYSCALL_HANDLER(getresgid) { return write_root_ids(args); }

// getgroups(2): root with no supplementary groups.
SYSCALL_HANDLER(getgroups)
{
    if (args.as_int(0) < 0)
        return Error(EINVAL);
    return 0;
}
