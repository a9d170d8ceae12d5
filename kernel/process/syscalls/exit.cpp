#include <process/process.h>
#include <syscall/syscall.h>

// exit(2): ends the calling thread; the process ends with its last thread, with this status.
SYSCALL_HANDLER(exit)
{
    auto& process = process::current();
    if (process.thread_count() == 1)
        process.terminate(process::exited_status(args.as_int(0)));
    process::exit_thread();
}

// exit_group(2)
SYSCALL_HANDLER(exit_group)
{
    process::exit_group(args.as_int(0));
}
