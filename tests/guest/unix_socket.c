/* AF_UNIX sockets: socketpair of every type across fork, a listening server under a path and
 * an abstract name accepting from a child, datagrams to a name, SCM_RIGHTS of a pipe end,
 * SCM_CREDENTIALS and SO_PEERCRED, shutdown, EPIPE and SIGPIPE, non-blocking EAGAIN, poll
 * readiness, socket options, and the error codes of Linux. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int signal_number)
{
    (void)signal_number;
    sigpipes++;
}

static short revents_of(int fd, short events)
{
    struct pollfd entry = { fd, events, 0 };
    CHECK(poll(&entry, 1, 0) >= 0);
    return entry.revents;
}

static socklen_t path_address(struct sockaddr_un *address, const char *path)
{
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    strcpy(address->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_address(struct sockaddr_un *address, const char *name)
{
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void test_creation_errors(void)
{
    int fds[2];
    CHECK_ERRNO(socket(46, SOCK_STREAM, 0), EAFNOSUPPORT);
    CHECK_ERRNO(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
    CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL);
    CHECK_ERRNO(socket(AF_UNIX, 11, 0), EINVAL);
    CHECK_ERRNO(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
    CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT);
    CHECK_ERRNO(socketpair(AF_UNIX, SOCK_RDM, 0, fds), ESOCKTNOSUPPORT);
    CHECK_ERRNO(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8L), EFAULT);
    CHECK_ERRNO(listen(0 + 1000, 1), EBADF);
    int pipe_fds[2];
    CHECK_OK(pipe(pipe_fds));
    CHECK_ERRNO(listen(pipe_fds[0], 1), ENOTSOCK);
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFL) == (O_RDWR | O_NONBLOCK));
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    struct stat status;
    CHECK_OK(fstat(fd, &status));
    CHECK(S_ISSOCK(status.st_mode));
    CHECK((status.st_mode & 0777) == 0777);
    CHECK_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE);
    char link[64], expected[64];
    char proc_path[64];
    snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(proc_path, link, sizeof link - 1);
    CHECK(length > 0);
    link[length] = 0;
    snprintf(expected, sizeof expected, "socket:[%lu]", (unsigned long)status.st_ino);
    CHECK(strcmp(link, expected) == 0);
    /* An unconnected stream: reads EINVAL, writes ENOTCONN, no peer; POLLHUP and POLLOUT. */
    char byte;
    CHECK_ERRNO(read(fd, &byte, 1), EINVAL);
    CHECK_ERRNO(write(fd, "x", 1), ENOTCONN);
    struct sockaddr_un name;
    socklen_t name_length = sizeof name;
    CHECK_ERRNO(getpeername(fd, (struct sockaddr *)&name, &name_length), ENOTCONN);
    CHECK(getsockname(fd, (struct sockaddr *)&name, &name_length) == 0);
    CHECK(name_length == sizeof(sa_family_t) && name.sun_family == AF_UNIX);
    CHECK(revents_of(fd, POLLIN | POLLOUT) == (POLLOUT | POLLHUP));
    CHECK_ERRNO(accept(fd, NULL, NULL), EINVAL);
    CHECK_ERRNO(listen(fd, 1), EINVAL); /* not bound */
    CHECK_ERRNO(shutdown(fd, 3), EINVAL);
    close(fd);

    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(datagram >= 0);
    CHECK_ERRNO(listen(datagram, 1), EOPNOTSUPP);
    CHECK_ERRNO(send(datagram, "x", 1, 0), ENOTCONN);
    CHECK(revents_of(datagram, POLLIN | POLLOUT) == POLLOUT);
    close(datagram);
    int packet = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(packet >= 0);
    CHECK_ERRNO(read(packet, &byte, 1), ENOTCONN);
    CHECK_ERRNO(write(packet, "x", 1), ENOTCONN);
    close(packet);
}

static void test_options(void)
{
    int fds[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds));
    int value;
    socklen_t length = sizeof value;
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_TYPE, &value, &length));
    CHECK(value == SOCK_SEQPACKET && length == sizeof value);
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_DOMAIN, &value, &length));
    CHECK(value == AF_UNIX);
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_PROTOCOL, &value, &length));
    CHECK(value == 0);
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_ERROR, &value, &length));
    CHECK(value == 0);
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_ACCEPTCONN, &value, &length));
    CHECK(value == 0);
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &value, &length));
    CHECK(value > 0);
    value = 8192;
    CHECK_OK(setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &value, sizeof value));
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &value, &length));
    CHECK(value == 16384);
    value = 1;
    CHECK_OK(setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &value, sizeof value));
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &value, &length));
    CHECK(value == 1);
    CHECK_ERRNO(setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &value, 2), EINVAL);
    CHECK_ERRNO(getsockopt(fds[0], SOL_SOCKET, 9999, &value, &length), ENOPROTOOPT);
    CHECK_ERRNO(getsockopt(fds[0], IPPROTO_TCP, 1, &value, &length), EOPNOTSUPP);
    struct ucred credentials;
    length = sizeof credentials;
    CHECK_OK(getsockopt(fds[0], SOL_SOCKET, SO_PEERCRED, &credentials, &length));
    CHECK(length == sizeof credentials);
    CHECK(credentials.pid == getpid() && credentials.uid == geteuid() && credentials.gid == getegid());
    close(fds[0]);
    close(fds[1]);
}

/* A child writes, the parent reads, over every type; message boundaries hold for datagrams and
 * seqpackets, and the end is seen once the child is gone. */
static void test_pair_across_fork(int type)
{
    int fds[2];
    CHECK_OK(socketpair(AF_UNIX, type, 0, fds));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(fds[0]);
        if (write(fds[1], "first", 5) != 5 || write(fds[1], "second", 6) != 6)
            _exit(2);
        char reply[16];
        if (read(fds[1], reply, sizeof reply) != 4 || memcmp(reply, "pong", 4) != 0)
            _exit(3);
        _exit(0);
    }
    close(fds[1]);
    char buffer[64];
    if (type == SOCK_STREAM) {
        size_t total = 0;
        while (total < 11) {
            ssize_t count = read(fds[0], buffer + total, sizeof buffer - total);
            CHECK(count > 0);
            total += (size_t)count;
        }
        CHECK(total == 11 && memcmp(buffer, "firstsecond", 11) == 0);
    } else {
        CHECK(read(fds[0], buffer, sizeof buffer) == 5 && memcmp(buffer, "first", 5) == 0);
        /* A short buffer cuts the message and drops the rest. */
        struct iovec vector = { buffer, 3 };
        struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
        CHECK(recvmsg(fds[0], &message, 0) == 3);
        CHECK(message.msg_flags & MSG_TRUNC);
        CHECK(memcmp(buffer, "sec", 3) == 0);
    }
    CHECK(write(fds[0], "pong", 4) == 4);
    CHECK_CHILD_EXITS(child, 0);
    if (type != SOCK_DGRAM) {
        CHECK(read(fds[0], buffer, sizeof buffer) == 0);
        CHECK(revents_of(fds[0], POLLIN | POLLOUT | POLLRDHUP) & (POLLHUP | POLLRDHUP));
    }
    close(fds[0]);
}

static void test_shutdown_and_epipe(void)
{
    int fds[2];
    char buffer[16];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    CHECK_OK(shutdown(fds[0], SHUT_WR));
    CHECK(read(fds[1], buffer, sizeof buffer) == 0);
    CHECK(revents_of(fds[1], POLLIN | POLLRDHUP) == (POLLIN | POLLRDHUP));
    sigpipes = 0;
    CHECK_ERRNO(write(fds[0], "x", 1), EPIPE);
    CHECK(sigpipes == 1);
    /* The other way still works. */
    CHECK(write(fds[1], "ok", 2) == 2);
    CHECK(read(fds[0], buffer, sizeof buffer) == 2);
    close(fds[1]);
    CHECK_ERRNO(send(fds[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK(sigpipes == 1);
    CHECK(revents_of(fds[0], POLLIN | POLLOUT) & POLLHUP);
    close(fds[0]);

    /* A closed peer: EPIPE with SIGPIPE for streams, without for seqpackets; ECONNREFUSED once
     * for datagrams. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    close(fds[1]);
    CHECK_ERRNO(write(fds[0], "x", 1), EPIPE);
    CHECK(sigpipes == 2);
    close(fds[0]);
    CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds));
    close(fds[1]);
    CHECK_ERRNO(write(fds[0], "x", 1), EPIPE);
    CHECK(sigpipes == 2);
    CHECK(read(fds[0], buffer, sizeof buffer) == 0);
    close(fds[0]);
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds));
    close(fds[1]);
    CHECK_ERRNO(write(fds[0], "x", 1), ECONNREFUSED);
    CHECK_ERRNO(write(fds[0], "x", 1), ENOTCONN);
    close(fds[0]);

    /* Unread data when the peer closes is a reset. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    CHECK(write(fds[0], "lost", 4) == 4);
    close(fds[1]);
    CHECK_ERRNO(read(fds[0], buffer, sizeof buffer), ECONNRESET);
    CHECK(read(fds[0], buffer, sizeof buffer) == 0);
    close(fds[0]);
}

static void test_nonblocking_and_poll(void)
{
    int fds[2];
    char buffer[4096];
    memset(buffer, 'n', sizeof buffer);
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
    CHECK_ERRNO(read(fds[0], buffer, 1), EAGAIN);
    CHECK(revents_of(fds[0], POLLIN | POLLOUT) == POLLOUT);
    CHECK(write(fds[1], "a", 1) == 1);
    CHECK(revents_of(fds[0], POLLIN | POLLOUT) == (POLLIN | POLLOUT));
    int queued = 0;
    CHECK_OK(ioctl(fds[0], FIONREAD, &queued));
    CHECK(queued == 1);
    /* Peek leaves it there. */
    CHECK(recv(fds[0], buffer, sizeof buffer, MSG_PEEK) == 1);
    CHECK(recv(fds[0], buffer, sizeof buffer, 0) == 1);
    /* Fill until EAGAIN: then not writable until the reader drains. */
    size_t total = 0;
    for (;;) {
        ssize_t count = write(fds[1], buffer, sizeof buffer);
        if (count < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        total += (size_t)count;
        CHECK(total < (64u << 20));
    }
    CHECK(total > 0);
    CHECK(!(revents_of(fds[1], POLLOUT) & POLLOUT));
    size_t drained = 0;
    while (drained < total) {
        ssize_t count = read(fds[0], buffer, sizeof buffer);
        CHECK(count > 0);
        drained += (size_t)count;
    }
    CHECK(revents_of(fds[1], POLLOUT) == POLLOUT);
    close(fds[0]);
    close(fds[1]);

    /* MSG_DONTWAIT on a blocking datagram socket. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds));
    CHECK_ERRNO(recv(fds[0], buffer, 1, MSG_DONTWAIT), EAGAIN);
    close(fds[0]);
    close(fds[1]);
}

/* The parent blocks in read and accept while a child takes its time. */
static void test_blocking_read(void)
{
    int fds[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(fds[0]);
        sleep_ms(50);
        _exit(write(fds[1], "wake", 4) == 4 ? 0 : 2);
    }
    close(fds[1]);
    char buffer[8];
    struct pollfd entry = { fds[0], POLLIN, 0 };
    CHECK(poll(&entry, 1, 5000) == 1 && (entry.revents & POLLIN));
    CHECK(recv(fds[0], buffer, 4, MSG_WAITALL) == 4);
    CHECK(memcmp(buffer, "wake", 4) == 0);
    CHECK_CHILD_EXITS(child, 0);
    close(fds[0]);
}

static void test_rights(void)
{
    int fds[2], pipe_fds[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds));
    CHECK_OK(pipe(pipe_fds));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        /* The child receives the write end of a pipe it never had and writes through it. */
        close(fds[0]);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        char byte;
        struct iovec vector = { &byte, 1 };
        union {
            struct cmsghdr header;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        if (recvmsg(fds[1], &message, MSG_CMSG_CLOEXEC) != 1)
            _exit(2);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        if (!header || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS
            || header->cmsg_len != CMSG_LEN(sizeof(int)) || (message.msg_flags & MSG_CTRUNC))
            _exit(3);
        int received;
        memcpy(&received, CMSG_DATA(header), sizeof received);
        if (fcntl(received, F_GETFD) != FD_CLOEXEC)
            _exit(4);
        if (write(received, "via", 3) != 3)
            _exit(5);
        _exit(0);
    }
    close(fds[1]);
    char byte = 'r';
    struct iovec vector = { &byte, 1 };
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &pipe_fds[1], sizeof(int));
    CHECK(sendmsg(fds[0], &message, 0) == 1);
    close(pipe_fds[1]);
    char buffer[8];
    CHECK(read(pipe_fds[0], buffer, sizeof buffer) == 3 && memcmp(buffer, "via", 3) == 0);
    CHECK_CHILD_EXITS(child, 0);
    /* Every writer is gone now, the one passed included. */
    CHECK(read(pipe_fds[0], buffer, sizeof buffer) == 0);
    close(pipe_fds[0]);
    close(fds[0]);

    /* No room for the descriptor: MSG_CTRUNC, and it is closed. A bad descriptor is EBADF. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    CHECK_OK(pipe(pipe_fds));
    memcpy(CMSG_DATA(header), &pipe_fds[1], sizeof(int));
    CHECK(sendmsg(fds[0], &message, 0) == 1);
    close(pipe_fds[1]);
    struct msghdr plain = { .msg_iov = &vector, .msg_iovlen = 1 };
    CHECK(recvmsg(fds[1], &plain, 0) == 1);
    CHECK(plain.msg_flags & MSG_CTRUNC);
    CHECK(read(pipe_fds[0], buffer, sizeof buffer) == 0);
    int bad = 999;
    memcpy(CMSG_DATA(header), &bad, sizeof(int));
    CHECK_ERRNO(sendmsg(fds[0], &message, 0), EBADF);
    close(pipe_fds[0]);
    close(fds[0]);
    close(fds[1]);
}

static void test_credentials(void)
{
    int fds[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds));
    int on = 1;
    CHECK_OK(setsockopt(fds[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    CHECK(send(fds[0], "c", 1, 0) == 1);
    char byte;
    struct iovec vector = { &byte, 1 };
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
    CHECK(recvmsg(fds[1], &message, 0) == 1);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    CHECK(header && header->cmsg_type == SCM_CREDENTIALS && header->cmsg_len == CMSG_LEN(sizeof(struct ucred)));
    struct ucred credentials;
    memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
    CHECK(credentials.pid == getpid() && credentials.uid == getuid() && credentials.gid == getgid());
    close(fds[0]);
    close(fds[1]);
}

/* A server bound to `address` accepts a child that connects, talks both ways and leaves. */
static void serve(struct sockaddr_un *address, socklen_t length)
{
    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(server >= 0);
    CHECK_OK(bind(server, (struct sockaddr *)address, length));
    struct sockaddr_un name;
    socklen_t name_length = sizeof name;
    CHECK_OK(getsockname(server, (struct sockaddr *)&name, &name_length));
    CHECK(name_length == length && memcmp(&name, address, length) == 0);
    CHECK_OK(listen(server, 4));
    int value;
    socklen_t value_length = sizeof value;
    CHECK_OK(getsockopt(server, SOL_SOCKET, SO_ACCEPTCONN, &value, &value_length));
    CHECK(value == 1);
    CHECK(revents_of(server, POLLIN | POLLOUT) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(server);
        int client = socket(AF_UNIX, SOCK_STREAM, 0);
        if (client < 0 || connect(client, (struct sockaddr *)address, length) != 0)
            _exit(2);
        struct sockaddr_un peer;
        socklen_t peer_length = sizeof peer;
        if (getpeername(client, (struct sockaddr *)&peer, &peer_length) != 0 || peer_length != length)
            _exit(3);
        struct ucred credentials;
        socklen_t credentials_length = sizeof credentials;
        if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_length) != 0 || credentials.pid != getppid())
            _exit(4);
        if (write(client, "hello", 5) != 5)
            _exit(5);
        char reply[8];
        if (read(client, reply, sizeof reply) != 3 || memcmp(reply, "bye", 3) != 0)
            _exit(6);
        _exit(0);
    }
    struct pollfd entry = { server, POLLIN, 0 };
    CHECK(poll(&entry, 1, 5000) == 1 && entry.revents == POLLIN);
    struct sockaddr_un peer;
    socklen_t peer_length = sizeof peer;
    int connection = accept4(server, (struct sockaddr *)&peer, &peer_length, SOCK_CLOEXEC);
    CHECK(connection >= 0);
    /* The client never bound: its name is the family alone. */
    CHECK(peer_length == sizeof(sa_family_t));
    CHECK(fcntl(connection, F_GETFD) == FD_CLOEXEC);
    name_length = sizeof name;
    CHECK_OK(getsockname(connection, (struct sockaddr *)&name, &name_length));
    CHECK(name_length == length);
    struct ucred credentials;
    socklen_t credentials_length = sizeof credentials;
    CHECK_OK(getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_length));
    CHECK(credentials.pid == child);
    char buffer[8];
    CHECK(recv(connection, buffer, 5, MSG_WAITALL) == 5 && memcmp(buffer, "hello", 5) == 0);
    CHECK(write(connection, "bye", 3) == 3);
    CHECK_CHILD_EXITS(child, 0);
    CHECK(read(connection, buffer, sizeof buffer) == 0);
    close(connection);
    close(server);
}

static void test_servers(const char *directory)
{
    struct sockaddr_un address;
    char path[200];
    snprintf(path, sizeof path, "%s/server", directory);
    socklen_t length = path_address(&address, path);
    serve(&address, length);
    /* The node stays behind: a socket, which open(2) refuses, and to which nothing listens. */
    struct stat status;
    CHECK_OK(stat(path, &status));
    CHECK(S_ISSOCK(status.st_mode));
    CHECK_ERRNO(open(path, O_RDWR), ENXIO);
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(client >= 0);
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, length), ECONNREFUSED);
    int taken = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(bind(taken, (struct sockaddr *)&address, length), EADDRINUSE);
    close(taken);
    CHECK_OK(unlink(path));
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, length), ENOENT);
    /* A regular file is no socket. */
    snprintf(path, sizeof path, "%s/file", directory);
    write_file(path, "", 0600);
    length = path_address(&address, path);
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, length), ECONNREFUSED);
    CHECK_OK(unlink(path));
    /* The wrong type. */
    snprintf(path, sizeof path, "%s/datagram", directory);
    length = path_address(&address, path);
    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(datagram, (struct sockaddr *)&address, length));
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, length), EPROTOTYPE);
    /* Bound already: a taken path is EADDRINUSE, a free one EINVAL and left free. */
    CHECK_ERRNO(bind(datagram, (struct sockaddr *)&address, length), EADDRINUSE);
    close(datagram);
    CHECK_OK(unlink(path));
    datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(datagram, (struct sockaddr *)&address, sizeof(sa_family_t)));
    CHECK_ERRNO(bind(datagram, (struct sockaddr *)&address, length), EINVAL);
    CHECK(!file_exists(path));
    close(datagram);
    /* Malformed addresses. */
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, 1), EINVAL);
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, sizeof address + 1), EINVAL);
    address.sun_family = AF_INET;
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, length), EINVAL);
    close(client);

    char name[64];
    snprintf(name, sizeof name, "unifork-test-%d", (int)getpid());
    length = abstract_address(&address, name);
    serve(&address, length);
    /* The name is free once the server is closed. */
    client = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(connect(client, (struct sockaddr *)&address, length), ECONNREFUSED);
    close(client);
}

/* Datagrams to names: autobind, the sender's name with each datagram, EPERM from a socket
 * connected elsewhere, and a non-blocking connect to a full backlog. */
static void test_datagram_names(void)
{
    char name[64];
    struct sockaddr_un address;
    snprintf(name, sizeof name, "unifork-dgram-%d", (int)getpid());
    socklen_t length = abstract_address(&address, name);
    int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(receiver, (struct sockaddr *)&address, length));
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(sender, (struct sockaddr *)&address, sizeof(sa_family_t)));
    struct sockaddr_un own;
    socklen_t own_length = sizeof own;
    CHECK_OK(getsockname(sender, (struct sockaddr *)&own, &own_length));
    CHECK(own_length == offsetof(struct sockaddr_un, sun_path) + 6 && own.sun_path[0] == 0);
    CHECK(sendto(sender, "to", 2, 0, (struct sockaddr *)&address, length) == 2);
    char buffer[8];
    struct sockaddr_un from;
    socklen_t from_length = sizeof from;
    CHECK(recvfrom(receiver, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &from_length) == 2);
    CHECK(from_length == own_length && memcmp(&from, &own, own_length) == 0);
    /* Connected elsewhere, the receiver refuses strangers. */
    int third = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(connect(receiver, (struct sockaddr *)&own, own_length));
    CHECK_ERRNO(sendto(third, "x", 1, 0, (struct sockaddr *)&address, length), EPERM);
    close(third);
    close(sender);
    close(receiver);

    /* Backlog 0 takes one connection; the next non-blocking connect is EAGAIN. */
    snprintf(name, sizeof name, "unifork-backlog-%d", (int)getpid());
    length = abstract_address(&address, name);
    int server = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_OK(bind(server, (struct sockaddr *)&address, length));
    CHECK_OK(listen(server, 0));
    int first = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    CHECK_OK(connect(first, (struct sockaddr *)&address, length));
    int second = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    CHECK_ERRNO(connect(second, (struct sockaddr *)&address, length), EAGAIN);
    CHECK(write(first, "queued", 6) == 6);
    int connection = accept(server, NULL, NULL);
    CHECK(connection >= 0);
    CHECK(read(connection, buffer, sizeof buffer) == 6);
    CHECK_ERRNO(connect(first, (struct sockaddr *)&address, length), EISCONN);
    /* Closing the listener with a connection waiting resets that connection. */
    CHECK_OK(connect(second, (struct sockaddr *)&address, length));
    close(server);
    CHECK_ERRNO(read(second, buffer, sizeof buffer), ECONNRESET);
    CHECK(read(second, buffer, sizeof buffer) == 0);
    close(connection);
    close(first);
    close(second);
}

int main(void)
{
    signal(SIGPIPE, on_sigpipe);
    char directory[64];
    make_scratch_directory(directory, sizeof directory, "unix_socket");
    test_creation_errors();
    test_options();
    test_pair_across_fork(SOCK_STREAM);
    test_pair_across_fork(SOCK_DGRAM);
    test_pair_across_fork(SOCK_SEQPACKET);
    test_shutdown_and_epipe();
    test_nonblocking_and_poll();
    test_blocking_read();
    test_rights();
    test_credentials();
    test_servers(directory);
    test_datagram_names();
    remove_scratch_directory(directory);
    return check_passed("unix_socket");
}
