/* epoll on pipes, FIFOs-to-be and devices: the rules of epoll_create1 and epoll_ctl, level-
 * and edge-triggered items, EPOLLONESHOT, items that end with their file, nested instances,
 * timeouts and signal masks, and many pipes fed by children that close some of them early. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>
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

static int add(int epoll, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event event = { .events = events, .data.u64 = data };
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

static int modify(int epoll, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event event = { .events = events, .data.u64 = data };
    return epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event);
}

static int ready(int epoll, struct epoll_event *events, int max)
{
    int count = epoll_wait(epoll, events, max, 0);
    CHECK(count >= 0);
    return count;
}

static void creation_and_control_rules(void)
{
    /* Raw: musl's epoll_create() does not pass the size on. */
    CHECK_ERRNO(syscall(SYS_epoll_create, 0), EINVAL);
    CHECK_ERRNO(epoll_create1(1), EINVAL);
    int epoll = epoll_create(1);
    CHECK_OK(epoll);
    CHECK(fcntl(epoll, F_GETFD) == 0);
    CHECK_OK(close(epoll));
    epoll = epoll_create1(EPOLL_CLOEXEC);
    CHECK_OK(epoll);
    CHECK(fcntl(epoll, F_GETFD) == FD_CLOEXEC);
    struct stat st;
    CHECK_OK(fstat(epoll, &st));
    CHECK((st.st_mode & S_IFMT) == 0 && (st.st_mode & 0777) == 0600);
    char byte;
    CHECK_ERRNO(read(epoll, &byte, 1), EINVAL);
    CHECK_ERRNO(write(epoll, "x", 1), EINVAL);

    int fds[2];
    CHECK_OK(pipe(fds));
    CHECK_OK(add(epoll, fds[0], EPOLLIN, 1));
    CHECK_ERRNO(add(epoll, fds[0], EPOLLIN, 1), EEXIST);
    CHECK_ERRNO(modify(epoll, fds[1], EPOLLOUT, 2), ENOENT);
    CHECK_ERRNO(epoll_ctl(epoll, EPOLL_CTL_DEL, fds[1], NULL), ENOENT);
    CHECK_ERRNO(epoll_ctl(epoll, 7, fds[1], &(struct epoll_event) { 0 }), EINVAL);
    CHECK_ERRNO(epoll_ctl(epoll, EPOLL_CTL_ADD, fds[1], (struct epoll_event *)8), EFAULT);
    CHECK_ERRNO(add(epoll, 60, EPOLLIN, 0), EBADF);
    CHECK_ERRNO(add(60, fds[0], EPOLLIN, 0), EBADF);
    /* Not an epoll instance, or itself. */
    CHECK_ERRNO(add(fds[0], fds[1], EPOLLIN, 0), EINVAL);
    CHECK_ERRNO(add(epoll, epoll, EPOLLIN, 0), EINVAL);
    /* Files that cannot be polled: regular files, directories, /dev/null. */
    int null = open("/dev/null", O_RDONLY);
    CHECK_OK(null);
    CHECK_ERRNO(add(epoll, null, EPOLLIN, 0), EPERM);
    int root = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(root);
    CHECK_ERRNO(add(epoll, root, EPOLLIN, 0), EPERM);
    char path[] = "/tmp/epoll-XXXXXX";
    int file = mkstemp(path);
    CHECK_OK(file);
    CHECK_ERRNO(add(epoll, file, EPOLLIN, 0), EPERM);
    CHECK_OK(unlink(path));
    /* EPOLLEXCLUSIVE: only on ADD, not with EPOLLONESHOT, never modified. */
    CHECK_ERRNO(add(epoll, fds[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
    CHECK_OK(add(epoll, fds[1], EPOLLOUT | EPOLLEXCLUSIVE, 5));
    CHECK_ERRNO(modify(epoll, fds[1], EPOLLOUT | EPOLLEXCLUSIVE, 5), EINVAL);
    CHECK_ERRNO(modify(epoll, fds[1], EPOLLOUT, 5), EINVAL);
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, fds[1], NULL));
    /* EPOLLRDHUP is accepted (pipes never report it). */
    CHECK_OK(modify(epoll, fds[0], EPOLLIN | EPOLLRDHUP, 1));
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, fds[0], NULL));

    /* epoll_wait's arguments. */
    struct epoll_event events[4];
    CHECK_ERRNO(epoll_wait(epoll, events, 0, 0), EINVAL);
    CHECK_ERRNO(epoll_wait(epoll, events, -1, 0), EINVAL);
    CHECK_ERRNO(epoll_wait(fds[0], events, 4, 0), EINVAL);
    CHECK_ERRNO(epoll_wait(60, events, 4, 0), EBADF);
    CHECK(epoll_wait(epoll, events, 4, 0) == 0);
    /* An event that cannot be stored is EFAULT, and its item stays ready. */
    CHECK_OK(add(epoll, fds[1], EPOLLOUT | EPOLLET, 9));
    CHECK_ERRNO(epoll_wait(epoll, (struct epoll_event *)8, 4, 0), EFAULT);
    CHECK(epoll_wait(epoll, events, 4, 0) == 1 && events[0].data.u64 == 9);
    CHECK(epoll_wait(epoll, events, 4, 0) == 0);
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, fds[1], NULL));

    CHECK_OK(close(file));
    CHECK_OK(close(root));
    CHECK_OK(close(null));
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
    CHECK_OK(close(epoll));
}

static void triggering(void)
{
    int epoll = epoll_create1(0);
    CHECK_OK(epoll);
    int level[2], edge[2], once[2];
    CHECK_OK(pipe2(level, O_NONBLOCK));
    CHECK_OK(pipe2(edge, O_NONBLOCK));
    CHECK_OK(pipe2(once, O_NONBLOCK));
    CHECK_OK(add(epoll, level[0], EPOLLIN, 1));
    CHECK_OK(add(epoll, edge[0], EPOLLIN | EPOLLET, 2));
    CHECK_OK(add(epoll, once[0], EPOLLIN | EPOLLONESHOT, 3));
    struct epoll_event events[8];
    CHECK(ready(epoll, events, 8) == 0);

    CHECK(write(level[1], "ab", 2) == 2);
    CHECK(write(edge[1], "ab", 2) == 2);
    CHECK(write(once[1], "ab", 2) == 2);
    CHECK(ready(epoll, events, 8) == 3);
    for (int index = 0; index < 3; ++index)
        CHECK(events[index].events == EPOLLIN);
    /* Level-triggered stays; edge-triggered and one-shot wait for something new. */
    CHECK(ready(epoll, events, 8) == 1 && events[0].data.u64 == 1);
    CHECK(ready(epoll, events, 8) == 1 && events[0].data.u64 == 1);
    /* A new write is an edge, even on a pipe that was readable already. */
    CHECK(write(edge[1], "c", 1) == 1);
    CHECK(write(once[1], "c", 1) == 1);
    CHECK(ready(epoll, events, 8) == 2);
    CHECK((events[0].data.u64 == 1 && events[1].data.u64 == 2) || (events[0].data.u64 == 2 && events[1].data.u64 == 1));
    /* A fired one-shot item comes back with EPOLL_CTL_MOD. */
    CHECK_OK(modify(epoll, once[0], EPOLLIN | EPOLLONESHOT, 4));
    int count = ready(epoll, events, 8);
    CHECK(count == 2);
    CHECK(events[0].data.u64 == 4 || events[1].data.u64 == 4);
    /* Drained, the level-triggered item goes quiet. */
    char buffer[8];
    CHECK(read(level[0], buffer, sizeof(buffer)) == 2);
    CHECK(ready(epoll, events, 8) == 0);

    /* maxevents smaller than what is ready: the others come next time. */
    CHECK(write(level[1], "x", 1) == 1);
    CHECK_OK(add(epoll, level[1], EPOLLOUT, 5));
    CHECK(ready(epoll, events, 1) == 1);
    uint64_t first = events[0].data.u64;
    CHECK(ready(epoll, events, 1) == 1);
    CHECK(events[0].data.u64 != first);
    CHECK(first == 1 || first == 5);

    /* Hangup and error come unasked. */
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, level[1], NULL));
    CHECK_OK(modify(epoll, level[0], 0, 6));
    CHECK(ready(epoll, events, 8) == 0);
    CHECK_OK(close(level[1]));
    CHECK(ready(epoll, events, 8) == 1);
    CHECK(events[0].data.u64 == 6 && events[0].events == EPOLLHUP);
    CHECK_OK(close(level[0]));
    CHECK_OK(add(epoll, edge[1], EPOLLOUT, 7));
    CHECK_OK(close(edge[0]));
    CHECK(ready(epoll, events, 8) == 1);
    CHECK(events[0].data.u64 == 7 && events[0].events == (EPOLLOUT | EPOLLERR));

    CHECK_OK(close(edge[1]));
    CHECK_OK(close(once[0]));
    CHECK_OK(close(once[1]));
    CHECK_OK(close(epoll));
}

static void items_end_with_their_file(void)
{
    int epoll = epoll_create1(0);
    CHECK_OK(epoll);
    int fds[2];
    CHECK_OK(pipe(fds));
    CHECK(write(fds[1], "x", 1) == 1);
    int copy = dup(fds[0]);
    CHECK_OK(copy);
    CHECK_OK(add(epoll, fds[0], EPOLLIN, 1));
    struct epoll_event events[4];
    /* Closing one descriptor of the description keeps the item (and the file) alive. */
    CHECK_OK(close(fds[0]));
    CHECK(ready(epoll, events, 4) == 1 && events[0].data.u64 == 1);
    /* ... though it can no longer be named by the closed number. */
    CHECK_ERRNO(epoll_ctl(epoll, EPOLL_CTL_DEL, fds[0], NULL), EBADF);
    /* Closing the last one removes the item; the epoll instance does not keep the read end
     * open, so the writer sees no reader. */
    CHECK_OK(close(copy));
    CHECK(ready(epoll, events, 4) == 0);
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    CHECK_ERRNO(write(fds[1], "x", 1), EPIPE);
    CHECK_OK(close(fds[1]));

    /* A new file at the same number is not the old item. */
    CHECK_OK(pipe(fds));
    CHECK_OK(add(epoll, fds[0], EPOLLIN, 2));
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
    CHECK_OK(pipe(fds));
    CHECK_OK(add(epoll, fds[0], EPOLLIN, 3));
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
    CHECK_OK(close(epoll));
}

static void nesting(void)
{
    int inner = epoll_create1(0), outer = epoll_create1(0);
    CHECK_OK(inner);
    CHECK_OK(outer);
    int fds[2];
    CHECK_OK(pipe(fds));
    CHECK_OK(add(inner, fds[0], EPOLLIN, 1));
    CHECK_OK(add(outer, inner, EPOLLIN, 2));
    /* No loops. */
    CHECK_ERRNO(add(inner, outer, EPOLLIN, 3), ELOOP);
    /* EPOLLEXCLUSIVE may not watch an epoll instance. */
    int third = epoll_create1(0);
    CHECK_OK(third);
    CHECK_ERRNO(add(third, inner, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
    CHECK_OK(close(third));

    struct epoll_event events[4];
    CHECK(ready(outer, events, 4) == 0);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(ready(outer, events, 4) == 1);
    CHECK(events[0].data.u64 == 2 && events[0].events == EPOLLIN);
    CHECK(ready(inner, events, 4) == 1 && events[0].data.u64 == 1);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
    CHECK(ready(outer, events, 4) == 0);
    CHECK_OK(close(inner));
    CHECK_OK(close(outer));
}

static void waiting(void)
{
    int epoll = epoll_create1(0);
    CHECK_OK(epoll);
    int fds[2];
    CHECK_OK(pipe(fds));
    CHECK_OK(add(epoll, fds[0], EPOLLIN, 1));
    struct epoll_event events[4];
    long long start = now_ms();
    CHECK(epoll_wait(epoll, events, 4, 60) == 0);
    CHECK(now_ms() - start >= 55);

    /* epoll_pwait with a mask that is gone afterwards. */
    sigset_t mask, now;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    CHECK(epoll_pwait(epoll, events, 4, 1, &mask) == 0);
    CHECK_OK(sigprocmask(SIG_SETMASK, NULL, &now));
    CHECK(!sigismember(&now, SIGUSR1));
    CHECK_ERRNO(syscall(SYS_epoll_pwait, epoll, events, 4, 0, &mask, 4), EINVAL);

    /* A child's write wakes the waiter. */
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        sleep_ms(80);
        _exit(write(fds[1], "x", 1) == 1 ? 0 : 2);
    }
    start = now_ms();
    CHECK(epoll_wait(epoll, events, 4, 5000) == 1);
    CHECK(events[0].data.u64 == 1);
    CHECK(now_ms() - start >= 40);
    int status;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The epoll descriptor itself is pollable. */
    struct pollfd entry = { .fd = epoll, .events = POLLIN };
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == POLLIN);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
    CHECK_OK(close(epoll));
}

/* Many pipes fed by children, some closing without writing; every byte and hangup seen. */
static void many_pipes(void)
{
    enum { count = 40 };
    int epoll = epoll_create1(0);
    CHECK_OK(epoll);
    int readers[count];
    pid_t children[count];
    for (int index = 0; index < count; ++index) {
        int fds[2];
        CHECK_OK(pipe(fds));
        children[index] = fork();
        CHECK_OK(children[index]);
        if (children[index] == 0) {
            for (int other = 0; other < index; ++other)
                close(readers[other]);
            close(fds[0]);
            sleep_ms(3 * (index % 5));
            if (index % 4 == 0)
                _exit(0);
            char line[32];
            int length = snprintf(line, sizeof(line), "pipe %d\n", index);
            if (write(fds[1], line, (size_t)length) != length)
                _exit(2);
            _exit(0);
        }
        CHECK_OK(close(fds[1]));
        readers[index] = fds[0];
        CHECK_OK(add(epoll, fds[0], EPOLLIN | (index % 2 ? EPOLLET : 0), (uint64_t)index));
    }
    int lines = 0, open_pipes = count;
    struct epoll_event events[8];
    while (open_pipes) {
        int got = epoll_wait(epoll, events, 8, 5000);
        CHECK(got > 0);
        for (int event = 0; event < got; ++event) {
            int index = (int)events[event].data.u64;
            CHECK(index >= 0 && index < count);
            /* Edge-triggered items are read until they are empty. */
            for (;;) {
                char buffer[64];
                ssize_t length = read(readers[index], buffer, sizeof(buffer));
                CHECK(length >= 0);
                if (length == 0) {
                    /* Deleted first: a child that has not yet closed its inherited copy keeps
                     * the description, and with it the item, alive. */
                    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, readers[index], NULL));
                    CHECK_OK(close(readers[index]));
                    --open_pipes;
                    break;
                }
                char expected[32];
                int expected_length = snprintf(expected, sizeof(expected), "pipe %d\n", index);
                CHECK(length == expected_length && memcmp(buffer, expected, (size_t)length) == 0);
                ++lines;
                if (!(events[event].events & EPOLLHUP)) {
                    /* More may come (end of file); wait for the next event. */
                    break;
                }
            }
        }
    }
    CHECK(lines == count - count / 4);
    for (int index = 0; index < count; ++index) {
        int status;
        CHECK(waitpid(children[index], &status, 0) == children[index]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_OK(close(epoll));
}

int main(void)
{
    creation_and_control_rules();
    triggering();
    items_end_with_their_file();
    nesting();
    waiting();
    many_pipes();
    return check_passed("epoll");
}
