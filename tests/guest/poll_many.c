/* poll, epoll and select over 64 pipes, each fed by its own child, whose writers close at
 * different points: half of them after a first record (while the other writers still have
 * their pipes open), some in the middle of a stream, the rest after streaming more than a pipe
 * holds, one closing its end well before it exits (it waits for the parent). At a point where every pipe holds its first
 * record and the early writers are gone, all three calls must show data on every pipe and a
 * hangup on exactly the closed ones; once drained, the hangups alone and no readiness on the
 * others. Then the streams are read to their ends with the three calls in turn: every byte
 * arrives in order, a hangup is never reported before all of a pipe's data is in, and nothing
 * hangs (every wait has a timeout). The descriptors go past 64, beyond one word of an fd_set. */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>

enum { count = 64, wait_ms = 20000 };

/* Writers that stop after the first record; among the others, those that stop half-way
 * through their stream, and the one that closes its end and lives on for a while. */
static int closes_early(int index) { return index % 4 == 0 || index % 4 == 3; }
static int stops_half_way(int index) { return index % 8 == 5; }
static int lingers(int index) { return index == 9; }

static size_t first_size(int index) { return 100 + 37 * (size_t)index; }
static size_t stream_size(int index)
{
    size_t full = 20000 + 1013 * (size_t)index;
    return stops_half_way(index) ? full / 2 : full;
}
static size_t total_size(int index) { return first_size(index) + (closes_early(index) ? 0 : stream_size(index)); }

static unsigned char pattern(int index, size_t position)
{
    return (unsigned char)(index * 31 + position * 7 + (position >> 8));
}

static void fill(unsigned char *buffer, size_t size, int index, size_t position)
{
    for (size_t i = 0; i < size; ++i)
        buffer[i] = pattern(index, position + i);
}

static int write_all(int fd, const unsigned char *buffer, size_t size)
{
    while (size) {
        ssize_t written = write(fd, buffer, size);
        if (written <= 0)
            return -1;
        buffer += written;
        size -= (size_t)written;
    }
    return 0;
}

static unsigned char buffer[100000];

static void child(int index, int output, int go, int hold)
{
    fill(buffer, first_size(index), index, 0);
    /* One write below PIPE_BUF: the whole record is there at once. */
    if (write(output, buffer, first_size(index)) != (ssize_t)first_size(index))
        _exit(2);
    if (closes_early(index))
        _exit(0);
    char byte;
    if (read(go, &byte, 1) != 0)
        _exit(3);
    static const size_t sizes[] = { 1, 999, 65537, 4097, 12345, 77 };
    size_t position = first_size(index), end = total_size(index);
    for (int turn = index; position < end; ++turn) {
        size_t chunk = sizes[turn % 6];
        if (chunk > end - position)
            chunk = end - position;
        fill(buffer, chunk, index, position);
        if (write_all(output, buffer, chunk) != 0)
            _exit(4);
        position += chunk;
    }
    if (lingers(index)) {
        /* The hangup comes with the close, not with the exit: this child stays until the
         * parent, having seen it, closes the hold pipe. */
        close(output);
        if (read(hold, &byte, 1) != 0)
            _exit(5);
    }
    _exit(0);
}

static int readers[count];
static int hold[2];
static size_t received[count];
static pid_t children[count];

/* Reads what one read gives and checks it against the pattern; returns the byte count. */
static ssize_t read_some(int index, size_t size)
{
    ssize_t got = read(readers[index], buffer, size);
    CHECK(got >= 0);
    for (ssize_t i = 0; i < got; ++i)
        if (buffer[i] != pattern(index, received[index] + (size_t)i)) {
            fprintf(stderr, "FAIL: pipe %d: byte %zu is %u, expected %u\n", index, received[index] + (size_t)i,
                buffer[i], pattern(index, received[index] + (size_t)i));
            exit(1);
        }
    received[index] += (size_t)got;
    CHECK(received[index] <= total_size(index));
    return got;
}

/* After a hangup was reported: the writer is gone, so everything it wrote is in the pipe;
 * reading to the end never blocks and gives exactly the rest. */
static void read_to_end(int index)
{
    while (read_some(index, sizeof buffer) > 0) {
    }
    CHECK(received[index] == total_size(index));
}

static int top_descriptor(void)
{
    int top = 0;
    for (int index = 0; index < count; ++index)
        if (readers[index] > top)
            top = readers[index];
    return top;
}

static void snapshot(int epoll)
{
    /* poll: data everywhere, hangups on exactly the closed ones. */
    struct pollfd entries[count];
    for (int index = 0; index < count; ++index)
        entries[index] = (struct pollfd) { .fd = readers[index], .events = POLLIN };
    CHECK(poll(entries, count, 0) == count);
    for (int index = 0; index < count; ++index) {
        short expected = (short)(closes_early(index) ? POLLIN | POLLHUP : POLLIN);
        if (entries[index].revents != expected) {
            fprintf(stderr, "FAIL: pipe %d: poll revents 0x%x, expected 0x%x\n", index, entries[index].revents, expected);
            exit(1);
        }
        int queued = -1;
        CHECK_OK(ioctl(readers[index], FIONREAD, &queued));
        CHECK(queued == (int)first_size(index));
    }

    /* epoll: the same, each event once. */
    struct epoll_event events[count + 1];
    int seen[count] = { 0 };
    CHECK(epoll_wait(epoll, events, count + 1, 0) == count);
    for (int event = 0; event < count; ++event) {
        int index = (int)events[event].data.u64;
        CHECK(index >= 0 && index < count && !seen[index]);
        seen[index] = 1;
        uint32_t expected = closes_early(index) ? EPOLLIN | EPOLLHUP : EPOLLIN;
        if (events[event].events != expected) {
            fprintf(stderr, "FAIL: pipe %d: epoll events 0x%x, expected 0x%x\n", index, events[event].events, expected);
            exit(1);
        }
    }

    /* select: every one readable, none exceptional. */
    fd_set readable, exceptional;
    FD_ZERO(&readable);
    FD_ZERO(&exceptional);
    for (int index = 0; index < count; ++index) {
        FD_SET(readers[index], &readable);
        FD_SET(readers[index], &exceptional);
    }
    struct timeval zero = { 0, 0 };
    CHECK(top_descriptor() >= 64);
    CHECK(select(top_descriptor() + 1, &readable, NULL, &exceptional, &zero) == count);
    for (int index = 0; index < count; ++index)
        CHECK(FD_ISSET(readers[index], &readable) && !FD_ISSET(readers[index], &exceptional));

    /* Drained: a closed pipe shows the hangup alone and reads end of file; an open one is
     * not ready at all. */
    for (int index = 0; index < count; ++index) {
        CHECK(read_some(index, sizeof buffer) == (ssize_t)first_size(index));
        entries[index].revents = 0;
    }
    CHECK(poll(entries, count, 0) == count / 2);
    for (int index = 0; index < count; ++index)
        CHECK(entries[index].revents == (closes_early(index) ? POLLHUP : 0));
    CHECK(epoll_wait(epoll, events, count + 1, 0) == count / 2);
    for (int event = 0; event < count / 2; ++event) {
        int index = (int)events[event].data.u64;
        CHECK(closes_early(index) && events[event].events == EPOLLHUP);
    }
    FD_ZERO(&readable);
    for (int index = 0; index < count; ++index)
        FD_SET(readers[index], &readable);
    CHECK(select(top_descriptor() + 1, &readable, NULL, NULL, &zero) == count / 2);
    for (int index = 0; index < count; ++index) {
        CHECK(!FD_ISSET(readers[index], &readable) == !closes_early(index));
        if (closes_early(index)) {
            CHECK(read_some(index, sizeof buffer) == 0);
            CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, readers[index], NULL));
            CHECK_OK(close(readers[index]));
            readers[index] = -1;
        }
    }
}

/* One round of waiting with poll, epoll or select in turn; returns the pipes still open. */
static int stream_round(int epoll, int round, int open_pipes)
{
    int ready[count] = { 0 }, hangup[count] = { 0 };
    int method = round % 3;
    if (method == 0) {
        struct pollfd entries[count];
        for (int index = 0; index < count; ++index)
            entries[index] = (struct pollfd) { .fd = readers[index], .events = POLLIN };
        int got = poll(entries, count, wait_ms);
        CHECK(got > 0);
        for (int index = 0; index < count; ++index) {
            CHECK(!(entries[index].revents & ~(POLLIN | POLLHUP)));
            ready[index] = entries[index].revents != 0;
            hangup[index] = (entries[index].revents & POLLHUP) != 0;
        }
    } else if (method == 1) {
        struct epoll_event events[7];
        int got = epoll_wait(epoll, events, 7, wait_ms);
        CHECK(got > 0);
        for (int event = 0; event < got; ++event) {
            int index = (int)events[event].data.u64;
            CHECK(index >= 0 && index < count && readers[index] >= 0);
            CHECK(!(events[event].events & ~(EPOLLIN | EPOLLHUP)));
            ready[index] = 1;
            hangup[index] = (events[event].events & EPOLLHUP) != 0;
        }
    } else {
        fd_set readable;
        FD_ZERO(&readable);
        for (int index = 0; index < count; ++index)
            if (readers[index] >= 0)
                FD_SET(readers[index], &readable);
        struct timeval timeout = { wait_ms / 1000, 0 };
        int got = select(top_descriptor() + 1, &readable, NULL, NULL, &timeout);
        CHECK(got > 0);
        for (int index = 0; index < count; ++index)
            ready[index] = readers[index] >= 0 && FD_ISSET(readers[index], &readable);
    }
    for (int index = 0; index < count; ++index) {
        if (!ready[index])
            continue;
        if (hangup[index])
            read_to_end(index);
        else if (read_some(index, 3001 + (size_t)round % 5000) > 0)
            continue;
        CHECK(received[index] == total_size(index));
        if (lingers(index)) {
            CHECK(waitpid(children[index], NULL, WNOHANG) == 0);
            CHECK_OK(close(hold[1]));
        }
        CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_DEL, readers[index], NULL));
        CHECK_OK(close(readers[index]));
        readers[index] = -1;
        --open_pipes;
    }
    return open_pipes;
}

int main(void)
{
    int go[2];
    CHECK_OK(pipe(go));
    CHECK_OK(pipe(hold));
    for (int index = 0; index < count; ++index) {
        int fds[2];
        CHECK_OK(pipe(fds));
        children[index] = fork();
        CHECK_OK(children[index]);
        if (children[index] == 0) {
            close(go[1]);
            close(hold[1]);
            close(fds[0]);
            for (int other = 0; other < index; ++other)
                close(readers[other]);
            child(index, fds[1], go[0], hold[0]);
        }
        CHECK_OK(close(fds[1]));
        readers[index] = fds[0];
    }
    CHECK_OK(close(go[0]));
    CHECK_OK(close(hold[0]));
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    CHECK_OK(epoll);
    for (int index = 0; index < count; ++index) {
        struct epoll_event event = { .events = EPOLLIN, .data.u64 = (uint64_t)index };
        CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, readers[index], &event));
    }

    /* Every first record in (each one write below PIPE_BUF, so all or nothing), every early
     * writer gone. */
    for (int index = 0; index < count; ++index) {
        struct pollfd entry = { .fd = readers[index], .events = POLLIN };
        CHECK(poll(&entry, 1, wait_ms) == 1);
        if (closes_early(index))
            CHECK_CHILD_EXITS(children[index], 0);
    }
    snapshot(epoll);

    /* Release the other writers and read every stream to its end. */
    CHECK_OK(close(go[1]));
    int open_pipes = count / 2;
    for (int round = 0; open_pipes > 0; ++round)
        open_pipes = stream_round(epoll, round, open_pipes);
    for (int index = 0; index < count; ++index) {
        CHECK(received[index] == total_size(index));
        if (!closes_early(index))
            CHECK_CHILD_EXITS(children[index], 0);
    }
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    CHECK_OK(close(epoll));
    return check_passed("poll_many");
}
