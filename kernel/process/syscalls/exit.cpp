#include <process/process.h>
#include <syscall/syscall.h>

// exit(2): with one thread, ending the thread ends the process.
SYSCALL_HANDLER(exit)
{
    process::exit_process(args.as_int(0));
}

// exit_group(2)
SYSCALL_HANDLER(exit_group)
{
    process::exit_process(args.as_int(0));
}
