/* eventfd and eventfd2: the flags (EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, bad ones), the
 * counter (a read takes it all, or 1 in semaphore mode), reads of fewer than 8 bytes, writes
 * of other than 8 and the forbidden value 0xffffffffffffffff (EINVAL), EAGAIN on an empty counter and on
 * a write that would pass 0xfffffffffffffffe, poll, select and edge-triggered epoll readiness,
 * blocked readers and writers woken by another process, reads interrupted by a handler without
 * SA_RESTART (EINTR) and restarted with it, and the /proc/self/fd link. */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/time.h>

#define MAXIMUM 0xfffffffffffffffeULL

static uint64_t read_counter(int fd)
{
    uint64_t value = 0;
    CHECK(read(fd, &value, sizeof value) == (ssize_t)sizeof value);
    return value;
}

static void write_counter(int fd, uint64_t value)
{
    CHECK(write(fd, &value, sizeof value) == (ssize_t)sizeof value);
}

static short poll_events(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
    CHECK(poll(&pfd, 1, 0) >= 0);
    return pfd.revents;
}

static void flags_and_arguments(void)
{
    CHECK_ERRNO(eventfd(0, 0x40), EINVAL);
    CHECK_ERRNO(eventfd(0, EFD_CLOEXEC | 2), EINVAL);

    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    CHECK_OK(fd);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == (O_RDWR | O_NONBLOCK));
    CHECK_OK(close(fd));

    /* The old call takes no flags; the initial value is an unsigned int. */
    fd = syscall(SYS_eventfd, 7);
    CHECK_OK(fd);
    CHECK(fcntl(fd, F_GETFD) == 0);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
    CHECK(read_counter(fd) == 7);
    CHECK_OK(close(fd));

    fd = eventfd(3, EFD_NONBLOCK);
    CHECK_OK(fd);
    char small[8];
    CHECK_ERRNO(read(fd, small, 7), EINVAL);
    CHECK_ERRNO(write(fd, small, 4), EINVAL);
    uint64_t forbidden = ~0ULL;
    CHECK_ERRNO(write(fd, &forbidden, sizeof forbidden), EINVAL);
    /* lseek succeeds without moving anything; pread is refused. */
    CHECK(lseek(fd, 5, SEEK_SET) == 0);
    CHECK_ERRNO(pread(fd, small, sizeof small, 0), ESPIPE);
    /* A longer buffer reads 8 bytes; a write must be exactly 8. */
    uint64_t big[2] = { 2, 99 };
    CHECK_ERRNO(write(fd, big, sizeof big), EINVAL);
    write_counter(fd, 2);
    big[0] = 0;
    CHECK(read(fd, big, sizeof big) == 8);
    CHECK(big[0] == 5 && big[1] == 99);

    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    CHECK(length > 0);
    target[length] = '\0';
    CHECK(strcmp(target, "anon_inode:[eventfd]") == 0);
    CHECK_OK(close(fd));
}

static void counter_rules(void)
{
    int fd = eventfd(0, EFD_NONBLOCK);
    CHECK_OK(fd);
    uint64_t value;
    CHECK_ERRNO(read(fd, &value, sizeof value), EAGAIN);
    write_counter(fd, 3);
    write_counter(fd, 4);
    CHECK(read_counter(fd) == 7);
    CHECK_ERRNO(read(fd, &value, sizeof value), EAGAIN);
    /* Adding nothing succeeds and leaves it unreadable. */
    write_counter(fd, 0);
    CHECK_ERRNO(read(fd, &value, sizeof value), EAGAIN);

    /* Up to the maximum, not past it. */
    write_counter(fd, MAXIMUM - 1);
    write_counter(fd, 1);
    value = 1;
    CHECK_ERRNO(write(fd, &value, sizeof value), EAGAIN);
    write_counter(fd, 0);
    CHECK(read_counter(fd) == MAXIMUM);
    CHECK_OK(close(fd));

    /* libc's helpers are the same read and write. */
    fd = eventfd(0, EFD_NONBLOCK);
    CHECK_OK(eventfd_write(fd, 9));
    eventfd_t taken = 0;
    CHECK_OK(eventfd_read(fd, &taken));
    CHECK(taken == 9);
    CHECK_OK(close(fd));

    /* Semaphore mode: one at a time. */
    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK_OK(fd);
    CHECK(read_counter(fd) == 1);
    write_counter(fd, 1);
    CHECK(read_counter(fd) == 1);
    CHECK(read_counter(fd) == 1);
    CHECK_ERRNO(read(fd, &value, sizeof value), EAGAIN);
    CHECK_OK(close(fd));
}

static void readiness(void)
{
    int fd = eventfd(0, EFD_NONBLOCK);
    CHECK_OK(fd);
    CHECK(poll_events(fd) == POLLOUT);
    write_counter(fd, 1);
    CHECK(poll_events(fd) == (POLLIN | POLLOUT));
    write_counter(fd, MAXIMUM - 1);
    CHECK(poll_events(fd) == POLLIN);

    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(fd, &readable);
    FD_SET(fd, &writable);
    struct timeval zero = { 0, 0 };
    CHECK(select(fd + 1, &readable, &writable, NULL, &zero) == 1);
    CHECK(FD_ISSET(fd, &readable) && !FD_ISSET(fd, &writable));
    CHECK(read_counter(fd) == MAXIMUM);
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(fd, &readable);
    FD_SET(fd, &writable);
    CHECK(select(fd + 1, &readable, &writable, NULL, &zero) == 1);
    CHECK(!FD_ISSET(fd, &readable) && FD_ISSET(fd, &writable));

    /* Edge-triggered epoll: every write is an edge for readers, every read one for writers. */
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    CHECK_OK(epoll);
    struct epoll_event event = { .events = EPOLLIN | EPOLLET, .data.u64 = 42 }, events[2];
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event));
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    write_counter(fd, 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(events[0].events == EPOLLIN && events[0].data.u64 == 42);
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    write_counter(fd, 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(events[0].events == EPOLLIN);
    CHECK(read_counter(fd) == 2);
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);

    event.events = EPOLLOUT | EPOLLET;
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event));
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(events[0].events == EPOLLOUT);
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    write_counter(fd, 5);
    CHECK(read_counter(fd) == 5);
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(events[0].events == EPOLLOUT);

    /* Level-triggered: reported until read. */
    event.events = EPOLLIN;
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event));
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    write_counter(fd, 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 1);
    CHECK(read_counter(fd) == 1);
    CHECK(epoll_wait(epoll, events, 2, 0) == 0);
    CHECK_OK(close(epoll));
    CHECK_OK(close(fd));
}

/* A child that waits ms, then writes value into (or, for value 0, reads from) fd, and exits. */
static pid_t later_in_child(int fd, long ms, uint64_t value)
{
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        sleep_ms(ms);
        if (value)
            write_counter(fd, value);
        else
            CHECK(read_counter(fd) != 0);
        _exit(0);
    }
    return child;
}

static void reap(pid_t child)
{
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void across_processes(void)
{
    /* A blocked reader woken by another process's write. */
    int fd = eventfd(0, 0);
    CHECK_OK(fd);
    long long start = monotonic_ns();
    pid_t child = later_in_child(fd, 100, 11);
    CHECK(read_counter(fd) == 11);
    CHECK(monotonic_ns() - start >= 90 * 1000000LL);
    reap(child);

    /* A blocked writer woken by another process's read. */
    write_counter(fd, MAXIMUM);
    child = later_in_child(fd, 100, 0);
    write_counter(fd, 3);
    reap(child);
    CHECK(read_counter(fd) == 3);

    /* A blocked poll and epoll_wait woken by another process's write. */
    child = later_in_child(fd, 50, 1);
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    CHECK(poll(&pfd, 1, -1) == 1 && pfd.revents == POLLIN);
    reap(child);
    CHECK(read_counter(fd) == 1);

    int epoll = epoll_create1(0);
    struct epoll_event event = { .events = EPOLLIN | EPOLLET, .data.u64 = 1 };
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event));
    child = later_in_child(fd, 50, 2);
    CHECK(epoll_wait(epoll, &event, 1, 10000) == 1);
    CHECK(event.events == EPOLLIN);
    reap(child);
    CHECK(read_counter(fd) == 2);
    CHECK_OK(close(epoll));

    /* Semaphore mode across processes: two blocked readers each take one. */
    int semaphore = eventfd(0, EFD_SEMAPHORE);
    pid_t readers[2];
    for (int index = 0; index < 2; ++index) {
        readers[index] = fork();
        CHECK_OK(readers[index]);
        if (readers[index] == 0) {
            CHECK(read_counter(semaphore) == 1);
            _exit(0);
        }
    }
    sleep_ms(50);
    write_counter(semaphore, 2);
    reap(readers[0]);
    reap(readers[1]);
    CHECK_OK(close(semaphore));
    CHECK_OK(close(fd));
}

static volatile sig_atomic_t alarms;

static void on_alarm(int signo)
{
    (void)signo;
    ++alarms;
}

static void arm_alarm(int flags, long ms)
{
    struct sigaction action = { .sa_handler = on_alarm, .sa_flags = flags };
    sigemptyset(&action.sa_mask);
    CHECK_OK(sigaction(SIGALRM, &action, NULL));
    struct itimerval timer = { .it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 } };
    CHECK_OK(setitimer(ITIMER_REAL, &timer, NULL));
}

static void interrupted_by_signals(void)
{
    int fd = eventfd(0, 0);
    CHECK_OK(fd);
    uint64_t value;

    alarms = 0;
    arm_alarm(0, 50);
    CHECK_ERRNO(read(fd, &value, sizeof value), EINTR);
    CHECK(alarms == 1);

    write_counter(fd, MAXIMUM);
    arm_alarm(0, 50);
    value = 1;
    CHECK_ERRNO(write(fd, &value, sizeof value), EINTR);
    CHECK(alarms == 2);
    CHECK(read_counter(fd) == MAXIMUM);

    /* With SA_RESTART the read goes on after the handler until the write comes. */
    arm_alarm(SA_RESTART, 50);
    pid_t child = later_in_child(fd, 300, 8);
    CHECK(read_counter(fd) == 8);
    CHECK(alarms == 3);
    reap(child);
    signal(SIGALRM, SIG_DFL);
    CHECK_OK(close(fd));
}

int main(void)
{
    flags_and_arguments();
    counter_rules();
    readiness();
    across_processes();
    interrupted_by_signals();
    return check_passed("eventfd");
}
