/* Pipes between processes: a blocked reader woken by a child, end of file only once every
 * process has closed the write end, EPIPE for a writer whose reader exits, atomic writes of
 * two racing writers, a large blocking write read in pieces, and a blocked writer released
 * by the reader. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
    struct timespec request = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&request, &request) != 0)
        CHECK(errno == EINTR);
}

static long long now_ms(void)
{
    struct timespec now;
    CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &now));
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void wait_for(pid_t child, int expected_status)
{
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == expected_status);
}

/* Reads exactly size bytes unless end of file comes first; returns what was read. */
static size_t read_fully(int fd, void *buffer, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t count = read(fd, (char *)buffer + done, size - done);
        CHECK(count >= 0);
        if (count == 0)
            break;
        done += (size_t)count;
    }
    return done;
}

static void blocked_reader_is_woken(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        close(fds[0]);
        sleep_ms(100);
        if (write(fds[1], "wake", 4) != 4)
            _exit(2);
        _exit(0);
    }
    CHECK_OK(close(fds[1]));
    long long start = now_ms();
    char buffer[16];
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 4);
    CHECK(memcmp(buffer, "wake", 4) == 0);
    CHECK(now_ms() - start >= 50);
    /* The child's exit closes the last write end. */
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 0);
    wait_for(child, 0);
    CHECK_OK(close(fds[0]));
}

static void end_of_file_waits_for_every_writer(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        /* The child holds the inherited write end a while and writes nothing. */
        close(fds[0]);
        sleep_ms(150);
        _exit(0);
    }
    CHECK_OK(close(fds[1]));
    long long start = now_ms();
    char byte;
    CHECK(read(fds[0], &byte, 1) == 0);
    CHECK(now_ms() - start >= 100);
    wait_for(child, 0);
    CHECK_OK(close(fds[0]));
}

static void writer_sees_the_reader_go(void)
{
    static char chunk[65536];
    int fds[2];
    CHECK_OK(pipe(fds));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        close(fds[1]);
        char byte;
        if (read(fds[0], &byte, 1) != 1)
            _exit(2);
        sleep_ms(100);
        _exit(0); /* closes the only read end */
    }
    CHECK_OK(close(fds[0]));
    /* The first write fills the pipe; the second blocks until the reader exits. */
    CHECK(write(fds[1], chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk));
    ssize_t written = write(fds[1], chunk, sizeof(chunk));
    /* A byte was read, so exactly one page may have gone in before the reader left. */
    CHECK(written == -1 ? errno == EPIPE : written == 4096);
    CHECK_ERRNO(write(fds[1], chunk, 1), EPIPE);
    wait_for(child, 0);
    CHECK_OK(close(fds[1]));
}

/* Two children write 512-byte records of their own letter, many of them, at once; none may
 * be cut by the other's (writes of up to PIPE_BUF are atomic). */
static void atomic_writes_do_not_interleave(void)
{
    enum { record = 512, records = 400 };
    int fds[2];
    CHECK_OK(pipe(fds));
    pid_t children[2];
    for (int writer = 0; writer < 2; ++writer) {
        children[writer] = fork();
        CHECK_OK(children[writer]);
        if (children[writer] == 0) {
            close(fds[0]);
            char buffer[record];
            memset(buffer, 'A' + writer, sizeof(buffer));
            for (int index = 0; index < records; ++index) {
                if (write(fds[1], buffer, sizeof(buffer)) != record)
                    _exit(2);
                if (index % 50 == 0)
                    sched_yield();
            }
            _exit(0);
        }
    }
    CHECK_OK(close(fds[1]));
    int counts[2] = { 0, 0 };
    char buffer[record];
    for (;;) {
        size_t got = read_fully(fds[0], buffer, sizeof(buffer));
        if (got == 0)
            break;
        CHECK(got == record);
        CHECK(buffer[0] == 'A' || buffer[0] == 'B');
        for (int index = 1; index < record; ++index)
            CHECK(buffer[index] == buffer[0]);
        ++counts[buffer[0] - 'A'];
    }
    CHECK(counts[0] == records && counts[1] == records);
    wait_for(children[0], 0);
    wait_for(children[1], 0);
    CHECK_OK(close(fds[0]));
}

/* A write much larger than the pipe returns only when all of it is in. */
static void large_blocking_write(void)
{
    enum { size = 1 << 20 };
    int fds[2];
    CHECK_OK(pipe(fds));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        close(fds[0]);
        static unsigned char data[size];
        for (size_t index = 0; index < size; ++index)
            data[index] = (unsigned char)(index * 7 + index / 4096);
        ssize_t written = write(fds[1], data, size);
        _exit(written == size ? 0 : 2);
    }
    CHECK_OK(close(fds[1]));
    static unsigned char received[size + 1];
    size_t total = 0;
    for (;;) {
        /* Odd-sized reads, so that pieces never line up with the writer's pages. */
        ssize_t count = read(fds[0], received + total, total + 3001 > size + 1 ? size + 1 - total : 3001);
        CHECK(count >= 0);
        if (count == 0)
            break;
        total += (size_t)count;
    }
    CHECK(total == size);
    for (size_t index = 0; index < size; ++index)
        CHECK(received[index] == (unsigned char)(index * 7 + index / 4096));
    wait_for(child, 0);
    CHECK_OK(close(fds[0]));
}

/* Two pipes back and forth: each side blocks in turn. */
static void ping_pong(void)
{
    int to_child[2], to_parent[2];
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(to_parent));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        int value;
        while (read(to_child[0], &value, sizeof(value)) == sizeof(value)) {
            ++value;
            if (write(to_parent[1], &value, sizeof(value)) != sizeof(value))
                _exit(2);
        }
        _exit(0);
    }
    CHECK_OK(close(to_child[0]));
    CHECK_OK(close(to_parent[1]));
    int value = 0;
    for (int round = 0; round < 200; ++round) {
        CHECK(write(to_child[1], &value, sizeof(value)) == sizeof(value));
        int answer;
        CHECK(read(to_parent[0], &answer, sizeof(answer)) == sizeof(answer));
        CHECK(answer == value + 1);
        value = answer;
    }
    CHECK_OK(close(to_child[1]));
    char byte;
    CHECK(read(to_parent[0], &byte, 1) == 0);
    wait_for(child, 0);
    CHECK_OK(close(to_parent[0]));
}

int main(void)
{
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    blocked_reader_is_woken();
    end_of_file_waits_for_every_writer();
    writer_sees_the_reader_go();
    atomic_writes_do_not_interleave();
    large_blocking_write();
    ping_pong();
    return check_passed("pipe_fork");
}
