/* timerfd_create, timerfd_settime and timerfd_gettime: the clocks (CLOCK_REALTIME,
 * CLOCK_MONOTONIC, CLOCK_BOOTTIME; the alarm clocks only with CAP_WAKE_ALARM) and flags
 * (TFD_CLOEXEC, TFD_NONBLOCK, bad ones), one-shot and interval timers counting their
 * expirations, relative and absolute (TFD_TIMER_ABSTIME, in the past firing at once) times,
 * TFD_TIMER_CANCEL_ON_SET accepted, the old value from settime, disarming, the time left from
 * gettime, the EINVAL cases, reads of fewer than 8 bytes, EAGAIN, poll and edge-triggered epoll
 * readiness, a read in a forked child, a read interrupted by a signal handler (EINTR) and the
 * /proc/self/fd link. */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>

#define MS 1000000LL

static long long ns_of(struct timespec value) { return (long long)value.tv_sec * 1000000000LL + value.tv_nsec; }

static struct timespec timespec_of(long long ns) { return (struct timespec) { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL }; }

static long long clock_ns(clockid_t clock)
{
    struct timespec now;
    CHECK_OK(clock_gettime(clock, &now));
    return ns_of(now);
}

static void set_timer(int fd, int flags, long long value_ns, long long interval_ns)
{
    struct itimerspec setting = { .it_interval = timespec_of(interval_ns), .it_value = timespec_of(value_ns) };
    CHECK_OK(timerfd_settime(fd, flags, &setting, NULL));
}

static uint64_t read_ticks(int fd)
{
    uint64_t ticks = 0;
    CHECK(read(fd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks);
    return ticks;
}

static int readable(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
    int ready = poll(&pfd, 1, timeout_ms);
    CHECK(ready >= 0);
    CHECK(ready == 0 || pfd.revents == POLLIN);
    return ready;
}

static void creation(void)
{
    CHECK_ERRNO(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL);
    CHECK_ERRNO(timerfd_create(-1, 0), EINVAL);
    CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
    CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | 0x1000), EINVAL);

    /* The alarm clocks need CAP_WAKE_ALARM, which root has. */
    clockid_t alarms[] = { CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM };
    for (int index = 0; index < 2; ++index) {
        if (geteuid() == 0) {
            int fd = timerfd_create(alarms[index], 0);
            CHECK_OK(fd);
            CHECK_OK(close(fd));
        } else {
            CHECK_ERRNO(timerfd_create(alarms[index], 0), EPERM);
        }
    }

    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    CHECK_OK(fd);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == (O_RDWR | O_NONBLOCK));
    CHECK_OK(close(fd));

    fd = timerfd_create(CLOCK_REALTIME, 0);
    CHECK_OK(fd);
    CHECK(fcntl(fd, F_GETFD) == 0);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
    struct itimerspec current;
    memset(&current, 0xff, sizeof current);
    CHECK_OK(timerfd_gettime(fd, &current));
    CHECK(ns_of(current.it_value) == 0 && ns_of(current.it_interval) == 0);

    uint64_t ticks;
    char small[4];
    CHECK_ERRNO(read(fd, small, sizeof small), EINVAL);
    CHECK_ERRNO(write(fd, &ticks, sizeof ticks), EINVAL);
    CHECK(lseek(fd, 3, SEEK_SET) == 0);
    CHECK_ERRNO(pread(fd, &ticks, sizeof ticks, 0), ESPIPE);

    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    CHECK(length > 0);
    target[length] = '\0';
    CHECK(strcmp(target, "anon_inode:[timerfd]") == 0);
    CHECK_OK(close(fd));
}

static void argument_errors(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK_OK(fd);
    struct itimerspec setting = { .it_value = { 1, 0 } }, current;
    CHECK_ERRNO(timerfd_settime(fd, 4, &setting, NULL), EINVAL);
    setting.it_value.tv_nsec = -1;
    CHECK_ERRNO(timerfd_settime(fd, 0, &setting, NULL), EINVAL);
    setting.it_value.tv_nsec = 1000000000;
    CHECK_ERRNO(timerfd_settime(fd, 0, &setting, NULL), EINVAL);
    setting.it_value = (struct timespec) { -1, 0 };
    CHECK_ERRNO(timerfd_settime(fd, 0, &setting, NULL), EINVAL);
    /* The interval is checked even when disarming. */
    setting.it_value = (struct timespec) { 0, 0 };
    setting.it_interval = (struct timespec) { 0, 1000000000 };
    CHECK_ERRNO(timerfd_settime(fd, 0, &setting, NULL), EINVAL);
    CHECK_ERRNO(timerfd_settime(fd, 0, (struct itimerspec *)8, NULL), EFAULT);
    setting.it_interval = (struct timespec) { 0, 0 };

    /* Descriptors that are not timerfds. */
    int other = eventfd(0, 0);
    CHECK_ERRNO(timerfd_settime(other, 0, &setting, NULL), EINVAL);
    CHECK_ERRNO(timerfd_gettime(other, &current), EINVAL);
    CHECK_OK(close(other));
    CHECK_ERRNO(timerfd_settime(other, 0, &setting, NULL), EBADF);
    CHECK_ERRNO(timerfd_gettime(other, &current), EBADF);
    CHECK_ERRNO(timerfd_gettime(fd, (struct itimerspec *)8), EFAULT);

    /* TFD_TIMER_CANCEL_ON_SET is accepted, with or without TFD_TIMER_ABSTIME. */
    CHECK_OK(timerfd_settime(fd, TFD_TIMER_CANCEL_ON_SET, &setting, NULL));
    int realtime = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    CHECK_OK(realtime);
    set_timer(realtime, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clock_ns(CLOCK_REALTIME) + 60000 * MS, 0);
    uint64_t ticks;
    CHECK_ERRNO(read(realtime, &ticks, sizeof ticks), EAGAIN);
    CHECK_OK(close(realtime));
    CHECK_OK(close(fd));
}

static void one_shot_timers(void)
{
    clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
    for (int index = 0; index < 3; ++index) {
        int fd = timerfd_create(clocks[index], 0);
        CHECK_OK(fd);
        long long start = monotonic_ns();
        set_timer(fd, 0, 50 * MS, 0);
        struct itimerspec current;
        CHECK_OK(timerfd_gettime(fd, &current));
        CHECK(ns_of(current.it_value) > 0 && ns_of(current.it_value) <= 50 * MS);
        CHECK(ns_of(current.it_interval) == 0);
        CHECK(readable(fd, 0) == 0);
        CHECK(read_ticks(fd) == 1);
        CHECK(monotonic_ns() - start >= 45 * MS);
        /* Expired: nothing left, nothing more to read. */
        CHECK_OK(timerfd_gettime(fd, &current));
        CHECK(ns_of(current.it_value) == 0 && ns_of(current.it_interval) == 0);
        CHECK_OK(fcntl(fd, F_SETFL, O_NONBLOCK));
        uint64_t ticks;
        CHECK_ERRNO(read(fd, &ticks, sizeof ticks), EAGAIN);
        CHECK_OK(close(fd));
    }

    /* An expiry not yet read is dropped by the next settime. */
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    set_timer(fd, 0, 1 * MS, 0);
    CHECK(readable(fd, 5000) == 1);
    set_timer(fd, 0, 60000 * MS, 0);
    uint64_t ticks;
    CHECK_ERRNO(read(fd, &ticks, sizeof ticks), EAGAIN);

    /* settime gives the old setting; a zero value disarms. */
    struct itimerspec setting = { .it_interval = { 7, 5 }, .it_value = { 20, 0 } }, old;
    CHECK_OK(timerfd_settime(fd, 0, &setting, &old));
    CHECK(ns_of(old.it_interval) == 0);
    CHECK(ns_of(old.it_value) > 59000 * MS && ns_of(old.it_value) <= 60000 * MS);
    setting = (struct itimerspec) { .it_interval = { 1, 0 }, .it_value = { 0, 0 } };
    CHECK_OK(timerfd_settime(fd, 0, &setting, &old));
    CHECK(old.it_interval.tv_sec == 7 && old.it_interval.tv_nsec == 5);
    CHECK(ns_of(old.it_value) > 19000 * MS && ns_of(old.it_value) <= 20000 * MS);
    CHECK_OK(timerfd_gettime(fd, &old));
    CHECK(ns_of(old.it_value) == 0);
    set_timer(fd, 0, 30 * MS, 0);
    set_timer(fd, 0, 0, 0);
    sleep_ms(100);
    CHECK_ERRNO(read(fd, &ticks, sizeof ticks), EAGAIN);
    CHECK(readable(fd, 0) == 0);
    CHECK_OK(close(fd));
}

static void absolute_times(void)
{
    /* In the past: at once. */
    int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    CHECK_OK(fd);
    set_timer(fd, TFD_TIMER_ABSTIME, clock_ns(CLOCK_REALTIME) - 1000 * MS, 0);
    CHECK(readable(fd, 2000) == 1);
    CHECK(read_ticks(fd) == 1);
    struct itimerspec current;
    CHECK_OK(timerfd_gettime(fd, &current));
    CHECK(ns_of(current.it_value) == 0);
    /* Time zero of the real-time clock is long gone too. */
    set_timer(fd, TFD_TIMER_ABSTIME, 1, 0);
    CHECK(readable(fd, 2000) == 1);
    CHECK(read_ticks(fd) == 1);

    /* In the future: waits until then; gettime gives the time left, not the time set. */
    CHECK_OK(fcntl(fd, F_SETFL, 0));
    long long start = monotonic_ns();
    set_timer(fd, TFD_TIMER_ABSTIME, clock_ns(CLOCK_REALTIME) + 100 * MS, 0);
    CHECK_OK(timerfd_gettime(fd, &current));
    CHECK(ns_of(current.it_value) > 0 && ns_of(current.it_value) <= 100 * MS);
    CHECK(read_ticks(fd) == 1);
    CHECK(monotonic_ns() - start >= 90 * MS);
    CHECK_OK(close(fd));

    /* A periodic timer that started in the past counts the periods since (a virtual machine
     * may have been up for less than the second this goes back). */
    if (clock_ns(CLOCK_MONOTONIC) < 1500 * MS)
        sleep_ms(1500);
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK_OK(fd);
    set_timer(fd, TFD_TIMER_ABSTIME, clock_ns(CLOCK_MONOTONIC) - 1000 * MS, 100 * MS);
    uint64_t ticks = read_ticks(fd);
    CHECK(ticks >= 10 && ticks <= 60);
    CHECK_OK(timerfd_gettime(fd, &current));
    CHECK(ns_of(current.it_interval) == 100 * MS);
    CHECK(ns_of(current.it_value) > 0 && ns_of(current.it_value) <= 100 * MS);
    CHECK_OK(close(fd));
}

static void interval_timers(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK_OK(fd);
    long long start = monotonic_ns();
    set_timer(fd, 0, 20 * MS, 20 * MS);
    sleep_ms(300);
    /* Asking for the time left re-arms it without losing the count. */
    struct itimerspec current;
    CHECK_OK(timerfd_gettime(fd, &current));
    CHECK(ns_of(current.it_interval) == 20 * MS);
    CHECK(ns_of(current.it_value) > 0 && ns_of(current.it_value) <= 20 * MS);
    uint64_t ticks = read_ticks(fd);
    long long elapsed = monotonic_ns() - start;
    CHECK(ticks >= 14);
    CHECK((long long)ticks <= elapsed / (20 * MS) + 1);
    /* And it goes on. */
    CHECK(read_ticks(fd) >= 1);
    /* Disarmed, it keeps the interval it was given. */
    set_timer(fd, 0, 0, 30 * MS);
    CHECK_OK(timerfd_gettime(fd, &current));
    CHECK(ns_of(current.it_value) == 0 && ns_of(current.it_interval) == 30 * MS);
    CHECK_OK(close(fd));
}

static void epoll_and_children(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK_OK(fd);
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    CHECK_OK(epoll);
    struct epoll_event event = { .events = EPOLLIN | EPOLLET, .data.u64 = 7 }, events[2];
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event));
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    set_timer(fd, 0, 50 * MS, 0);
    CHECK(epoll_wait(epoll, events, 2, 5000) == 1);
    CHECK(events[0].events == EPOLLIN && events[0].data.u64 == 7);
    /* One edge per expiry. */
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    CHECK(read_ticks(fd) == 1);
    set_timer(fd, 0, 30 * MS, 0);
    CHECK(epoll_wait(epoll, events, 2, 5000) == 1);
    CHECK(read_ticks(fd) == 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);

    /* Level-triggered: reported until read. */
    event.events = EPOLLIN;
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event));
    set_timer(fd, 0, 1 * MS, 0);
    CHECK(epoll_wait(epoll, events, 2, 5000) == 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(read_ticks(fd) == 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    CHECK_OK(close(epoll));

    /* A forked child blocks reading the shared timer; its parent arms it. */
    CHECK_OK(fcntl(fd, F_SETFL, 0));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        CHECK(read_ticks(fd) == 1);
        _exit(0);
    }
    sleep_ms(50);
    set_timer(fd, 0, 50 * MS, 0);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_OK(close(fd));
}

static volatile sig_atomic_t alarms;

static void on_alarm(int signo)
{
    (void)signo;
    ++alarms;
}

static void interrupted_by_a_signal(void)
{
    struct sigaction action = { .sa_handler = on_alarm, .sa_flags = 0 };
    sigemptyset(&action.sa_mask);
    CHECK_OK(sigaction(SIGALRM, &action, NULL));
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK_OK(fd);
    struct itimerval timer = { .it_value = { .tv_sec = 0, .tv_usec = 50000 } };
    CHECK_OK(setitimer(ITIMER_REAL, &timer, NULL));
    uint64_t ticks;
    CHECK_ERRNO(read(fd, &ticks, sizeof ticks), EINTR);
    CHECK(alarms == 1);
    signal(SIGALRM, SIG_DFL);
    CHECK_OK(close(fd));
}

int main(void)
{
    creation();
    argument_errors();
    one_shot_timers();
    absolute_times();
    interval_timers();
    epoll_and_children();
    interrupted_by_a_signal();
    return check_passed("timerfd");
}
