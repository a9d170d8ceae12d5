// Timers that raise signals: alarm(2), setitimer(2) (ITIMER_REAL, and ITIMER_VIRTUAL and
// ITIMER_PROF on the process's CPU time), and POSIX timers (timer_create(2) with SIGEV_SIGNAL,
// SIGEV_THREAD_ID or SIGEV_NONE).
#include <cstring>

#include <lib/user_memory.h>
#include <plat/clock.h>
#include <process/clock.h>
#include <process/process.h>
#include <sched/timer.h>
#include <signal/delivery.h>
#include <signal/signal_state.h>
#include <syscall/syscall.h>

namespace signal {

namespace {

using process::nanoseconds_per_second;
using process::clock_realtime;
using process::clock_monotonic;
using process::clock_boottime;
using process::Itimerspec;
using process::to_timespec;
constexpr int sigalrm_number = 14;
constexpr int sigvtalrm_number = 26;
constexpr int sigprof_number = 27;
constexpr int itimer_real = 0, itimer_virtual = 1, itimer_prof = 2;
constexpr int sigev_signal = 0, sigev_none = 1, sigev_thread = 2, sigev_thread_id = 4;
constexpr int timer_abstime = 1;
constexpr size_t max_posix_timers = 256;

struct PosixTimer {
    int id { 0 };
    int clock { clock_monotonic };
    int notify { sigev_signal };
    int signo { 0 };
    uint64_t value { 0 };
    int target_tid { 0 };
    uint64_t interval { 0 };
    uint32_t overrun { 0 };          // as of the last signal taken (timer_getoverrun)
    uint32_t pending_overrun { 0 };  // expiries while its signal was still pending
    bool signal_pending { false };
    bool in_use { false };
    process::Process* process { nullptr };
    sched::Timer timer;
};

}

// ITIMER_VIRTUAL or ITIMER_PROF: a deadline on the process's CPU time. The kernel does not
// tell user time from system time, so both count all of it (as getrusage reports it). With one
// CPU, CPU time never runs ahead of the clock: a kernel timer looks at the wall-clock time the
// deadline would be reached if the process ran all along, and looks again later if it did not.
struct CpuTimer {
    process::Process* process { nullptr };
    int signal_number { 0 };
    uint64_t deadline { 0 }; // in the process's CPU nanoseconds; 0 when disarmed
    uint64_t interval { 0 };
    sched::Timer check;
};

struct ProcessTimers {
    process::Process* process { nullptr };
    sched::Timer real;
    uint64_t real_interval { 0 };
    CpuTimer cpu[2]; // ITIMER_VIRTUAL, ITIMER_PROF
    PosixTimer posix[max_posix_timers];
};

void destroy_timers(ProcessTimers* timers) { delete timers; }

// A timer's signal was taken (delivered, waited for, read from a signalfd): it carries the
// overruns counted meanwhile, and the timer may send again.
void timer_signal_taken(SignalState& state, PendingInfo& info)
{
    if (!state.timers || info.pid < 0 || size_t(info.pid) >= max_posix_timers)
        return;
    auto& timer = state.timers->posix[info.pid];
    if (!timer.in_use)
        return;
    timer.overrun = timer.pending_overrun > 0x7fff'ffff ? 0x7fff'ffff : timer.pending_overrun;
    timer.pending_overrun = 0;
    timer.signal_pending = false;
    info.status = int32_t(timer.overrun);
}

void delete_posix_timers(ProcessTimers* timers)
{
    if (!timers)
        return;
    for (auto& timer : timers->posix) {
        timer.timer.cancel();
        timer.in_use = false;
    }
}

namespace {

ErrorOr<ProcessTimers*> timers_of(process::Process& process)
{
    auto* state = process.signal_state();
    if (!state->timers) {
        auto* timers = new (std::nothrow) ProcessTimers();
        if (!timers)
            return Error(ENOMEM);
        timers->process = &process;
        for (auto& timer : timers->cpu)
            timer.process = &process;
        timers->cpu[0].signal_number = sigvtalrm_number;
        timers->cpu[1].signal_number = sigprof_number;
        state->timers = timers;
        state->timers_release = destroy_timers;
    }
    return state->timers;
}

void real_timer_expired(void* argument)
{
    auto* timers = static_cast<ProcessTimers*>(argument);
    send_to_process(*timers->process, sigalrm_number, PendingInfo { .code = si_kernel, .pid = 0, .status = 0, .address = 0 });
    if (timers->real_interval) {
        uint64_t next = timers->real.deadline() + timers->real_interval;
        uint64_t now = plat::monotonic_nanoseconds();
        if (next <= now)
            next = now + timers->real_interval;
        timers->real.arm(next, real_timer_expired, timers);
    }
}

void cpu_timer_check(void* argument)
{
    auto* timer = static_cast<CpuTimer*>(argument);
    if (!timer->deadline)
        return;
    uint64_t used = timer->process->total_cpu_nanoseconds();
    uint64_t now = plat::monotonic_nanoseconds();
    if (used < timer->deadline) {
        timer->check.arm(now + (timer->deadline - used), cpu_timer_check, timer);
        return;
    }
    send_to_process(*timer->process, timer->signal_number, PendingInfo { .code = si_kernel, .pid = 0, .status = 0, .address = 0 });
    if (!timer->interval) {
        timer->deadline = 0;
        return;
    }
    timer->deadline += timer->interval;
    if (timer->deadline <= used)
        timer->deadline = used + timer->interval;
    timer->check.arm(now + (timer->deadline - used), cpu_timer_check, timer);
}

void posix_timer_expired(void* argument)
{
    auto* timer = static_cast<PosixTimer*>(argument);
    uint64_t now = plat::monotonic_nanoseconds();
    uint32_t missed = 0;
    if (timer->interval) {
        uint64_t next = timer->timer.deadline() + timer->interval;
        if (next <= now) {
            uint64_t late = (now - next) / timer->interval + 1;
            missed = uint32_t(late > 0x7fff'ffff ? 0x7fff'ffff : late);
            next += late * timer->interval;
        }
        timer->timer.arm(next, posix_timer_expired, timer);
    }
    // One signal at a time per timer: expiries while it is still pending count as overruns.
    if (timer->signal_pending) {
        timer->pending_overrun += 1 + missed;
        return;
    }
    timer->pending_overrun += missed;
    if (timer->notify == sigev_none)
        return;
    PendingInfo info { .code = si_timer, .pid = timer->id, .status = 0, .address = timer->value };
    sched::Thread* target = timer->notify == sigev_thread_id ? process::find_thread(timer->target_tid) : nullptr;
    if (target && target->process() == timer->process)
        send_to_thread(*target, timer->signo, info);
    else
        send_to_process(*timer->process, timer->signo, info);
    // Dropped as ignored, the signal is not pending and the next expiry sends again.
    uint64_t pending = timer->process->signal_state()->pending | (target ? target->pending_signals : 0);
    timer->signal_pending = pending & bit_of(timer->signo);
}

struct Timeval {
    int64_t seconds;
    int64_t microseconds;
};
struct Itimerval {
    Timeval interval;
    Timeval value;
};

ErrorOr<uint64_t> from_timeval(Timeval const& value)
{
    if (value.seconds < 0 || value.microseconds < 0 || value.microseconds >= 1'000'000)
        return Error(EINVAL);
    return uint64_t(value.seconds) * nanoseconds_per_second + uint64_t(value.microseconds) * 1000;
}


Timeval to_timeval(uint64_t nanoseconds)
{
    // Linux rounds a remaining time up to the next microsecond, so a running timer never
    // reads as zero.
    uint64_t microseconds = (nanoseconds + 999) / 1000;
    return { int64_t(microseconds / 1'000'000), int64_t(microseconds % 1'000'000) };
}


uint64_t remaining(sched::Timer const& timer)
{
    if (!timer.is_armed())
        return 0;
    uint64_t now = plat::monotonic_nanoseconds();
    return timer.deadline() > now ? timer.deadline() - now : 1;
}

Itimerval real_timer_state(ProcessTimers& timers)
{
    return { to_timeval(timers.real_interval), to_timeval(remaining(timers.real)) };
}

Itimerval cpu_timer_state(CpuTimer& timer)
{
    if (!timer.deadline)
        return { to_timeval(timer.interval), to_timeval(0) };
    uint64_t used = timer.process->total_cpu_nanoseconds();
    return { to_timeval(timer.interval), to_timeval(timer.deadline > used ? timer.deadline - used : 1) };
}

void set_cpu_timer(CpuTimer& timer, uint64_t value, uint64_t interval)
{
    timer.interval = value ? interval : 0;
    if (!value) {
        timer.deadline = 0;
        timer.check.cancel();
        return;
    }
    timer.deadline = timer.process->total_cpu_nanoseconds() + value;
    timer.check.arm(plat::monotonic_nanoseconds() + value, cpu_timer_check, &timer);
}

void set_real_timer(ProcessTimers& timers, uint64_t value, uint64_t interval)
{
    timers.real_interval = value ? interval : 0;
    if (value)
        timers.real.arm(plat::monotonic_nanoseconds() + value, real_timer_expired, &timers);
    else
        timers.real.cancel();
}

ErrorOr<PosixTimer*> posix_timer(int id)
{
    auto* timers = TRY(timers_of(process::current()));
    if (id < 0 || size_t(id) >= max_posix_timers || !timers->posix[id].in_use)
        return Error(EINVAL);
    return &timers->posix[id];
}

// Deadlines are kept on the monotonic clock; a realtime absolute time is converted at arming.
uint64_t now_on(int clock) { return clock == clock_realtime ? plat::realtime_nanoseconds() : plat::monotonic_nanoseconds(); }

}

}

using namespace signal;

// alarm(2): seconds left on the previous alarm, rounded to the nearest second (at least 1
// when one was pending).
SYSCALL_HANDLER(alarm)
{
    auto* timers = TRY(timers_of(process::current()));
    uint64_t left = remaining(timers->real);
    uint64_t seconds = (left + nanoseconds_per_second / 2) / nanoseconds_per_second;
    if (left && !seconds)
        seconds = 1;
    set_real_timer(*timers, uint64_t(uint32_t(args[0])) * nanoseconds_per_second, 0);
    return long(seconds);
}

// getitimer(2), setitimer(2): ITIMER_REAL on the clock, ITIMER_VIRTUAL and ITIMER_PROF on the
// process's CPU time.
SYSCALL_HANDLER(getitimer)
{
    int which = args.as_int(0);
    if (which != itimer_real && which != itimer_virtual && which != itimer_prof)
        return Error(EINVAL);
    auto* timers = TRY(timers_of(process::current()));
    auto state = which == itimer_real ? real_timer_state(*timers) : cpu_timer_state(timers->cpu[which - 1]);
    TRY(args.pointer<Itimerval>(1).write(state));
    return 0;
}

SYSCALL_HANDLER(setitimer)
{
    int which = args.as_int(0);
    if (which != itimer_real && which != itimer_virtual && which != itimer_prof)
        return Error(EINVAL);
    auto* timers = TRY(timers_of(process::current()));
    Itimerval requested {};
    if (args[1])
        requested = TRY(args.pointer<Itimerval>(1).read());
    uint64_t value = TRY(from_timeval(requested.value));
    uint64_t interval = TRY(from_timeval(requested.interval));
    if (which == itimer_real) {
        auto previous = real_timer_state(*timers);
        set_real_timer(*timers, value, interval);
        if (args[2])
            TRY(args.pointer<Itimerval>(2).write(previous));
        return 0;
    }
    auto& timer = timers->cpu[which - 1];
    auto previous = cpu_timer_state(timer);
    set_cpu_timer(timer, value, interval);
    if (args[2])
        TRY(args.pointer<Itimerval>(2).write(previous));
    return 0;
}

// timer_create(2)
SYSCALL_HANDLER(timer_create)
{
    int clock = args.as_int(0);
    if (clock != clock_realtime && clock != clock_monotonic && clock != clock_boottime)
        return Error(EINVAL);
    auto& process = process::current();
    auto* timers = TRY(timers_of(process));
    struct {
        uint64_t value;
        int32_t signo;
        int32_t notify;
        int32_t thread_id;
        int32_t padding[11];
    } event {};
    if (args[1]) {
        TRY(copy_from_user(&event, args[1], sizeof(event)));
    } else {
        event.notify = sigev_signal;
        event.signo = sigalrm_number;
    }
    if (event.notify != sigev_signal && event.notify != sigev_none && event.notify != sigev_thread_id)
        return Error(event.notify == sigev_thread ? EINVAL : EINVAL);
    if (event.notify != sigev_none && (event.signo < 1 || event.signo > signal_count))
        return Error(EINVAL);
    if (event.notify == sigev_thread_id) {
        auto* target = process::find_thread(event.thread_id);
        if (!target || target->process() != &process)
            return Error(EINVAL);
    }
    for (size_t id = 0; id < max_posix_timers; ++id) {
        auto& timer = timers->posix[id];
        if (timer.in_use)
            continue;
        timer.in_use = true;
        timer.id = int(id);
        timer.clock = clock;
        timer.notify = event.notify;
        timer.signo = event.signo;
        timer.value = args[1] ? event.value : uint64_t(id);
        timer.target_tid = event.thread_id;
        timer.interval = 0;
        timer.overrun = 0;
        timer.process = &process;
        if (auto written = args.pointer<int32_t>(2).write(int32_t(id)); written.is_error()) {
            timer.in_use = false;
            return written.release_error();
        }
        return 0;
    }
    return Error(EAGAIN);
}

// timer_settime(2)
SYSCALL_HANDLER(timer_settime)
{
    auto* timer = TRY(posix_timer(args.as_int(0)));
    int flags = args.as_int(1);
    auto requested = TRY(args.pointer<Itimerspec>(2).read());
    uint64_t value = TRY(process::nanoseconds_of(requested.value));
    uint64_t interval = TRY(process::nanoseconds_of(requested.interval));
    if (args[3]) {
        Itimerspec previous { to_timespec(timer->interval), to_timespec(remaining(timer->timer)) };
        TRY(args.pointer<Itimerspec>(3).write(previous));
    }
    timer->interval = value ? interval : 0;
    timer->overrun = 0;
    timer->pending_overrun = 0;
    if (!value) {
        timer->timer.cancel();
        return 0;
    }
    uint64_t delay = value;
    if (flags & timer_abstime) {
        uint64_t now = now_on(timer->clock);
        delay = value > now ? value - now : 0;
    }
    timer->timer.arm(plat::monotonic_nanoseconds() + delay, posix_timer_expired, timer);
    return 0;
}

// timer_gettime(2)
SYSCALL_HANDLER(timer_gettime)
{
    auto* timer = TRY(posix_timer(args.as_int(0)));
    Itimerspec current { to_timespec(timer->interval), to_timespec(remaining(timer->timer)) };
    TRY(args.pointer<Itimerspec>(1).write(current));
    return 0;
}

// timer_getoverrun(2)
SYSCALL_HANDLER(timer_getoverrun)
{
    auto* timer = TRY(posix_timer(args.as_int(0)));
    return long(timer->overrun);
}

// timer_delete(2)
SYSCALL_HANDLER(timer_delete)
{
    auto* timer = TRY(posix_timer(args.as_int(0)));
    timer->timer.cancel();
    timer->in_use = false;
    return 0;
}
