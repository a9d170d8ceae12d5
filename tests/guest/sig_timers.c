/* Timers that raise signals, and absolute sleeps: clock_nanosleep with TIMER_ABSTIME (and its
 * errors); alarm and setitimer/getitimer on the one ITIMER_REAL timer (alarm(0) cancelling and
 * returning the seconds left, periodic SIGALRM with si_code SI_KERNEL, one-shot, disarming,
 * errors); POSIX timers (timer_create with SIGEV_SIGNAL, SIGEV_NONE and the default sigevent,
 * timer_settime relative and absolute, timer_gettime, timer_getoverrun and si_overrun, the
 * siginfo with SI_TIMER, si_value and si_timerid, timer_delete). Times are lower bounds only. */
#define _GNU_SOURCE
#include "proc.h"

#include <stdint.h>
#include <sys/time.h>

#define MS 1000000LL

static long long ns_of(struct timespec t)
{
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long now_ns(clockid_t clock)
{
    struct timespec now;
    CHECK_OK(clock_gettime(clock, &now));
    return ns_of(now);
}

static struct timespec timespec_of(long long ns)
{
    return (struct timespec){ .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
}

static volatile int signals_seen, last_code, last_value;

static void counter(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)context;
    last_code = info->si_code;
    last_value = info->si_value.sival_int;
    ++signals_seen;
}

static void install(int signo)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = counter;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(signo, &sa, NULL));
}

static void block(int signo)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
}

static int is_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo);
}

static int wait_signal(int signo, siginfo_t *info)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    struct timespec timeout = { 20, 0 };
    memset(info, 0, sizeof *info);
    return sigtimedwait(&set, info, &timeout);
}

int main(void)
{
    /* clock_nanosleep with an absolute deadline, on both clocks; a past one returns at once. */
    long long deadline = now_ns(CLOCK_MONOTONIC) + 20 * MS;
    struct timespec when = timespec_of(deadline);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) >= deadline);
    deadline = now_ns(CLOCK_REALTIME) + 10 * MS;
    when = timespec_of(deadline);
    CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &when, NULL) == 0);
    CHECK(now_ns(CLOCK_REALTIME) >= deadline);
    when = (struct timespec){ 0, 0 }; /* (the monotonic clock may start at boot: no "now - 1 s") */
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == 0);
    struct timespec bad = { 0, 1000000000L };
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &bad, NULL) == EINVAL);
    when = (struct timespec){ 0, 1000 };
    CHECK_ERRNO(syscall(SYS_clock_nanosleep, 12345, 0, &when, NULL), EINVAL);
    /* A thread's CPU clock cannot be slept on (EOPNOTSUPP since Linux 4.x, EINVAL before). */
    CHECK(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &when, NULL) == -1);
    CHECK(errno == EOPNOTSUPP || errno == EINVAL);

    /* alarm: no alarm at first; alarm(0) cancels and returns the seconds left, rounded. */
    CHECK(alarm(0) == 0);
    CHECK(alarm(5) == 0);
    struct itimerval current;
    CHECK_OK(getitimer(ITIMER_REAL, &current));
    CHECK(current.it_value.tv_sec >= 3 && current.it_value.tv_sec <= 5);
    CHECK(current.it_interval.tv_sec == 0 && current.it_interval.tv_usec == 0);
    unsigned left = alarm(0);
    CHECK(left >= 4 && left <= 5);
    CHECK_OK(getitimer(ITIMER_REAL, &current));
    CHECK(current.it_value.tv_sec == 0 && current.it_value.tv_usec == 0);
    CHECK(syscall(SYS_alarm, 7) == 0);
    left = (unsigned)syscall(SYS_alarm, 0);
    CHECK(left >= 6 && left <= 7);

    /* setitimer: periodic SIGALRM every 10 ms from the kernel. */
    install(SIGALRM);
    struct itimerval every = { .it_value = { 0, 10000 }, .it_interval = { 0, 10000 } }, old;
    long long begin = monotonic_ns();
    CHECK_OK(setitimer(ITIMER_REAL, &every, &old));
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
    CHECK_OK(getitimer(ITIMER_REAL, &current));
    CHECK(current.it_interval.tv_sec == 0 && current.it_interval.tv_usec == 10000);
    CHECK(current.it_value.tv_sec == 0 && current.it_value.tv_usec <= 10000);
    WAIT_UNTIL(signals_seen >= 3, 20000);
    CHECK(monotonic_ns() - begin >= 30 * MS);
    CHECK(last_code == SI_KERNEL);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK_OK(setitimer(ITIMER_REAL, &off, &old));
    CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 10000);
    int seen = signals_seen;
    sleep_ms(30);
    CHECK(signals_seen == seen);
    /* One-shot. */
    struct itimerval once = { .it_value = { 0, 10000 } };
    begin = monotonic_ns();
    CHECK_OK(setitimer(ITIMER_REAL, &once, NULL));
    WAIT_UNTIL(signals_seen == seen + 1, 20000);
    CHECK(monotonic_ns() - begin >= 10 * MS);
    sleep_ms(30);
    CHECK(signals_seen == seen + 1);
    CHECK_OK(getitimer(ITIMER_REAL, &current));
    CHECK(current.it_value.tv_sec == 0 && current.it_value.tv_usec == 0);
    /* alarm and setitimer set the same timer. */
    struct itimerval later = { .it_value = { 6, 0 } };
    CHECK_OK(setitimer(ITIMER_REAL, &later, NULL));
    left = alarm(0);
    CHECK(left >= 5 && left <= 6);
    CHECK_OK(getitimer(ITIMER_REAL, &current));
    CHECK(current.it_value.tv_sec == 0 && current.it_value.tv_usec == 0);
    struct itimerval invalid = { .it_value = { 0, 1000000 } };
    CHECK_ERRNO(setitimer(ITIMER_REAL, &invalid, NULL), EINVAL);
    CHECK_ERRNO(setitimer(99, &once, NULL), EINVAL);
    CHECK_ERRNO(getitimer(99, &current), EINVAL);

    /* A POSIX timer with SIGEV_SIGNAL, one-shot, taken with sigtimedwait. */
    const int rt = SIGRTMIN;
    block(rt);
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = rt;
    event.sigev_value.sival_int = 77;
    timer_t timer;
    CHECK_OK(timer_create(CLOCK_MONOTONIC, &event, &timer));
    struct itimerspec spec = { .it_value = { 0, 20 * MS } }, got;
    begin = monotonic_ns();
    CHECK_OK(timer_settime(timer, 0, &spec, NULL));
    CHECK_OK(timer_gettime(timer, &got));
    CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_nsec > 0 && got.it_value.tv_nsec <= 20 * MS);
    CHECK(got.it_interval.tv_sec == 0 && got.it_interval.tv_nsec == 0);
    siginfo_t info;
    CHECK(wait_signal(rt, &info) == rt);
    CHECK(monotonic_ns() - begin >= 20 * MS);
    CHECK(info.si_code == SI_TIMER && info.si_value.sival_int == 77);
    CHECK(info.si_timerid == (int)(intptr_t)timer && info.si_overrun == 0);
    CHECK_OK(timer_gettime(timer, &got));
    CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0);

    /* Absolute expiry. */
    deadline = now_ns(CLOCK_MONOTONIC) + 15 * MS;
    spec = (struct itimerspec){ .it_value = timespec_of(deadline) };
    CHECK_OK(timer_settime(timer, TIMER_ABSTIME, &spec, NULL));
    CHECK(wait_signal(rt, &info) == rt);
    CHECK(now_ns(CLOCK_MONOTONIC) >= deadline);

    /* Periodic while the signal stays blocked: one signal, the rest counted as overruns. */
    spec = (struct itimerspec){ .it_value = { 0, 1 * MS }, .it_interval = { 0, 1 * MS } };
    CHECK_OK(timer_settime(timer, 0, &spec, NULL));
    sleep_ms(30);
    CHECK(is_pending(rt));
    CHECK(wait_signal(rt, &info) == rt);
    CHECK(info.si_code == SI_TIMER && info.si_overrun >= 10);
    CHECK(timer_getoverrun(timer) == info.si_overrun);
    struct itimerspec disarm = { { 0, 0 }, { 0, 0 } }, previous;
    CHECK_OK(timer_settime(timer, 0, &disarm, &previous));
    CHECK(previous.it_interval.tv_sec == 0 && previous.it_interval.tv_nsec == 1 * MS);
    CHECK_OK(timer_gettime(timer, &got));
    CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0);
    struct itimerspec bad_spec = { .it_value = { 0, 1000000000L } };
    CHECK_ERRNO(timer_settime(timer, 0, &bad_spec, NULL), EINVAL);
    sigset_t rt_set;
    sigemptyset(&rt_set);
    sigaddset(&rt_set, rt);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&rt_set, &info, &zero) == rt)
        ; /* a signal from before the disarm */
    CHECK_OK(timer_delete(timer));

    /* Delivered to a handler, periodically. */
    install(rt + 1);
    event.sigev_signo = rt + 1;
    event.sigev_value.sival_int = 88;
    CHECK_OK(timer_create(CLOCK_REALTIME, &event, &timer));
    signals_seen = 0;
    begin = monotonic_ns();
    spec = (struct itimerspec){ .it_value = { 0, 5 * MS }, .it_interval = { 0, 5 * MS } };
    CHECK_OK(timer_settime(timer, 0, &spec, NULL));
    WAIT_UNTIL(signals_seen >= 3, 20000);
    CHECK(monotonic_ns() - begin >= 15 * MS);
    CHECK(last_code == SI_TIMER && last_value == 88);
    CHECK_OK(timer_delete(timer));
    seen = signals_seen;
    sleep_ms(20);
    CHECK(signals_seen <= seen + 1); /* at most one that was already on its way */

    /* SIGEV_NONE: it runs down without a signal. */
    event.sigev_notify = SIGEV_NONE;
    CHECK_OK(timer_create(CLOCK_MONOTONIC, &event, &timer));
    spec = (struct itimerspec){ .it_value = { 0, 10 * MS } };
    CHECK_OK(timer_settime(timer, 0, &spec, NULL));
    CHECK_OK(timer_gettime(timer, &got));
    CHECK(got.it_value.tv_nsec > 0);
    sleep_ms(20);
    CHECK_OK(timer_gettime(timer, &got));
    CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0);
    CHECK_OK(timer_delete(timer));
    CHECK_ERRNO(timer_gettime(timer, &got), EINVAL);
    CHECK_ERRNO(syscall(SYS_timer_delete, (int)(intptr_t)timer), EINVAL); /* (musl's wrapper returns -EINVAL) */

    /* No sigevent: SIGALRM carrying the timer's id. */
    block(SIGALRM);
    CHECK_OK(timer_create(CLOCK_MONOTONIC, NULL, &timer));
    spec = (struct itimerspec){ .it_value = { 0, 5 * MS } };
    CHECK_OK(timer_settime(timer, 0, &spec, NULL));
    CHECK(wait_signal(SIGALRM, &info) == SIGALRM);
    CHECK(info.si_code == SI_TIMER && info.si_value.sival_int == (int)(intptr_t)timer);
    CHECK_OK(timer_delete(timer));

    /* Bad arguments. */
    event.sigev_notify = SIGEV_SIGNAL;
    CHECK_ERRNO(timer_create(12345, &event, &timer), EINVAL);
    event.sigev_notify = 12345;
    CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &event, &timer), EINVAL);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = 65;
    CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &event, &timer), EINVAL);

    return check_passed("sig_timers");
}
