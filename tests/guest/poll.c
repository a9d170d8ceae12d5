/* poll, ppoll, select and pselect on pipes, files and devices: readiness, POLLHUP, POLLERR,
 * POLLNVAL, EBADF, timeouts, the time left written back, a temporary signal mask, and many
 * pipes fed by children that close some of them without writing. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec now;
    CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &now));
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec request = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&request, &request) != 0)
        CHECK(errno == EINTR);
}

static void wait_for(pid_t child)
{
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void poll_basics(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    int null = open("/dev/null", O_RDWR);
    CHECK_OK(null);
    struct pollfd entries[5] = {
        { .fd = fds[0], .events = POLLIN },
        { .fd = fds[1], .events = POLLOUT | POLLIN },
        { .fd = null, .events = POLLIN | POLLOUT | POLLPRI },
        { .fd = -1, .events = POLLIN, .revents = 77 },
        { .fd = 1000, .events = POLLIN },
    };
    CHECK(poll(entries, 5, 0) == 3);
    CHECK(entries[0].revents == 0);
    /* A write end is never readable. */
    CHECK(entries[1].revents == POLLOUT);
    /* Files without readiness of their own are always ready. */
    CHECK(entries[2].revents == (POLLIN | POLLOUT));
    CHECK(entries[3].revents == 0);
    CHECK(entries[4].revents == POLLNVAL);

    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(poll(entries, 1, 0) == 1);
    CHECK(entries[0].revents == POLLIN);
    /* POLLRDNORM is reported when asked for. */
    entries[0].events = POLLRDNORM;
    CHECK(poll(entries, 1, 0) == 1 && entries[0].revents == POLLRDNORM);

    /* Hangup: reported unasked, with the data still there; then alone. */
    CHECK_OK(close(fds[1]));
    entries[0].events = 0;
    CHECK(poll(entries, 1, 0) == 1 && entries[0].revents == POLLHUP);
    entries[0].events = POLLIN;
    CHECK(poll(entries, 1, 0) == 1 && entries[0].revents == (POLLIN | POLLHUP));
    char byte;
    CHECK(read(fds[0], &byte, 1) == 1);
    CHECK(poll(entries, 1, 0) == 1 && entries[0].revents == POLLHUP);
    CHECK_OK(close(fds[0]));

    /* A write end without readers: POLLERR, unasked. */
    CHECK_OK(pipe(fds));
    CHECK_OK(close(fds[0]));
    struct pollfd writer = { .fd = fds[1], .events = POLLOUT };
    CHECK(poll(&writer, 1, 0) == 1 && writer.revents == (POLLOUT | POLLERR));
    writer.events = 0;
    CHECK(poll(&writer, 1, 0) == 1 && writer.revents == POLLERR);
    CHECK_OK(close(fds[1]));

    /* A full pipe is not writable. */
    CHECK_OK(pipe2(fds, O_NONBLOCK));
    static char chunk[65536];
    CHECK(write(fds[1], chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk));
    writer.fd = fds[1];
    writer.events = POLLOUT;
    CHECK(poll(&writer, 1, 0) == 0 && writer.revents == 0);
    CHECK(read(fds[0], chunk, 4096) == 4096);
    CHECK(poll(&writer, 1, 0) == 1 && writer.revents == POLLOUT);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));

    /* An O_PATH descriptor is POLLNVAL. */
    int path = open("/dev/null", O_PATH);
    CHECK_OK(path);
    struct pollfd path_entry = { .fd = path, .events = POLLIN };
    CHECK(poll(&path_entry, 1, 0) == 1 && path_entry.revents == POLLNVAL);
    CHECK_OK(close(path));

    /* Bad arguments. */
    CHECK_ERRNO(poll((struct pollfd *)8, 1, 0), EFAULT);
    struct rlimit limit;
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &limit));
    CHECK_ERRNO(poll(entries, (nfds_t)limit.rlim_cur + 1, 0), EINVAL);
    CHECK(poll(NULL, 0, 0) == 0);
    CHECK_OK(close(null));
}

static void poll_timeouts(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    struct pollfd entry = { .fd = fds[0], .events = POLLIN };
    long long start = now_ms();
    CHECK(poll(&entry, 1, 60) == 0);
    long long elapsed = now_ms() - start;
    CHECK(elapsed >= 55 && elapsed < 5000);
    /* Nothing to watch still sleeps. */
    start = now_ms();
    CHECK(poll(NULL, 0, 30) == 0);
    CHECK(now_ms() - start >= 25);

    /* ppoll's time left: written back by the system call (musl passes a copy, so raw). */
    struct timespec timeout = { 0, 40 * 1000000L };
    CHECK(syscall(SYS_ppoll, &entry, 1, &timeout, NULL, 8) == 0);
    CHECK(timeout.tv_sec == 0 && timeout.tv_nsec == 0);
    timeout = (struct timespec) { 5, 0 };
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(syscall(SYS_ppoll, &entry, 1, &timeout, NULL, 8) == 1);
    CHECK(timeout.tv_sec == 4 || timeout.tv_sec == 5);
    CHECK(timeout.tv_nsec >= 0 && timeout.tv_nsec < 1000000000L);
    timeout = (struct timespec) { 0, 1000000000L };
    CHECK_ERRNO(syscall(SYS_ppoll, &entry, 1, &timeout, NULL, 8), EINVAL);
    timeout = (struct timespec) { -1, 0 };
    CHECK_ERRNO(syscall(SYS_ppoll, &entry, 1, &timeout, NULL, 8), EINVAL);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
}

static void ppoll_signal_mask(void)
{
    sigset_t blocked, temporary, now;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_SETMASK, &blocked, NULL));
    sigemptyset(&temporary);
    sigaddset(&temporary, SIGUSR2);
    struct timespec timeout = { 0, 1000000L };
    CHECK(ppoll(NULL, 0, &timeout, &temporary) == 0);
    CHECK_OK(sigprocmask(SIG_SETMASK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
    CHECK_ERRNO(syscall(SYS_ppoll, NULL, 0, &timeout, &temporary, 4), EINVAL);
    sigemptyset(&blocked);
    CHECK_OK(sigprocmask(SIG_SETMASK, &blocked, NULL));
}

static void select_basics(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    int null = open("/dev/null", O_RDONLY);
    CHECK_OK(null);
    fd_set readable, writable, exceptional;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_ZERO(&exceptional);
    FD_SET(fds[0], &readable);
    FD_SET(null, &readable);
    FD_SET(fds[1], &writable);
    FD_SET(fds[0], &exceptional);
    int top = (fds[1] > null ? fds[1] : null) + 1;
    struct timeval timeout = { 0, 0 };
    CHECK(select(top, &readable, &writable, &exceptional, &timeout) == 2);
    CHECK(!FD_ISSET(fds[0], &readable) && FD_ISSET(null, &readable));
    CHECK(FD_ISSET(fds[1], &writable));
    CHECK(!FD_ISSET(fds[0], &exceptional));

    CHECK(write(fds[1], "x", 1) == 1);
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    CHECK(select(fds[0] + 1, &readable, NULL, NULL, &timeout) == 1);
    CHECK(FD_ISSET(fds[0], &readable));

    /* A descriptor in two sets counts twice. */
    int both = open("/dev/null", O_RDWR);
    CHECK_OK(both);
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(both, &readable);
    FD_SET(both, &writable);
    CHECK(select(both + 1, &readable, &writable, NULL, &timeout) == 2);
    CHECK_OK(close(both));

    /* A closed descriptor in a set is EBADF (below 64: Linux does not look past the size of
     * its descriptor table); bits at or past nfds are not looked at. */
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    FD_SET(60, &readable);
    CHECK_ERRNO(select(61, &readable, NULL, NULL, &timeout), EBADF);
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    FD_SET(60, &readable);
    CHECK(select(fds[0] + 1, &readable, NULL, NULL, &timeout) == 1);
    CHECK_ERRNO(select(-1, NULL, NULL, NULL, &timeout), EINVAL);
    timeout.tv_usec = -1;
    CHECK_ERRNO(select(0, NULL, NULL, NULL, &timeout), EINVAL);

    /* Hangup makes a read end readable. */
    CHECK(read(fds[0], &(char) { 0 }, 1) == 1);
    CHECK_OK(close(fds[1]));
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    timeout = (struct timeval) { 0, 0 };
    CHECK(select(fds[0] + 1, &readable, NULL, NULL, &timeout) == 1);
    CHECK(FD_ISSET(fds[0], &readable));
    CHECK_OK(close(fds[0]));

    /* A timeout, and the time left written back by the raw system call. */
    CHECK_OK(pipe(fds));
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    struct timeval raw = { 0, 50000 };
    long long start = now_ms();
    CHECK(syscall(SYS_select, fds[0] + 1, &readable, NULL, NULL, &raw) == 0);
    CHECK(now_ms() - start >= 45);
    CHECK(raw.tv_sec == 0 && raw.tv_usec == 0);
    CHECK(!FD_ISSET(fds[0], &readable));
    /* Microseconds past a second are carried into seconds, not refused. */
    CHECK(write(fds[1], "y", 1) == 1);
    FD_SET(fds[0], &readable);
    raw = (struct timeval) { 0, 2500000 };
    CHECK(syscall(SYS_select, fds[0] + 1, &readable, NULL, NULL, &raw) == 1);
    CHECK(raw.tv_sec == 2 || raw.tv_sec == 1);

    /* pselect with a mask. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    struct timespec pause = { 0, 1000000L };
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    CHECK(pselect(fds[0] + 1, &readable, NULL, NULL, &pause, &mask) == 1);
    sigset_t now;
    CHECK_OK(sigprocmask(SIG_SETMASK, NULL, &now));
    CHECK(!sigismember(&now, SIGUSR1));
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
    CHECK_OK(close(null));
}

/* Many pipes, each fed by its own child: some write a line then close, some close without
 * writing, some write twice with a pause. poll must see every byte and every hangup. */
static void many_pipes(void)
{
    enum { count = 40 };
    struct pollfd entries[count];
    pid_t children[count];
    for (int index = 0; index < count; ++index) {
        int fds[2];
        CHECK_OK(pipe(fds));
        children[index] = fork();
        CHECK_OK(children[index]);
        if (children[index] == 0) {
            for (int other = 0; other < index; ++other)
                close(entries[other].fd);
            close(fds[0]);
            sleep_ms(5 * (index % 7));
            if (index % 3 == 0)
                _exit(0);
            char byte = (char)('a' + index % 26);
            if (write(fds[1], &byte, 1) != 1)
                _exit(2);
            if (index % 3 == 2) {
                sleep_ms(20);
                if (write(fds[1], &byte, 1) != 1)
                    _exit(2);
            }
            _exit(0);
        }
        CHECK_OK(close(fds[1]));
        entries[index] = (struct pollfd) { .fd = fds[0], .events = POLLIN };
    }
    int bytes[count] = { 0 };
    int open_pipes = count;
    while (open_pipes) {
        int ready = poll(entries, count, 5000);
        CHECK(ready > 0);
        for (int index = 0; index < count; ++index) {
            if (!entries[index].revents)
                continue;
            CHECK(!(entries[index].revents & ~(POLLIN | POLLHUP)));
            char buffer[4];
            ssize_t got = read(entries[index].fd, buffer, sizeof(buffer));
            CHECK(got >= 0);
            if (got == 0) {
                CHECK(entries[index].revents & POLLHUP);
                CHECK_OK(close(entries[index].fd));
                entries[index].fd = -1;
                --open_pipes;
                continue;
            }
            for (ssize_t byte = 0; byte < got; ++byte)
                CHECK(buffer[byte] == 'a' + index % 26);
            bytes[index] += (int)got;
        }
    }
    for (int index = 0; index < count; ++index) {
        CHECK(bytes[index] == (index % 3 == 0 ? 0 : index % 3));
        wait_for(children[index]);
    }
}

int main(void)
{
    poll_basics();
    poll_timeouts();
    ppoll_signal_mask();
    select_basics();
    many_pipes();
    return check_passed("poll");
}
