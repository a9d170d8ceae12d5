#include <cstring>

#include <mm/memory.h>
#include <plat/clock.h>
#include <plat/random.h>
#include <process/process.h>
#include <sched/thread.h>
#include <syscall/syscall.h>

namespace {

struct Utsname {
    char sysname[65];
    char nodename[65];
    char release[65];
    char version[65];
    char machine[65];
    char domainname[65];
};

char s_hostname[65] = "unifork";
char s_domainname[65] = "(none)";

void copy_field(char (&field)[65], std::string_view text)
{
    size_t length = text.size() < 64 ? text.size() : 64;
    memcpy(field, text.data(), length);
    field[length] = '\0';
}

}

namespace process {

void set_hostname(std::string_view name) { copy_field(s_hostname, name); }
char const* hostname() { return s_hostname; }

}

// uname(2). Programs compare the release against the Linux versions whose ABI they need
// (glibc refuses anything older than its minimum), so we report the Linux ABI we implement.
SYSCALL_HANDLER(uname)
{
    Utsname name {};
    copy_field(name.sysname, "Linux");
    copy_field(name.nodename, s_hostname);
    copy_field(name.release, "6.1.0-unifork");
    copy_field(name.version, "#1 unifork " "0.1.0");
    copy_field(name.machine, "x86_64");
    copy_field(name.domainname, s_domainname);
    TRY(args.pointer<Utsname>(0).write(name));
    return 0;
}

// sethostname(2), setdomainname(2): "EPERM the caller did not have the CAP_SYS_ADMIN
// capability"; "EINVAL len is negative or len is greater than the maximum allowed size".
static ErrorOr<long> set_name(char (&field)[65], syscall::Arguments const& args)
{
    if (!process::current().credentials.is_privileged())
        return Error(EPERM);
    size_t length = args[1];
    if (length > 64)
        return Error(EINVAL);
    char buffer[65] {};
    TRY(copy_from_user(buffer, args[0], length));
    copy_field(field, { buffer, length });
    return 0;
}

SYSCALL_HANDLER(sethostname) { return set_name(s_hostname, args); }
SYSCALL_HANDLER(setdomainname) { return set_name(s_domainname, args); }

// getrandom(2)
SYSCALL_HANDLER(getrandom)
{
    constexpr unsigned grnd_nonblock = 1, grnd_random = 2, grnd_insecure = 4;
    unsigned flags = unsigned(args[2]);
    if (flags & ~(grnd_nonblock | grnd_random | grnd_insecure))
        return Error(EINVAL);
    if ((flags & grnd_random) && (flags & grnd_insecure))
        return Error(EINVAL);
    uint64_t address = args[0];
    size_t length = args[1];
    if (length > 0x1ff'ffff)
        length = 0x1ff'ffff; // Linux caps one call at INT_MAX >> 6 ... well below; 32 MiB
    uint8_t chunk[256];
    size_t done = 0;
    while (done < length) {
        size_t piece = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
        plat::random_bytes(chunk, piece);
        TRY(copy_to_user(address + done, chunk, piece));
        done += piece;
    }
    return long(done);
}

// sched_yield(2)
SYSCALL_HANDLER(sched_yield)
{
    sched::yield();
    return 0;
}

// sched_getaffinity(2): one CPU. Returns the size of the mask written, as the raw syscall does.
SYSCALL_HANDLER(sched_getaffinity)
{
    int pid = args.as_int(0);
    size_t size = args[1];
    if (pid != 0 && !process::find_thread(pid))
        return Error(ESRCH);
    if (size < sizeof(uint64_t) || size % sizeof(uint64_t))
        return Error(EINVAL);
    uint64_t mask = 1;
    TRY(copy_to_user(args[2], &mask, sizeof(mask)));
    return long(sizeof(mask));
}

// sched_setaffinity(2): one CPU, so a mask must include CPU 0: "EINVAL The affinity bit mask
// mask contains no processors that are currently physically on the system". As Linux's
// get_user_cpu_mask(), the mask is read up to the kernel's size (a shorter one is padded with
// zeros, bits past it are ignored); then "ESRCH The thread whose ID is pid could not be found"
// and, unprivileged, "EPERM The calling thread does not have appropriate privileges" (the
// caller's effective user ID is neither the target's real nor effective one).
SYSCALL_HANDLER(sched_setaffinity)
{
    int pid = args.as_int(0);
    size_t size = args[1] < sizeof(uint64_t) ? size_t(args[1]) : sizeof(uint64_t);
    uint64_t mask = 0;
    TRY(copy_from_user(&mask, args[2], size));
    process::Process* target = &process::current();
    if (pid != 0) {
        auto* thread = process::find_thread(pid);
        if (!thread)
            return Error(ESRCH);
        target = thread->process();
    }
    auto const& caller = process::current().credentials;
    auto const& owner = target->credentials.user;
    if (!caller.is_privileged() && caller.user.effective != owner.real && caller.user.effective != owner.effective)
        return Error(EPERM);
    if (!(mask & 1))
        return Error(EINVAL);
    return 0;
}

// restart_syscall(2): "If restart_syscall() is called when no restart is pending, it returns
// -1 with errno set to EINTR" (Linux's do_no_restart_syscall()). Interrupted calls restart
// here by running again, so no restart is ever pending.
SYSCALL_HANDLER(restart_syscall) { return Error(EINTR); }

// getcpu(2)
SYSCALL_HANDLER(getcpu)
{
    uint32_t zero = 0;
    if (args[0])
        TRY(args.pointer<uint32_t>(0).write(zero));
    if (args[1])
        TRY(args.pointer<uint32_t>(1).write(zero));
    return 0;
}

// sysinfo(2)
SYSCALL_HANDLER(sysinfo)
{
    struct Sysinfo {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char padding[4];
    } info {};
    info.uptime = int64_t(plat::monotonic_nanoseconds() / 1'000'000'000);
    info.totalram = mm::total_frame_count() * mm::page_size;
    info.freeram = mm::free_frame_count() * mm::page_size;
    info.procs = 1;
    info.mem_unit = 1;
    TRY(copy_to_user(args[0], &info, sizeof(info)));
    return 0;
}

// personality(2): "0xffffffff ... queries the current persona"; any other value is set, and
// the old one returned either way, as Linux's sys_personality() does.
SYSCALL_HANDLER(personality)
{
    auto& process = process::current();
    uint32_t old = process.personality;
    if (uint32_t(args[0]) != 0xffff'ffff)
        process.personality = uint32_t(args[0]);
    return old;
}

// reboot(2), in the order Linux checks: "EPERM The calling process has insufficient privilege
// to call reboot()" (CAP_SYS_BOOT, which root holds), then "EINVAL Bad magic numbers or cmd".
// The VM is the machine: powering off or halting it ends `unifork run` with status 0, and so
// does a restart, since there is nothing to come back up. Ctrl-Alt-Del has no key here to
// act on; its setting is accepted and has no effect.
SYSCALL_HANDLER(reboot)
{
    constexpr uint32_t magic1 = 0xfee1'dead;
    constexpr uint32_t magic2[] = { 672274793, 85072278, 369367448, 537993216 };
    constexpr uint32_t restart = 0x0123'4567, halt = 0xcdef'0123, cad_on = 0x89ab'cdef, cad_off = 0,
                       power_off = 0x4321'fedc, restart2 = 0xa1b2'c3d4;
    if (!process::current().credentials.is_privileged())
        return Error(EPERM);
    uint32_t second = uint32_t(args[1]);
    if (uint32_t(args[0]) != magic1
        || (second != magic2[0] && second != magic2[1] && second != magic2[2] && second != magic2[3]))
        return Error(EINVAL);
    switch (uint32_t(args[2])) {
    case cad_on:
    case cad_off:
        return 0;
    case restart2: {
        // The command string must be readable: Linux copies up to 255 bytes of it first.
        auto command = copy_string_from_user(args[3], 255);
        if (command.is_error() && command.error().code() == EFAULT)
            return Error(EFAULT);
        process::power_off(0);
    }
    case restart:
    case halt:
    case power_off:
        process::power_off(0);
    default:
        return Error(EINVAL);
    }
}
