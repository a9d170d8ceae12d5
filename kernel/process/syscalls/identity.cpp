#include <process/process.h>
#include <syscall/syscall.h>

using process::current;

// getpid(2) and friends. The application is PID 1, its own process group and session leader,
// and runs as root.
SYSCALL_HANDLER(getpid) { return current().pid(); }
SYSCALL_HANDLER(gettid) { return current().tid(); }
// PID 1's parent is the kernel, PID 0, as on Linux.
SYSCALL_HANDLER(getppid) { return 0; }
SYSCALL_HANDLER(getuid) { return 0; }
SYSCALL_HANDLER(geteuid) { return 0; }
SYSCALL_HANDLER(getgid) { return 0; }
SYSCALL_HANDLER(getegid) { return 0; }
SYSCALL_HANDLER(getpgrp) { return current().pid(); }

// getpgid(2) and getsid(2): 0 means the caller; any other pid does not exist here.
SYSCALL_HANDLER(getpgid)
{
    int pid = args.as_int(0);
    if (pid != 0 && pid != current().pid())
        return Error(ESRCH);
    return current().pid();
}

SYSCALL_HANDLER(getsid)
{
    int pid = args.as_int(0);
    if (pid != 0 && pid != current().pid())
        return Error(ESRCH);
    return current().pid();
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

// set_tid_address(2): remembered for thread exit (futex wake comes with threads).
SYSCALL_HANDLER(set_tid_address)
{
    current().set_clear_child_tid(args[0]);
    return current().tid();
}

// set_robust_list(2): the head is kept for robust-futex cleanup at thread exit; the length
// must be the size of struct robust_list_head.
SYSCALL_HANDLER(set_robust_list)
{
    if (args[1] != 24)
        return Error(EINVAL);
    current().set_robust_list(args[0]);
    return 0;
}

SYSCALL_HANDLER(get_robust_list)
{
    int pid = args.as_int(0);
    if (pid != 0 && pid != current().tid())
        return Error(ESRCH);
    TRY(args.pointer<uint64_t>(1).write(current().robust_list_head()));
    TRY(args.pointer<uint64_t>(2).write(24));
    return 0;
}
