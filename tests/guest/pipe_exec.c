/* Pipe ends across execve and posix_spawn: a close-on-exec end goes at the exec (its reader
 * sees end of file while the child lives on), a plain one stays; posix_spawn's file actions
 * wire a child's standard input and output to pipes.
 *
 * The program runs itself: SELF --hold CLOSED KEPT CONTROL and SELF --echo are the children. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char *no_environment[] = { NULL };

/* SELF --hold CLOSED KEPT CONTROL: CLOSED must be gone, KEPT open; writes "kept" to KEPT,
 * then waits for end of file on CONTROL before exiting. */
static int hold(char **argv)
{
    int closed = atoi(argv[2]), kept = atoi(argv[3]), control = atoi(argv[4]);
    if (fcntl(closed, F_GETFD) != -1 || errno != EBADF)
        return 10;
    if (fcntl(kept, F_GETFD) != 0)
        return 11;
    if (write(kept, "kept", 4) != 4)
        return 12;
    close(kept);
    char byte;
    while (read(control, &byte, 1) > 0) {
    }
    return 0;
}

/* SELF --echo: "spawned" on standard output, then the number of bytes read from standard
 * input until its end. */
static int echo(void)
{
    if (write(1, "spawned\n", 8) != 8)
        return 10;
    char buffer[512];
    long total = 0;
    for (;;) {
        ssize_t count = read(0, buffer, sizeof(buffer));
        if (count < 0)
            return 11;
        if (count == 0)
            break;
        total += count;
    }
    char line[32];
    int length = snprintf(line, sizeof(line), "%ld\n", total);
    return write(1, line, (size_t)length) == length ? 0 : 12;
}

static void wait_for(pid_t child)
{
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

static void close_on_exec(const char *self)
{
    int closing[2], kept[2], control[2];
    CHECK_OK(pipe2(closing, O_CLOEXEC));
    CHECK_OK(pipe(kept));
    CHECK_OK(pipe2(control, O_CLOEXEC));
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        /* The control pipe's read end must survive the exec. */
        int control_read = dup(control[0]);
        char closed_text[16], kept_text[16], control_text[16];
        snprintf(closed_text, sizeof(closed_text), "%d", closing[1]);
        snprintf(kept_text, sizeof(kept_text), "%d", kept[1]);
        snprintf(control_text, sizeof(control_text), "%d", control_read);
        close(kept[0]);
        char *arguments[] = { (char *)self, "--hold", closed_text, kept_text, control_text, NULL };
        execve(self, arguments, no_environment);
        _exit(127);
    }
    CHECK_OK(close(closing[1]));
    CHECK_OK(close(kept[1]));
    CHECK_OK(close(control[0]));
    /* The child still runs (it waits on the control pipe), yet the close-on-exec write end is
     * gone with its exec: end of file. */
    struct pollfd entry = { .fd = closing[0], .events = POLLIN };
    CHECK(poll(&entry, 1, 10000) == 1);
    CHECK(entry.revents & POLLHUP);
    char buffer[8];
    CHECK(read(closing[0], buffer, sizeof(buffer)) == 0);
    /* The plain one came through. */
    CHECK(read(kept[0], buffer, sizeof(buffer)) == 4 && memcmp(buffer, "kept", 4) == 0);
    CHECK(read(kept[0], buffer, sizeof(buffer)) == 0);
    CHECK_OK(close(control[1]));
    wait_for(child);
    CHECK_OK(close(closing[0]));
    CHECK_OK(close(kept[0]));
}

static void spawn_with_pipes(const char *self)
{
    int to_child[2], from_child[2];
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(from_child));
    posix_spawn_file_actions_t actions;
    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, to_child[0], 0) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, from_child[1], 1) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, to_child[0]) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, to_child[1]) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, from_child[0]) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, from_child[1]) == 0);
    char *arguments[] = { (char *)self, "--echo", NULL };
    pid_t child;
    CHECK(posix_spawn(&child, self, &actions, NULL, arguments, no_environment) == 0);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);
    CHECK_OK(close(to_child[0]));
    CHECK_OK(close(from_child[1]));

    static char data[100000];
    memset(data, 'd', sizeof(data));
    CHECK(write(to_child[1], data, sizeof(data)) == (ssize_t)sizeof(data));
    CHECK_OK(close(to_child[1]));
    char output[64];
    size_t total = 0;
    for (;;) {
        ssize_t count = read(from_child[0], output + total, sizeof(output) - 1 - total);
        CHECK(count >= 0);
        if (count == 0)
            break;
        total += (size_t)count;
    }
    output[total] = '\0';
    CHECK(strcmp(output, "spawned\n100000\n") == 0);
    wait_for(child);
    CHECK_OK(close(from_child[0]));
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--hold") == 0)
        return hold(argv);
    if (argc == 2 && strcmp(argv[1], "--echo") == 0)
        return echo();
    CHECK(argv[0][0] == '/');
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    close_on_exec(argv[0]);
    spawn_with_pipes(argv[0]);
    return check_passed("pipe_exec");
}
