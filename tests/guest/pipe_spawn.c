/* Pipe descriptors inherited through vfork and posix_spawn. A vfork child works on a copy of
 * the descriptor table: its dup2 and close leave the parent's alone, and the pipe end it
 * moves onto standard output carries what the exec'd program writes. posix_spawn's file
 * actions dup2 a close-on-exec write end onto a standard descriptor (the copy loses
 * close-on-exec, the original goes at the exec), close what they are told to, and leave
 * other inherited ends where they were. End of file comes only once every write end is
 * closed: not while the parent still holds its own after the child exited, at once when it
 * closes it; and a chain of two spawned processes ends only because neither inherited an
 * end it should not hold.
 *
 * The children are this program: SELF --checks ... (proc.h) and SELF --copy (standard input
 * to standard output). */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <spawn.h>

static char *self;
static char *no_environment[] = { NULL };

static char *format(const char *pattern, long value)
{
    char *text = malloc(64);
    CHECK(text != NULL);
    snprintf(text, 64, pattern, value);
    return text;
}

/* Reads fd to its end into buffer (a string); every wait is bounded, so a write end left
 * open somewhere fails the test instead of hanging it. */
static size_t read_to_end(int fd, char *buffer, size_t size)
{
    size_t length = 0;
    for (;;) {
        struct pollfd entry = { .fd = fd, .events = POLLIN };
        int ready = poll(&entry, 1, 20000);
        CHECK_OK(ready);
        if (ready == 0)
            check_failed(__FILE__, __LINE__, "no end of file within 20 s: a write end is still open", 0);
        ssize_t got = read(fd, buffer + length, size - 1 - length);
        CHECK(got >= 0);
        if (got == 0)
            break;
        length += (size_t)got;
        CHECK(length < size - 1);
    }
    buffer[length] = '\0';
    return length;
}

static int copy_input(void)
{
    char buffer[1000];
    for (;;) {
        ssize_t got = read(0, buffer, sizeof buffer);
        if (got < 0)
            return 10;
        if (got == 0)
            return 0;
        if (write(1, buffer, (size_t)got) != got)
            return 11;
    }
}

static void same_file(int fd, const struct stat *before)
{
    struct stat now;
    CHECK_OK(fstat(fd, &now));
    CHECK(now.st_dev == before->st_dev && now.st_ino == before->st_ino);
}

static void vfork_with_pipes(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    struct stat out_before, read_before, write_before;
    CHECK_OK(fstat(1, &out_before));
    CHECK_OK(fstat(fds[0], &read_before));
    CHECK_OK(fstat(fds[1], &write_before));

    /* dup2 onto stdout and exec: the program writes into the pipe. */
    char *argv[] = { self, "--checks", "keep:1", format("closed:%ld", fds[0]), format("closed:%ld", fds[1]),
        "write:1:through vfork", "sleep:50", "write:1:, then exit", NULL };
    pid_t pid = vfork();
    if (pid == 0) {
        if (dup2(fds[1], 1) != 1 || close(fds[0]) != 0 || close(fds[1]) != 0)
            _exit(126);
        execve(self, argv, no_environment);
        _exit(127);
    }
    CHECK(pid > 0);
    /* The child's dup2 and closes were its own. */
    same_file(1, &out_before);
    same_file(fds[0], &read_before);
    same_file(fds[1], &write_before);
    CHECK_OK(close(fds[1]));
    char buffer[256];
    read_to_end(fds[0], buffer, sizeof buffer);
    CHECK(strcmp(buffer, "through vfork, then exit") == 0);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK_OK(close(fds[0]));

    /* Without exec: what the child closes and opens is gone with it. */
    CHECK_OK(pipe(fds));
    CHECK_OK(fstat(fds[0], &read_before));
    pid = vfork();
    if (pid == 0) {
        if (close(fds[0]) != 0 || dup2(fds[1], 40) != 40 || write(40, "v", 1) != 1 || close(fds[1]) != 0)
            _exit(126);
        _exit(3);
    }
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 3);
    same_file(fds[0], &read_before);
    CHECK(fcntl(fds[1], F_GETFD) == 0);
    CHECK_ERRNO(fcntl(40, F_GETFD), EBADF);
    /* Our write end still open: the data, then no end of file. */
    struct pollfd entry = { .fd = fds[0], .events = POLLIN };
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == POLLIN);
    CHECK(read(fds[0], buffer, sizeof buffer) == 1 && buffer[0] == 'v');
    CHECK(poll(&entry, 1, 0) == 0);
    CHECK_OK(close(fds[1]));
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == POLLHUP);
    CHECK(read(fds[0], buffer, sizeof buffer) == 0);
    CHECK_OK(close(fds[0]));
}

static pid_t spawn(const posix_spawn_file_actions_t *actions, char **argv)
{
    pid_t pid = 0;
    int error = posix_spawn(&pid, self, actions, NULL, argv, no_environment);
    if (error) {
        errno = error;
        CHECK(!"posix_spawn failed");
    }
    CHECK(pid > 0);
    return pid;
}

static void spawn_with_pipes(void)
{
    /* A close-on-exec pipe: the write end dup2'd onto stdout by a file action. */
    int fds[2];
    CHECK_OK(pipe2(fds, O_CLOEXEC));
    posix_spawn_file_actions_t actions;
    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, fds[1], 1) == 0);
    char *argv[] = { self, "--checks", "keep:1", format("closed:%ld", fds[0]), format("closed:%ld", fds[1]),
        "write:1:spawned", "sleep:30", "write:1:!", "exit:7", NULL };
    pid_t pid = spawn(&actions, argv);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);
    /* The child has exited, but our own write end keeps the pipe from its end. */
    CHECK_CHILD_EXITS(pid, 7);
    char buffer[256];
    struct pollfd entry = { .fd = fds[0], .events = POLLIN };
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == POLLIN);
    CHECK(read(fds[0], buffer, sizeof buffer) == 8 && memcmp(buffer, "spawned!", 8) == 0);
    CHECK(poll(&entry, 1, 50) == 0);
    CHECK_OK(close(fds[1]));
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == POLLHUP);
    CHECK(read(fds[0], buffer, sizeof buffer) == 0);
    CHECK_OK(close(fds[0]));

    /* Plain ends: one inherited where it is, also dup2'd high, the read end closed by an
     * action; closing ours right away, we read end of file once the child is done with both
     * of its copies. */
    CHECK_OK(pipe(fds));
    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, fds[1], 50) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, fds[0]) == 0);
    char *argv2[] = { self, "--checks", format("closed:%ld", fds[0]), format("keep:%ld", fds[1]), "keep:50",
        format("write:%ld:inherited", fds[1]), "sleep:30", "write:50:+dup2", NULL };
    pid = spawn(&actions, argv2);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);
    CHECK_OK(close(fds[1]));
    CHECK(fcntl(fds[0], F_GETFD) == 0); /* closed only in the child */
    read_to_end(fds[0], buffer, sizeof buffer);
    CHECK(strcmp(buffer, "inherited+dup2") == 0);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK_OK(close(fds[0]));
}

/* first | SELF --copy, both spawned, the copy's output read here. The copy sees end of file
 * only if the first child has exited and neither it nor the copy holds the middle pipe's
 * write end beyond the first child's standard output. */
static void spawned_chain(void)
{
    int middle[2], out[2];
    CHECK_OK(pipe2(middle, O_CLOEXEC));
    CHECK_OK(pipe2(out, O_CLOEXEC));
    posix_spawn_file_actions_t actions;
    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, middle[1], 1) == 0);
    char *first_argv[] = { self, "--checks", "write:1:one ", "sleep:30", "write:1:two", NULL };
    pid_t first = spawn(&actions, first_argv);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);

    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, middle[0], 0) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, out[1], 1) == 0);
    char *copy_argv[] = { self, "--copy", NULL };
    pid_t copy = spawn(&actions, copy_argv);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);
    CHECK_OK(close(middle[0]));
    CHECK_OK(close(middle[1]));
    CHECK_OK(close(out[1]));

    char buffer[256];
    read_to_end(out[0], buffer, sizeof buffer);
    CHECK(strcmp(buffer, "one two") == 0);
    CHECK_CHILD_EXITS(first, 0);
    CHECK_CHILD_EXITS(copy, 0);
    CHECK_OK(close(out[0]));
}

int main(int argc, char **argv)
{
    if (IS_CHECKS_MODE(argc, argv))
        return run_checks(argc, argv);
    if (argc == 2 && !strcmp(argv[1], "--copy"))
        return copy_input();
    self = argv[0];
    CHECK(self[0] == '/');
    vfork_with_pipes();
    spawn_with_pipes();
    spawned_chain();
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return check_passed("pipe_spawn");
}
