#include <cstring>

#include <process/process.h>
#include <syscall/syscall.h>

namespace {

}

// prctl(2): the process attributes programs commonly read and set. Options this kernel does
// not have are EINVAL, as on a Linux built without them.
SYSCALL_HANDLER(prctl)
{
    constexpr int pr_set_pdeathsig = 1, pr_get_pdeathsig = 2, pr_get_dumpable = 3, pr_set_dumpable = 4,
                  pr_set_name = 15, pr_get_name = 16, pr_capbset_read = 23, pr_set_child_subreaper = 36,
                  pr_get_child_subreaper = 37, pr_set_no_new_privs = 38, pr_get_no_new_privs = 39;
    int option = args.as_int(0);
    uint64_t argument = args[1];
    auto& process = process::current();
    char* s_name = process.mutable_name();
    switch (option) {
    case pr_set_name: {
        char name[16] {};
        auto length = TRY(lib::user_string_length(argument, 15));
        TRY(copy_from_user(name, argument, length));
        memcpy(s_name, name, 16);
        return 0;
    }
    case pr_get_name:
        TRY(copy_to_user(argument, s_name, 16));
        return 0;
    case pr_set_pdeathsig:
        if (argument > 64)
            return Error(EINVAL);
        process.parent_death_signal = int(argument);
        return 0;
    case pr_get_pdeathsig:
        TRY(UserPtr<int>(argument).write(process.parent_death_signal));
        return 0;
    case pr_get_dumpable:
        return process.dumpable ? 1 : 0;
    case pr_set_dumpable:
        if (argument > 1)
            return Error(EINVAL);
        process.dumpable = argument == 1;
        return 0;
    case pr_capbset_read:
        if (argument > 40)
            return Error(EINVAL);
        return 1; // root holds every capability
    case pr_set_child_subreaper:
        process.child_subreaper = argument != 0;
        return 0;
    case pr_get_child_subreaper:
        TRY(UserPtr<int>(argument).write(process.child_subreaper ? 1 : 0));
        return 0;
    case pr_set_no_new_privs:
        if (argument != 1)
            return Error(EINVAL);
        process.no_new_privileges = true;
        return 0;
    case pr_get_no_new_privs:
        return process.no_new_privileges ? 1 : 0;
    default:
        return Error(EINVAL);
    }
}
