/* AF_UNIX socket options and the vectored calls, as Linux has them: SO_RCVTIMEO and
 * SO_SNDTIMEO on receives, sends, accept and connect; the SOL_SOCKET options that are only
 * stored; SO_RCVLOWAT and SO_TIMESTAMP; readv/writev of datagrams; sendmmsg and recvmmsg;
 * and /proc/self/fd of a socket, which cannot be opened. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

static void set_timeout(int fd, int option, long seconds, long microseconds)
{
    struct timeval time = { seconds, microseconds };
    CHECK_OK(setsockopt(fd, SOL_SOCKET, option, &time, sizeof(time)));
}

static struct timeval get_timeout(int fd, int option)
{
    struct timeval time;
    socklen_t length = sizeof(time);
    CHECK_OK(getsockopt(fd, SOL_SOCKET, option, &time, &length));
    CHECK(length == sizeof(time));
    return time;
}

static int get_int(int fd, int option)
{
    int value = -12345;
    socklen_t length = sizeof(value);
    CHECK_OK(getsockopt(fd, SOL_SOCKET, option, &value, &length));
    CHECK(length == sizeof(int));
    return value;
}

static int set_int(int fd, int option, int value)
{
    return setsockopt(fd, SOL_SOCKET, option, &value, sizeof(value));
}

static void test_timeout_values(void)
{
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval time = get_timeout(sv[0], SO_RCVTIMEO);
    CHECK(time.tv_sec == 0 && time.tv_usec == 0);
    set_timeout(sv[0], SO_RCVTIMEO, 1, 500000);
    time = get_timeout(sv[0], SO_RCVTIMEO);
    CHECK(time.tv_sec == 1 && time.tv_usec == 500000);
    CHECK(get_timeout(sv[0], SO_SNDTIMEO).tv_sec == 0);
    set_timeout(sv[0], SO_SNDTIMEO, 3, 0);
    CHECK(get_timeout(sv[0], SO_SNDTIMEO).tv_sec == 3);
    /* Rounded up to a clock tick. */
    set_timeout(sv[0], SO_RCVTIMEO, 0, 1);
    time = get_timeout(sv[0], SO_RCVTIMEO);
    CHECK(time.tv_sec == 0 && time.tv_usec >= 1 && time.tv_usec <= 10000);
    /* Microseconds outside a second are EDOM; a short value EINVAL. */
    time.tv_sec = 0;
    time.tv_usec = 1000000;
    CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &time, sizeof(time)), EDOM);
    time.tv_usec = -1;
    CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &time, sizeof(time)), EDOM);
    time.tv_sec = 1;
    time.tv_usec = 0;
    CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &time, sizeof(time) - 1), EINVAL);
    /* A short buffer gets the start of the timeval. */
    long seconds = -1;
    socklen_t length = sizeof(seconds);
    set_timeout(sv[0], SO_RCVTIMEO, 7, 0);
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &seconds, &length));
    CHECK(length == sizeof(seconds) && seconds == 7);
    /* Too far to count in ticks is no timeout at all. */
    set_timeout(sv[0], SO_RCVTIMEO, LONG_MAX, 0);
    time = get_timeout(sv[0], SO_RCVTIMEO);
    CHECK(time.tv_sec == 0 && time.tv_usec == 0);
    /* A negative time reads back as 0.0 but makes the socket never wait. */
    set_timeout(sv[0], SO_RCVTIMEO, -1, 0);
    time = get_timeout(sv[0], SO_RCVTIMEO);
    CHECK(time.tv_sec == 0 && time.tv_usec == 0);
    char byte;
    long long start = now_ms();
    CHECK_ERRNO(recv(sv[0], &byte, 1, 0), EAGAIN);
    CHECK(now_ms() - start < 1000);
    close(sv[0]);
    close(sv[1]);
}

/* A receive with a timeout gives up with EAGAIN, or returns what it got. */
static void test_receive_timeouts(void)
{
    int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
    for (unsigned i = 0; i < 3; ++i) {
        int sv[2];
        CHECK_OK(socketpair(AF_UNIX, types[i], 0, sv));
        set_timeout(sv[0], SO_RCVTIMEO, 0, 20000);
        char buffer[16];
        long long start = now_ms();
        CHECK_ERRNO(recv(sv[0], buffer, sizeof(buffer), 0), EAGAIN);
        long long waited = now_ms() - start;
        CHECK(waited >= 15 && waited < 2000);
        CHECK_ERRNO(read(sv[0], buffer, sizeof(buffer)), EAGAIN);
        struct iovec vector = { buffer, sizeof(buffer) };
        CHECK_ERRNO(readv(sv[0], &vector, 1), EAGAIN);
        if (types[i] == SOCK_STREAM) {
            /* MSG_WAITALL returns the part that came. */
            CHECK(send(sv[1], "abc", 3, 0) == 3);
            CHECK(recv(sv[0], buffer, sizeof(buffer), MSG_WAITALL) == 3);
            /* So does a read short of SO_RCVLOWAT. */
            CHECK(get_int(sv[0], SO_RCVLOWAT) == 1);
            CHECK_OK(set_int(sv[0], SO_RCVLOWAT, 4));
            CHECK(send(sv[1], "de", 2, 0) == 2);
            start = now_ms();
            CHECK(recv(sv[0], buffer, sizeof(buffer), 0) == 2);
            CHECK(now_ms() - start >= 15);
            CHECK(send(sv[1], "fghij", 5, 0) == 5);
            CHECK(recv(sv[0], buffer, sizeof(buffer), 0) == 5);
            CHECK(memcmp(buffer, "fghij", 5) == 0);
            /* A buffer shorter than the mark is the target. */
            CHECK(send(sv[1], "kl", 2, 0) == 2);
            CHECK(recv(sv[0], buffer, 2, 0) == 2);
        }
        /* Data that comes while waiting ends the wait. */
        set_timeout(sv[0], SO_RCVTIMEO, 5, 0);
        pid_t child = fork();
        CHECK_OK(child);
        if (child == 0) {
            usleep(20000);
            _exit(send(sv[1], "late", 4, 0) == 4 ? 0 : 1);
        }
        start = now_ms();
        CHECK(recv(sv[0], buffer, sizeof(buffer), 0) == 4);
        CHECK(now_ms() - start < 4000);
        CHECK(memcmp(buffer, "late", 4) == 0);
        CHECK_CHILD_EXITS(child, 0);
        close(sv[0]);
        close(sv[1]);
    }
}

/* Sends wait for room as long as SO_SNDTIMEO allows; a stream returns what went. */
static void test_send_timeouts(void)
{
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_OK(set_int(sv[0], SO_SNDBUF, 4096));
    static char block[65536];
    while (send(sv[0], block, sizeof(block), MSG_DONTWAIT) > 0)
        ;
    CHECK(errno == EAGAIN);
    set_timeout(sv[0], SO_SNDTIMEO, 0, 20000);
    long long start = now_ms();
    CHECK_ERRNO(send(sv[0], block, sizeof(block), 0), EAGAIN);
    CHECK(now_ms() - start >= 15);
    CHECK_ERRNO(write(sv[0], block, 100), EAGAIN);
    /* Room for part of it: the part is returned after the timeout. */
    char drain[4096];
    while (recv(sv[1], drain, sizeof(drain), MSG_DONTWAIT) > 0)
        ;
    long sent = send(sv[0], block, sizeof(block), 0);
    CHECK(sent > 0 && sent < (long)sizeof(block));
    close(sv[0]);
    close(sv[1]);

    /* A datagram receiver whose queue is full. */
    int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(receiver);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    CHECK_OK(bind(receiver, (struct sockaddr *)&address, sizeof(sa_family_t)));
    socklen_t length = sizeof(address);
    CHECK_OK(getsockname(receiver, (struct sockaddr *)&address, &length));
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(sender);
    CHECK_OK(connect(sender, (struct sockaddr *)&address, length));
    while (send(sender, "x", 1, MSG_DONTWAIT) == 1)
        ;
    CHECK(errno == EAGAIN);
    set_timeout(sender, SO_SNDTIMEO, 0, 20000);
    start = now_ms();
    CHECK_ERRNO(send(sender, "x", 1, 0), EAGAIN);
    CHECK(now_ms() - start >= 15);
    close(sender);
    close(receiver);
}

/* accept waits as long as SO_RCVTIMEO allows, connect as long as SO_SNDTIMEO does. */
static void test_accept_connect_timeouts(void)
{
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(listener);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    CHECK_OK(bind(listener, (struct sockaddr *)&address, sizeof(sa_family_t)));
    socklen_t length = sizeof(address);
    CHECK_OK(getsockname(listener, (struct sockaddr *)&address, &length));
    CHECK_OK(listen(listener, 0));
    set_timeout(listener, SO_RCVTIMEO, 0, 20000);
    long long start = now_ms();
    CHECK_ERRNO(accept(listener, NULL, NULL), EAGAIN);
    CHECK(now_ms() - start >= 15);
    /* A backlog of 0 takes one connection; the next waits. */
    int first = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(connect(first, (struct sockaddr *)&address, length));
    int second = socket(AF_UNIX, SOCK_STREAM, 0);
    set_timeout(second, SO_SNDTIMEO, 0, 20000);
    start = now_ms();
    CHECK_ERRNO(connect(second, (struct sockaddr *)&address, length), EAGAIN);
    CHECK(now_ms() - start >= 15);
    int accepted = accept(listener, NULL, NULL);
    CHECK_OK(accepted);
    /* Options are not inherited through accept from the listener's timeouts. */
    CHECK(get_timeout(accepted, SO_RCVTIMEO).tv_usec == 0);
    close(accepted);
    close(first);
    close(second);
    close(listener);
}

struct flag_option {
    int option;
    const char *name;
};

/* Options only stored: set, read back normalised, unset. */
static void test_stored_options(void)
{
    static const struct flag_option flags[] = {
        { SO_DONTROUTE, "SO_DONTROUTE" }, { SO_BROADCAST, "SO_BROADCAST" }, { SO_KEEPALIVE, "SO_KEEPALIVE" },
        { SO_OOBINLINE, "SO_OOBINLINE" }, { SO_NO_CHECK, "SO_NO_CHECK" }, { SO_PASSSEC, "SO_PASSSEC" },
        { SO_TIMESTAMP, "SO_TIMESTAMP" }, { SO_TIMESTAMPNS, "SO_TIMESTAMPNS" }, { SO_REUSEADDR, "SO_REUSEADDR" },
        { SO_PASSCRED, "SO_PASSCRED" }, { SO_RXQ_OVFL, "SO_RXQ_OVFL" }, { SO_WIFI_STATUS, "SO_WIFI_STATUS" },
        { SO_NOFCS, "SO_NOFCS" }, { SO_SELECT_ERR_QUEUE, "SO_SELECT_ERR_QUEUE" },
    };
    int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
    for (unsigned t = 0; t < 3; ++t) {
        int fd = socket(AF_UNIX, types[t], 0);
        CHECK_OK(fd);
        for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); ++i) {
            int option = flags[i].option;
            if (get_int(fd, option) != 0)
                check_failed(__FILE__, __LINE__, flags[i].name, 0);
            CHECK_OK(set_int(fd, option, 5));
            if (get_int(fd, option) != 1)
                check_failed(__FILE__, __LINE__, flags[i].name, 0);
            CHECK_OK(set_int(fd, option, 0));
            if (get_int(fd, option) != 0)
                check_failed(__FILE__, __LINE__, flags[i].name, 0);
            /* Less than an int is EINVAL. */
            char small = 1;
            CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, option, &small, 1), EINVAL);
        }
        /* SO_TIMESTAMPNS replaces SO_TIMESTAMP; turning either off turns off both. */
        CHECK_OK(set_int(fd, SO_TIMESTAMP, 1));
        CHECK_OK(set_int(fd, SO_TIMESTAMPNS, 1));
        CHECK(get_int(fd, SO_TIMESTAMP) == 0 && get_int(fd, SO_TIMESTAMPNS) == 1);
        CHECK_OK(set_int(fd, SO_TIMESTAMP, 0));
        CHECK(get_int(fd, SO_TIMESTAMP) == 0 && get_int(fd, SO_TIMESTAMPNS) == 0);

        CHECK(get_int(fd, SO_PRIORITY) == 0);
        CHECK_OK(set_int(fd, SO_PRIORITY, 6));
        CHECK(get_int(fd, SO_PRIORITY) == 6);
        CHECK_OK(set_int(fd, SO_RCVLOWAT, 100));
        CHECK(get_int(fd, SO_RCVLOWAT) == 100);
        CHECK_OK(set_int(fd, SO_RCVLOWAT, -3));
        CHECK(get_int(fd, SO_RCVLOWAT) == INT_MAX);
        CHECK_OK(set_int(fd, SO_RCVLOWAT, 0));
        CHECK(get_int(fd, SO_RCVLOWAT) == 1);
        CHECK(get_int(fd, SO_SNDLOWAT) == 1);
        CHECK_ERRNO(set_int(fd, SO_SNDLOWAT, 1), ENOPROTOOPT);
        CHECK(get_int(fd, SO_BSDCOMPAT) == 0);
        CHECK_OK(set_int(fd, SO_BSDCOMPAT, 1));
        CHECK(get_int(fd, SO_BSDCOMPAT) == 0);
        CHECK_ERRNO(set_int(fd, SO_REUSEPORT, 1), EOPNOTSUPP);
        CHECK_OK(set_int(fd, SO_REUSEPORT, 0));
        CHECK(get_int(fd, SO_REUSEPORT) == 0);
        CHECK(get_int(fd, SO_INCOMING_CPU) == -1);
        CHECK(get_int(fd, SO_BINDTOIFINDEX) == 0);
        CHECK_ERRNO(set_int(fd, SO_BINDTOIFINDEX, -1), EINVAL);
        CHECK(get_int(fd, SO_MARK) == 0);
        if (geteuid() == 0) {
            CHECK_OK(set_int(fd, SO_MARK, 77));
            CHECK(get_int(fd, SO_MARK) == 77);
        }
        CHECK_ERRNO(set_int(fd, SO_TYPE, 1), ENOPROTOOPT);
        CHECK_ERRNO(set_int(fd, SO_PEERCRED, 1), ENOPROTOOPT);

        /* SO_LINGER: stored, with l_onoff read back as 0 or 1 and the time kept when off. */
        struct linger linger = { 1, 1 };
        socklen_t length = sizeof(linger);
        CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, &length));
        CHECK(length == sizeof(linger) && linger.l_onoff == 0 && linger.l_linger == 0);
        linger.l_onoff = 5;
        linger.l_linger = 7;
        CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)));
        CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, &length));
        CHECK(linger.l_onoff == 1 && linger.l_linger == 7);
        linger.l_onoff = 0;
        linger.l_linger = 9;
        CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)));
        CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, &length));
        CHECK(linger.l_onoff == 0 && linger.l_linger == 7);
        CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(int)), EINVAL);

        /* SO_BINDTODEVICE: no name unbinds; a device that does not exist is ENODEV. */
        CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 1));
        CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 0));
        CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "nosuchdev0", 11), ENODEV);
        char name[16] = "x";
        length = sizeof(name);
        CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &length));
        CHECK(length == 0);

        /* SO_COOKIE: stable, never 0, too short a buffer EINVAL. */
        uint64_t cookie = 0, again = 0;
        length = sizeof(cookie);
        CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &length));
        CHECK(cookie != 0 && length == 8);
        CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &again, &length));
        CHECK(again == cookie);
        length = 4;
        CHECK_ERRNO(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &again, &length), EINVAL);
        int other = socket(AF_UNIX, SOCK_STREAM, 0);
        length = sizeof(again);
        CHECK_OK(getsockopt(other, SOL_SOCKET, SO_COOKIE, &again, &length));
        CHECK(again != cookie);
        close(other);
        close(fd);
    }
}

/* Datagrams and seqpacket records carry the time they were sent with SO_TIMESTAMP(NS);
 * streams do not. */
static void test_timestamps(void)
{
    int types[] = { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };
    for (unsigned t = 0; t < 3; ++t) {
        for (int nanoseconds = 0; nanoseconds < 2; ++nanoseconds) {
            int sv[2];
            CHECK_OK(socketpair(AF_UNIX, types[t], 0, sv));
            CHECK_OK(set_int(sv[1], nanoseconds ? SO_TIMESTAMPNS : SO_TIMESTAMP, 1));
            struct timespec before, after;
            clock_gettime(CLOCK_REALTIME, &before);
            CHECK(send(sv[0], "tick", 4, 0) == 4);
            clock_gettime(CLOCK_REALTIME, &after);
            char data[8];
            union {
                char bytes[256];
                struct cmsghdr align;
            } control;
            struct iovec vector = { data, sizeof(data) };
            struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.bytes,
                .msg_controllen = sizeof(control.bytes) };
            CHECK(recvmsg(sv[1], &message, 0) == 4);
            struct cmsghdr *header = CMSG_FIRSTHDR(&message);
            if (types[t] == SOCK_STREAM) {
                CHECK(header == NULL && message.msg_controllen == 0);
            } else {
                CHECK(header != NULL && header->cmsg_level == SOL_SOCKET);
                CHECK(header->cmsg_type == (nanoseconds ? SCM_TIMESTAMPNS : SCM_TIMESTAMP));
                CHECK(header->cmsg_len == CMSG_LEN(16));
                long long sent_us;
                if (nanoseconds) {
                    struct timespec stamp;
                    memcpy(&stamp, CMSG_DATA(header), sizeof(stamp));
                    CHECK(stamp.tv_nsec >= 0 && stamp.tv_nsec < 1000000000);
                    sent_us = stamp.tv_sec * 1000000LL + stamp.tv_nsec / 1000;
                } else {
                    struct timeval stamp;
                    memcpy(&stamp, CMSG_DATA(header), sizeof(stamp));
                    CHECK(stamp.tv_usec >= 0 && stamp.tv_usec < 1000000);
                    sent_us = stamp.tv_sec * 1000000LL + stamp.tv_usec;
                }
                long long before_us = before.tv_sec * 1000000LL + before.tv_nsec / 1000;
                long long after_us = after.tv_sec * 1000000LL + after.tv_nsec / 1000;
                CHECK(sent_us >= before_us - 1000 && sent_us <= after_us + 1000);
            }
            close(sv[0]);
            close(sv[1]);
        }
    }
}

/* readv scatters one datagram over its buffers and writev gathers one. */
static void test_vectors(void)
{
    int types[] = { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };
    for (unsigned t = 0; t < 3; ++t) {
        int sv[2];
        CHECK_OK(socketpair(AF_UNIX, types[t], 0, sv));
        struct iovec out[3] = { { "hel", 3 }, { "", 0 }, { "lo world", 8 } };
        CHECK(writev(sv[0], out, 3) == 11);
        char first[3], second[4], third[16];
        struct iovec in[3] = { { first, 3 }, { second, 4 }, { third, sizeof(third) } };
        CHECK(readv(sv[1], in, 3) == 11);
        CHECK(memcmp(first, "hel", 3) == 0 && memcmp(second, "lo w", 4) == 0 && memcmp(third, "orld", 4) == 0);
        if (types[t] != SOCK_STREAM) {
            /* A datagram longer than the buffers loses its end. */
            CHECK(send(sv[0], "0123456789", 10, 0) == 10);
            struct iovec short_in[2] = { { first, 3 }, { second, 4 } };
            CHECK(readv(sv[1], short_in, 2) == 7);
            CHECK(memcmp(first, "012", 3) == 0 && memcmp(second, "3456", 4) == 0);
            CHECK_ERRNO(recv(sv[1], third, sizeof(third), MSG_DONTWAIT), EAGAIN);
            /* Reading nothing takes no datagram; receiving nothing does. */
            CHECK(send(sv[0], "xy", 2, 0) == 2);
            CHECK(read(sv[1], third, 0) == 0);
            struct iovec none = { third, 0 };
            CHECK(readv(sv[1], &none, 1) == 0);
            CHECK(recv(sv[1], third, 0, 0) == 0);
            CHECK_ERRNO(recv(sv[1], third, sizeof(third), MSG_DONTWAIT), EAGAIN);
            /* writev of nothing sends nothing; write of nothing an empty datagram. */
            CHECK(writev(sv[0], &none, 1) == 0);
            CHECK_ERRNO(recv(sv[1], third, sizeof(third), MSG_DONTWAIT), EAGAIN);
            CHECK(write(sv[0], third, 0) == 0);
            CHECK(recv(sv[1], third, sizeof(third), MSG_DONTWAIT) == 0);
        }
        /* A bad buffer anywhere is EFAULT before anything moves. */
        struct iovec bad[2] = { { "ab", 2 }, { (void *)8, 4 } };
        CHECK_ERRNO(writev(sv[0], bad, 2), EFAULT);
        CHECK_ERRNO(recv(sv[1], third, sizeof(third), MSG_DONTWAIT), EAGAIN);
        close(sv[0]);
        close(sv[1]);
    }
}

static long raw_sendmmsg(int fd, struct mmsghdr *messages, unsigned count, int flags)
{
    return syscall(SYS_sendmmsg, fd, messages, count, flags);
}

static long raw_recvmmsg(int fd, struct mmsghdr *messages, unsigned count, int flags, struct timespec *timeout)
{
    return syscall(SYS_recvmmsg, fd, messages, count, flags, timeout);
}

static void test_mmsg(void)
{
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    struct iovec out[3] = { { "one", 3 }, { "three", 5 }, { "seven!!", 7 } };
    struct mmsghdr messages[4];
    memset(messages, 0, sizeof(messages));
    for (int i = 0; i < 3; ++i) {
        messages[i].msg_hdr.msg_iov = &out[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_len = 999;
    }
    CHECK(raw_sendmmsg(sv[0], messages, 3, 0) == 3);
    CHECK(messages[0].msg_len == 3 && messages[1].msg_len == 5 && messages[2].msg_len == 7);
    CHECK(raw_sendmmsg(sv[0], messages, 0, 0) == 0);

    char buffers[4][8];
    struct iovec in[4];
    struct mmsghdr received[4];
    memset(received, 0, sizeof(received));
    for (int i = 0; i < 4; ++i) {
        in[i].iov_base = buffers[i];
        in[i].iov_len = sizeof(buffers[i]);
        received[i].msg_hdr.msg_iov = &in[i];
        received[i].msg_hdr.msg_iovlen = 1;
    }
    /* MSG_WAITFORONE: what is there after the first. */
    CHECK(raw_recvmmsg(sv[1], received, 4, MSG_WAITFORONE, NULL) == 3);
    CHECK(received[0].msg_len == 3 && received[1].msg_len == 5 && received[2].msg_len == 7);
    CHECK(memcmp(buffers[1], "three", 5) == 0 && memcmp(buffers[2], "seven!!", 7) == 0);
    CHECK_ERRNO(raw_recvmmsg(sv[1], received, 4, MSG_DONTWAIT, NULL), EAGAIN);
    /* Non-blocking with fewer than asked: the count, and no error kept. */
    CHECK(raw_sendmmsg(sv[0], messages, 2, 0) == 2);
    CHECK(raw_recvmmsg(sv[1], received, 4, MSG_DONTWAIT, NULL) == 2);
    CHECK(get_int(sv[1], SO_ERROR) == 0);

    /* A timeout is looked at after each message: a zero one returns after the first, and
     * what is left is written back. */
    CHECK(raw_sendmmsg(sv[0], messages, 2, 0) == 2);
    struct timespec timeout = { 0, 0 };
    CHECK(raw_recvmmsg(sv[1], received, 4, 0, &timeout) == 1);
    CHECK(timeout.tv_sec == 0 && timeout.tv_nsec == 0);
    timeout.tv_sec = 10;
    CHECK(raw_recvmmsg(sv[1], received, 1, 0, &timeout) == 1);
    CHECK(received[0].msg_len == 5);
    CHECK(timeout.tv_sec <= 10 && timeout.tv_sec >= 8);
    timeout.tv_nsec = 1000000000;
    CHECK_ERRNO(raw_recvmmsg(sv[1], received, 1, 0, &timeout), EINVAL);
    timeout.tv_sec = -1;
    timeout.tv_nsec = 0;
    CHECK_ERRNO(raw_recvmmsg(sv[1], received, 1, 0, &timeout), EINVAL);
    /* Blocking for the first message, as long as SO_RCVTIMEO allows. */
    set_timeout(sv[1], SO_RCVTIMEO, 0, 20000);
    CHECK_ERRNO(raw_recvmmsg(sv[1], received, 2, MSG_WAITFORONE, NULL), EAGAIN);

    /* sendmmsg stops at a bad message: the count when some went, the error otherwise. */
    struct iovec bad = { (void *)8, 4 };
    messages[1].msg_hdr.msg_iov = &bad;
    CHECK(raw_sendmmsg(sv[0], messages, 3, 0) == 1);
    CHECK_ERRNO(raw_sendmmsg(sv[0], &messages[1], 2, 0), EFAULT);
    CHECK(raw_recvmmsg(sv[1], received, 4, MSG_DONTWAIT, NULL) == 1);
    CHECK_ERRNO(raw_sendmmsg(-1, messages, 1, 0), EBADF);
    CHECK_ERRNO(raw_recvmmsg(-1, received, 1, 0, NULL), EBADF);
    int pipe_fds[2];
    CHECK_OK(pipe(pipe_fds));
    CHECK_ERRNO(raw_sendmmsg(pipe_fds[1], messages, 1, 0), ENOTSOCK);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    close(sv[0]);
    close(sv[1]);

    /* A stream's short write ends the batch. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_OK(set_int(sv[0], SO_SNDBUF, 4096));
    static char big[65536];
    struct iovec stream_out[2] = { { big, sizeof(big) }, { "x", 1 } };
    struct mmsghdr stream_messages[2];
    memset(stream_messages, 0, sizeof(stream_messages));
    stream_messages[0].msg_hdr.msg_iov = &stream_out[0];
    stream_messages[0].msg_hdr.msg_iovlen = 1;
    stream_messages[1].msg_hdr.msg_iov = &stream_out[1];
    stream_messages[1].msg_hdr.msg_iovlen = 1;
    CHECK(raw_sendmmsg(sv[0], stream_messages, 2, MSG_DONTWAIT) == 1);
    CHECK(stream_messages[0].msg_len > 0 && stream_messages[0].msg_len < sizeof(big));
    close(sv[0]);
    close(sv[1]);
}

/* A socket's /proc/self/fd link leads to it, but it cannot be opened (ENXIO), except as
 * O_PATH. */
static void test_proc_fd(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(fd);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    CHECK_ERRNO(open(path, O_RDWR), ENXIO);
    CHECK_ERRNO(open(path, O_RDONLY), ENXIO);
    int by_path = open(path, O_PATH);
    CHECK_OK(by_path);
    struct stat status;
    CHECK_OK(fstat(by_path, &status));
    CHECK(S_ISSOCK(status.st_mode));
    close(by_path);
    close(fd);
}

int main(void)
{
    test_timeout_values();
    test_receive_timeouts();
    test_send_timeouts();
    test_accept_connect_timeouts();
    test_stored_options();
    test_timestamps();
    test_vectors();
    test_mmsg();
    test_proc_fd();
    return check_passed("unix_socket_options");
}
