#include <arch/cpu.h>
#include <process/process.h>
#include <syscall/syscall.h>

// arch_prctl(2): the FS base is the application's thread pointer (TLS). The kernel never uses
// FS or GS itself, so the bases are simply the application's.
SYSCALL_HANDLER(arch_prctl)
{
    constexpr int arch_set_gs = 0x1001, arch_set_fs = 0x1002, arch_get_fs = 0x1003, arch_get_gs = 0x1004;
    int code = args.as_int(0);
    uint64_t address = args[1];
    auto& thread = process::current_thread();
    switch (code) {
    case arch_set_fs:
    case arch_set_gs:
        if (!lib::is_user_range(address, 0) && address != 0)
            return Error(EPERM);
        if (code == arch_set_fs)
            thread.set_fs_base(address);
        else
            thread.set_gs_base(address);
        return 0;
    case arch_get_fs:
        TRY(UserPtr<uint64_t>(address).write(thread.fs_base()));
        return 0;
    case arch_get_gs:
        TRY(UserPtr<uint64_t>(address).write(thread.gs_base()));
        return 0;
    default:
        // ARCH_GET_CPUID, ARCH_CET_STATUS, ARCH_REQ_XCOMP_PERM...: not supported, as on a
        // kernel built without them.
        return Error(EINVAL);
    }
}
