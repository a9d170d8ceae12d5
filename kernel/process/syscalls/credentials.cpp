// User and group IDs (credentials(7)). The rules are lib::Credentials'; these handlers read
// the arguments and apply them to the calling process, whose threads share one set of IDs
// (Linux keeps them per thread and the C library applies each change to every thread).
#include <config.h>
#include <lib/credentials.h>
#include <process/process.h>
#include <syscall/syscall.h>

using process::current;

static lib::Credentials& credentials() { return current().credentials; }

// getuid(2), geteuid(2), getgid(2), getegid(2).
SYSCALL_HANDLER(getuid) { return credentials().user.real; }
SYSCALL_HANDLER(geteuid) { return credentials().user.effective; }
SYSCALL_HANDLER(getgid) { return credentials().group.real; }
SYSCALL_HANDLER(getegid) { return credentials().group.effective; }

// getresuid(2), getresgid(2): real, effective and saved IDs, written in that order (EFAULT at
// the first bad pointer).
static ErrorOr<long> write_ids(::syscall::Arguments const& args, lib::IdSet const& ids)
{
    TRY(args.pointer<uint32_t>(0).write(ids.real));
    TRY(args.pointer<uint32_t>(1).write(ids.effective));
    TRY(args.pointer<uint32_t>(2).write(ids.saved));
    return 0;
}

SYSCALL_HANDLER(getresuid) { return write_ids(args, credentials().user); }
SYSCALL_HANDLER(getresgid) { return write_ids(args, credentials().group); }

// getgroups(2): a size of 0 asks for the count; a list too small for the groups is EINVAL.
SYSCALL_HANDLER(getgroups)
{
    int size = args.as_int(0);
    if (size < 0)
        return Error(EINVAL);
    auto groups = credentials().groups();
    if (size == 0 || groups.empty())
        return long(groups.size());
    if (size_t(size) < groups.size())
        return Error(EINVAL);
    TRY(copy_to_user(args[1], groups.data(), groups.size() * sizeof(uint32_t)));
    return long(groups.size());
}

#ifdef CONFIG_CREDENTIALS

static uint32_t id_argument(::syscall::Arguments const& args, int index) { return uint32_t(args[index]); }

// setuid(2), setgid(2).
SYSCALL_HANDLER(setuid)
{
    auto& self = credentials();
    TRY(self.user.set(id_argument(args, 0), self.is_privileged()));
    return 0;
}

SYSCALL_HANDLER(setgid)
{
    auto& self = credentials();
    TRY(self.group.set(id_argument(args, 0), self.is_privileged()));
    return 0;
}

// setreuid(2), setregid(2).
SYSCALL_HANDLER(setreuid)
{
    auto& self = credentials();
    TRY(self.user.set_real_effective(id_argument(args, 0), id_argument(args, 1), self.is_privileged()));
    return 0;
}

SYSCALL_HANDLER(setregid)
{
    auto& self = credentials();
    TRY(self.group.set_real_effective(id_argument(args, 0), id_argument(args, 1), self.is_privileged()));
    return 0;
}

// setresuid(2), setresgid(2).
SYSCALL_HANDLER(setresuid)
{
    auto& self = credentials();
    TRY(self.user.set_real_effective_saved(id_argument(args, 0), id_argument(args, 1), id_argument(args, 2), self.is_privileged()));
    return 0;
}

SYSCALL_HANDLER(setresgid)
{
    auto& self = credentials();
    TRY(self.group.set_real_effective_saved(id_argument(args, 0), id_argument(args, 1), id_argument(args, 2), self.is_privileged()));
    return 0;
}

// setfsuid(2), setfsgid(2): the previous file system ID, whether the call changed it or not.
SYSCALL_HANDLER(setfsuid)
{
    auto& self = credentials();
    return self.user.set_filesystem(id_argument(args, 0), self.is_privileged());
}

SYSCALL_HANDLER(setfsgid)
{
    auto& self = credentials();
    return self.group.set_filesystem(id_argument(args, 0), self.is_privileged());
}

// setgroups(2): CAP_SETGID (EPERM) is checked before the size (EINVAL above NGROUPS_MAX), as
// Linux does.
SYSCALL_HANDLER(setgroups)
{
    auto& self = credentials();
    if (!self.is_privileged())
        return Error(EPERM);
    size_t count = size_t(unsigned(args.as_int(0)));
    if (count > lib::max_supplementary_groups)
        return Error(EINVAL);
    Vector<uint32_t> list;
    TRY(list.try_ensure_capacity(count));
    for (size_t index = 0; index < count; ++index)
        MUST(list.try_append(0u));
    if (count)
        TRY(copy_from_user(list.data(), args[1], count * sizeof(uint32_t)));
    TRY(self.set_groups(list.span()));
    return 0;
}

#endif

// capget(2). Capabilities follow the effective user ID here: root holds every capability Linux
// 6.1 knows (CAP_LAST_CAP 40) in its permitted and effective sets, anyone else none, and no
// set is inheritable, as /proc/PID/status shows. An unknown version is answered with the one
// preferred (_LINUX_CAPABILITY_VERSION_3) and EINVAL, or 0 when there is no data to fill,
// which is how libcap asks for it.
SYSCALL_HANDLER(capget)
{
    constexpr uint32_t version_1 = 0x1998'0330, version_2 = 0x2007'1026, version_3 = 0x2008'0522;
    struct Header {
        uint32_t version;
        int32_t pid;
    } header;
    struct Data {
        uint32_t effective, permitted, inheritable;
    };
    TRY(copy_from_user(&header, args[0], sizeof(header)));
    size_t words;
    if (header.version == version_1) {
        words = 1;
    } else if (header.version == version_2 || header.version == version_3) {
        words = 2;
    } else {
        header.version = version_3;
        TRY(copy_to_user(args[0], &header.version, sizeof(header.version)));
        return args[1] ? ErrorOr<long>(Error(EINVAL)) : ErrorOr<long>(0);
    }
    if (!args[1])
        return 0;
    if (header.pid < 0)
        return Error(EINVAL);
    // Any thread's ID names its process, as find_task_by_vpid() finds threads.
    process::Process* target = &current();
    if (header.pid) {
        auto* thread = process::find_thread(header.pid);
        target = thread ? thread->process() : process::find_process(header.pid);
    }
    if (!target)
        return Error(ESRCH);
    uint64_t held = target->credentials.is_privileged() ? (uint64_t(1) << 41) - 1 : 0;
    Data data[2] {};
    for (size_t i = 0; i < words; ++i) {
        data[i].effective = data[i].permitted = uint32_t(held >> (32 * i));
        data[i].inheritable = 0;
    }
    TRY(copy_to_user(args[1], data, words * sizeof(Data)));
    return 0;
}
