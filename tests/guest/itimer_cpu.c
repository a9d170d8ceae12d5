/* setitimer(2) on CPU time: ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF) advance
 * only while the process runs, repeat with their interval, read back with getitimer, and stop
 * when disarmed; a bad timer or time is EINVAL. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t vtalrm_count, prof_count;

static void on_vtalrm(int signal) { (void)signal; ++vtalrm_count; }
static void on_prof(int signal) { (void)signal; ++prof_count; }

static double now(void)
{
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

/* Burns CPU until the counter reaches `wanted`, for at most 30 s of wall time. */
static void spin_until(volatile sig_atomic_t *counter, int wanted)
{
    double start = now();
    while (*counter < wanted && now() - start < 30)
        for (volatile int i = 0; i < 10000; ++i) { }
    CHECK(*counter >= wanted);
}

int main(void)
{
    struct sigaction action = { .sa_handler = on_vtalrm };
    CHECK_OK(sigaction(SIGVTALRM, &action, NULL));
    action.sa_handler = on_prof;
    CHECK_OK(sigaction(SIGPROF, &action, NULL));

    /* 20 ms of CPU time, then every 20 ms. */
    struct itimerval every = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } };
    struct itimerval previous;
    CHECK_OK(setitimer(ITIMER_VIRTUAL, &every, &previous));
    CHECK(previous.it_value.tv_sec == 0 && previous.it_value.tv_usec == 0);
    struct itimerval state;
    CHECK_OK(getitimer(ITIMER_VIRTUAL, &state));
    CHECK(state.it_interval.tv_sec == 0 && state.it_interval.tv_usec == 20000);
    /* Linux rounds CPU-time timers to its clock tick. */
    CHECK(state.it_value.tv_sec == 0 && state.it_value.tv_usec > 0 && state.it_value.tv_usec <= 40000);
    spin_until(&vtalrm_count, 3);

    /* Sleeping uses no CPU time: no signal for much longer than the interval. */
    int before = vtalrm_count;
    struct timespec pause_time = { 0, 300 * 1000 * 1000 };
    while (nanosleep(&pause_time, &pause_time) == -1 && errno == EINTR) { }
    CHECK(vtalrm_count <= before + 1);

    /* Disarmed: the old setting comes back and nothing more arrives. */
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK_OK(setitimer(ITIMER_VIRTUAL, &off, &previous));
    CHECK(previous.it_interval.tv_usec == 20000);
    before = vtalrm_count;
    double start = now();
    while (now() - start < 0.2)
        for (volatile int i = 0; i < 10000; ++i) { }
    CHECK(vtalrm_count == before);
    CHECK_OK(getitimer(ITIMER_VIRTUAL, &state));
    CHECK(state.it_value.tv_sec == 0 && state.it_value.tv_usec == 0 && state.it_interval.tv_usec == 0);

    /* ITIMER_PROF, once. */
    struct itimerval once = { { 0, 0 }, { 0, 30000 } };
    CHECK_OK(setitimer(ITIMER_PROF, &once, NULL));
    spin_until(&prof_count, 1);
    CHECK_OK(getitimer(ITIMER_PROF, &state));
    CHECK(state.it_value.tv_sec == 0 && state.it_value.tv_usec == 0);

    CHECK_ERRNO(setitimer(3, &once, NULL), EINVAL);
    CHECK_ERRNO(getitimer(-1, &state), EINVAL);
    struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
    CHECK_ERRNO(setitimer(ITIMER_VIRTUAL, &bad, NULL), EINVAL);
    return check_passed("itimer_cpu");
}
