#include <fs/fd_table.h>
#include <process/process.h>
#include <syscall/syscall.h>

namespace {

constexpr int rlimit_nofile = 7;

ErrorOr<long> get_and_set(int pid, int resource, uint64_t new_address, uint64_t old_address)
{
    auto& process = process::current();
    if (pid != 0 && pid != process.pid())
        return Error(ESRCH);
    if (resource < 0 || resource >= process::resource_limit_count)
        return Error(EINVAL);
    auto& limit = process.resource_limit(resource);
    process::ResourceLimit previous = limit;
    if (new_address) {
        auto requested = TRY(UserPtr<process::ResourceLimit>(new_address).read());
        if (requested.current > requested.maximum)
            return Error(EINVAL);
        if (resource == rlimit_nofile && requested.maximum > 1024 * 1024)
            return Error(EPERM); // above fs.nr_open
        limit = requested;
        if (resource == rlimit_nofile)
            process.fd_table().set_limit(size_t(requested.current));
    }
    if (old_address)
        TRY(UserPtr<process::ResourceLimit>(old_address).write(previous));
    return 0;
}

}

// prlimit64(2), getrlimit(2), setrlimit(2). Limits are kept and reported; RLIMIT_NOFILE is
// enforced by the descriptor table.
SYSCALL_HANDLER(prlimit64) { return get_and_set(args.as_int(0), args.as_int(1), args[2], args[3]); }
SYSCALL_HANDLER(getrlimit)
{
    if (!args[1])
        return Error(EFAULT);
    return get_and_set(0, args.as_int(0), 0, args[1]);
}
SYSCALL_HANDLER(setrlimit)
{
    if (!args[1])
        return Error(EFAULT);
    return get_and_set(0, args.as_int(0), args[1], 0);
}
