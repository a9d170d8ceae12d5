// wait4(2) and waitid(2): children stay zombies until one of these collects them.
#include <config.h>
#include <lib/user_memory.h>
#include <process/process.h>
#include <syscall/syscall.h>

#ifdef CONFIG_MULTIPROCESS

namespace process {

namespace {

constexpr int wnohang = 1, wuntraced = 2, wstopped = 2, wexited = 4, wcontinued = 8, wnowait = 0x0100'0000;
constexpr int wnothread = 0x2000'0000, wall = 0x4000'0000, wclone = int(0x8000'0000u);
constexpr int sigchld = 17;

enum class Selector { Any, Pid, Group };

struct WaitRequest {
    Selector selector;
    int id;
    int options;
};

struct Collected {
    int pid;
    int status;
    uint64_t cpu_nanoseconds;
    uint64_t children_cpu_nanoseconds;
};

bool matches(Process& child, WaitRequest const& request)
{
    switch (request.selector) {
    case Selector::Pid:
        if (child.pid() != request.id)
            return false;
        break;
    case Selector::Group:
        if (child.pgid() != request.id)
            return false;
        break;
    case Selector::Any:
        break;
    }
    // A "clone" child reports with a signal other than SIGCHLD; __WCLONE picks only those,
    // __WALL both kinds.
    if (request.options & wall)
        return true;
    bool is_clone_child = child.exit_signal() != sigchld;
    return bool(request.options & wclone) == is_clone_child;
}

// Finds a matching zombie among the caller's children (and, without __WNOTHREAD, those of
// the other threads, which are the same process here). ECHILD when nothing can ever match.
ErrorOr<Collected> wait_for_child(WaitRequest const& request)
{
    auto& self = current();
    for (;;) {
        bool any = false;
        for (auto& child : self.children()) {
            if (!matches(child, request))
                continue;
            any = true;
            if (child.is_zombie() && (request.options & wexited)) {
                Collected collected { child.pid(), child.exit_status(), child.total_cpu_nanoseconds(), child.children_cpu_nanoseconds };
                if (!(request.options & wnowait))
                    child.reap();
                return collected;
            }
            // Job control: a stop (WUNTRACED/WSTOPPED) or a continuation (WCONTINUED) not
            // reported yet.
            if ((request.options & wstopped) && child.stop_reportable && child.stopped) {
                if (!(request.options & wnowait))
                    child.stop_reportable = false;
                return Collected { child.pid(), (child.stop_signal << 8) | 0x7f, 0, 0 };
            }
            if ((request.options & wcontinued) && child.continue_reportable) {
                if (!(request.options & wnowait))
                    child.continue_reportable = false;
                return Collected { child.pid(), 0xffff, 0, 0 };
            }
        }
        if (!any)
            return Error(ECHILD);
        if (request.options & wnohang)
            return Collected { 0, 0, 0, 0 };
        if (self.child_events.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
}

struct Timeval {
    int64_t seconds;
    int64_t microseconds;
};

struct Rusage {
    Timeval user_time;
    Timeval system_time;
    int64_t fields[14];
};

Timeval to_timeval(uint64_t nanoseconds) { return { int64_t(nanoseconds / 1'000'000'000), int64_t(nanoseconds % 1'000'000'000 / 1000) }; }

ErrorOr<void> write_rusage(uint64_t address, uint64_t nanoseconds)
{
    if (!address)
        return {};
    Rusage usage {};
    usage.user_time = to_timeval(nanoseconds);
    return UserPtr<Rusage>(address).write(usage);
}

}

}

using namespace process;

// wait4(2)
SYSCALL_HANDLER(wait4)
{
    int pid = args.as_int(0);
    int options = args.as_int(2);
    if (options & ~(wnohang | wuntraced | wcontinued | wnothread | wall | wclone))
        return Error(EINVAL);
    WaitRequest request { Selector::Any, 0, options | wexited };
    if (pid > 0) {
        request = { Selector::Pid, pid, request.options };
    } else if (pid == 0) {
        request = { Selector::Group, current().pgid(), request.options };
    } else if (pid < -1) {
        if (pid == INT32_MIN)
            return Error(ESRCH);
        request = { Selector::Group, -pid, request.options };
    }
    auto collected = TRY(wait_for_child(request));
    if (collected.pid && args[1])
        TRY(args.pointer<int>(1).write(collected.status));
    if (collected.pid)
        TRY(write_rusage(args[3], collected.cpu_nanoseconds + collected.children_cpu_nanoseconds));
    else if (args[3])
        TRY(write_rusage(args[3], 0));
    return collected.pid;
}

// waitid(2)
SYSCALL_HANDLER(waitid)
{
    constexpr int p_all = 0, p_pid = 1, p_pgid = 2, p_pidfd = 3;
    int type = args.as_int(0);
    int id = args.as_int(1);
    int options = args.as_int(3);
    if (options & ~(wnohang | wstopped | wexited | wcontinued | wnowait | wnothread | wall | wclone))
        return Error(EINVAL);
    if (!(options & (wexited | wstopped | wcontinued)))
        return Error(EINVAL);
    WaitRequest request { Selector::Any, 0, options };
    switch (type) {
    case p_all:
        break;
    case p_pid:
        if (id <= 0)
            return Error(EINVAL);
        request.selector = Selector::Pid;
        request.id = id;
        break;
    case p_pgid:
        if (id < 0)
            return Error(EINVAL);
        request.selector = Selector::Group;
        request.id = id ? id : current().pgid();
        break;
    case p_pidfd:
        return Error(EINVAL); // pidfds are not supported
    default:
        return Error(EINVAL);
    }
    Collected collected = TRY(wait_for_child(request));
    if (args[2]) {
        // siginfo_t for SIGCHLD: si_signo, si_errno, si_code, then si_pid, si_uid, si_status.
        struct {
            int32_t signo, error, code, padding;
            int32_t pid;
            uint32_t uid;
            int32_t status;
            int32_t rest[25];
        } info {};
        static_assert(sizeof(info) == 128);
        if (collected.pid) {
            constexpr int cld_exited = 1, cld_killed = 2, cld_stopped = 5, cld_continued = 6;
            info.signo = sigchld;
            info.pid = collected.pid;
            if (collected.status == 0xffff) {
                info.code = cld_continued;
                info.status = 18; // SIGCONT
            } else if ((collected.status & 0xff) == 0x7f) {
                info.code = cld_stopped;
                info.status = (collected.status >> 8) & 0xff;
            } else if (collected.status & 0x7f) {
                info.code = cld_killed;
                info.status = collected.status & 0x7f;
            } else {
                info.code = cld_exited;
                info.status = (collected.status >> 8) & 0xff;
            }
        }
        TRY(copy_to_user(args[2], &info, sizeof(info)));
    }
    if (collected.pid)
        TRY(write_rusage(args[4], collected.cpu_nanoseconds + collected.children_cpu_nanoseconds));
    return 0;
}

#endif
