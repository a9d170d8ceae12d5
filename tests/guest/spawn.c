/* posix_spawn and posix_spawnp: the exit status and the pid, the environment passed, file
 * actions (addopen, adddup2, addclose) applied in order in the child, close-on-exec honoured,
 * attributes (SETPGROUP, SETSID, SETSIGMASK, SETSIGDEF), the PATH search of posix_spawnp, and
 * failures (ENOENT, EACCES, ENOEXEC) returned by posix_spawn itself with no child left behind.
 *
 * The spawned program is this one: SELF --checks ... (proc.h) asserts what the child sees. */
#define _GNU_SOURCE
#include "proc.h"

#include <libgen.h>
#include <spawn.h>
#include <stdarg.h>

static char *self;
static char *no_environment[] = { NULL };

static void handler(int signal)
{
    (void)signal;
}

/* Spawns SELF --checks CHECKS... with the given actions and attributes; returns its status. */
static int spawn_checks(const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attributes,
    char *const environment[], const char *first, ...)
{
    char *argv[32] = { self, "--checks" };
    int argc = 2;
    va_list list;
    va_start(list, first);
    for (const char *check = first; check; check = va_arg(list, const char *)) {
        CHECK(argc < 31);
        argv[argc++] = (char *)check;
    }
    va_end(list);
    argv[argc] = NULL;
    pid_t pid = 0;
    int error = posix_spawn(&pid, self, actions, attributes, argv, environment);
    if (error) {
        errno = error;
        CHECK(!"posix_spawn failed");
    }
    CHECK(pid > 0);
    return WAIT_FOR(pid);
}

static char *format(const char *pattern, long value)
{
    char *text = malloc(64);
    CHECK(text != NULL);
    snprintf(text, 64, pattern, value);
    return text;
}

int main(int argc, char **argv)
{
    if (IS_CHECKS_MODE(argc, argv))
        return run_checks(argc, argv);
    self = argv[0];
    char directory[64], path[128], buffer[256];
    make_scratch_directory(directory, sizeof directory, "spawn");

    /* The status, the parent, the environment exactly as passed. */
    char *environment[] = { "MARK=spawned", "EMPTY=", NULL };
    int status = spawn_checks(NULL, NULL, environment, format("ppid:%ld", getpid()), "env:MARK=spawned", "env:EMPTY=",
        "noenv:PATH", "exit:42", NULL);
    CHECK_EXITED(status, 42);

    /* File actions. */
    char out_path[128], dup_path[128];
    snprintf(out_path, sizeof out_path, "%s/out", directory);
    snprintf(dup_path, sizeof dup_path, "%s/dup", directory);
    snprintf(path, sizeof path, "%s/kept", directory);
    int kept = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(kept >= 0);
    CHECK(write(kept, "kept", 4) == 4);
    int cloexec = open(dup_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(cloexec >= 0);
    CHECK(write(cloexec, "abc", 3) == 3);
    int to_close = dup(kept);
    CHECK(to_close >= 0);

    posix_spawn_file_actions_t actions;
    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    /* stdout becomes a new file; fd 8 a copy of it; fd 9 a copy of the close-on-exec fd,
     * which itself is closed by the exec; to_close is closed explicitly. */
    CHECK(posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, 1, 8) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, cloexec, 9) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, to_close) == 0);
    status = spawn_checks(&actions, NULL, no_environment, format("keep:%ld", kept), format("offset:%ld:4", kept),
        format("closed:%ld", cloexec), format("closed:%ld", to_close), "keep:8", "keep:9", "offset:9:3", "write:1:hello",
        "write:8:+world", "write:9:!", NULL);
    CHECK_EXITED(status, 0);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);
    CHECK(read_file(out_path, buffer, sizeof buffer) == 11);
    CHECK(strcmp(buffer, "hello+world") == 0);
    CHECK(read_file(dup_path, buffer, sizeof buffer) == 4);
    CHECK(strcmp(buffer, "abc!") == 0);
    CHECK(lseek(cloexec, 0, SEEK_CUR) == 4); /* the offset is shared with the child's fd 9 */
    CHECK(fcntl(to_close, F_GETFD) == 0);    /* closed only in the child */
    CHECK(fcntl(cloexec, F_GETFD) == FD_CLOEXEC);

    /* An addopen that fails makes posix_spawn fail with its errno. */
    CHECK(posix_spawn_file_actions_init(&actions) == 0);
    CHECK(posix_spawn_file_actions_addopen(&actions, 5, "/nonexistent/dir/file", O_RDONLY, 0) == 0);
    pid_t pid = 0;
    CHECK(posix_spawn(&pid, self, &actions, NULL, (char *[]){ self, "--checks", NULL }, no_environment) == ENOENT);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);

    /* POSIX_SPAWN_SETPGROUP: 0 makes the child a group leader; a leader's pid joins its group.
     * The leader stays alive (until a file appears) while the second child joins. */
    char release[128], await_release[160];
    snprintf(release, sizeof release, "%s/release", directory);
    snprintf(await_release, sizeof await_release, "await:%s", release);
    posix_spawnattr_t attributes;
    CHECK(posix_spawnattr_init(&attributes) == 0);
    CHECK(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP) == 0);
    CHECK(posix_spawnattr_setpgroup(&attributes, 0) == 0);
    pid_t leader = 0;
    CHECK(posix_spawn(&leader, self, NULL, &attributes, (char *[]){ self, "--checks", "pgid-is-pid", await_release, NULL },
              no_environment) == 0);
    CHECK(leader > 0);
    CHECK(getpgid(leader) == leader);
    CHECK(getpgrp() != leader);
    CHECK(posix_spawnattr_setpgroup(&attributes, leader) == 0);
    status = spawn_checks(NULL, &attributes, no_environment, format("pgid:%ld", leader), NULL);
    CHECK_EXITED(status, 0);
    write_file(release, "", 0644);
    CHECK_CHILD_EXITS(leader, 0);

    /* POSIX_SPAWN_SETSID. */
    CHECK(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID) == 0);
    status = spawn_checks(NULL, &attributes, no_environment, "sid-is-pid", "pgid-is-pid", NULL);
    CHECK_EXITED(status, 0);
    /* Without flags the child shares the parent's group and session. */
    CHECK(posix_spawnattr_setflags(&attributes, 0) == 0);
    status = spawn_checks(NULL, &attributes, no_environment, format("pgid:%ld", getpgrp()), NULL);
    CHECK_EXITED(status, 0);

    /* Signals: the mask is inherited unless SETSIGMASK replaces it; handled signals revert to
     * the default at exec, ignored ones stay ignored unless SETSIGDEF resets them. */
    sigset_t mask, old_mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &mask, &old_mask) == 0);
    status = spawn_checks(NULL, NULL, no_environment, format("blocked:%ld", SIGUSR2), format("unblocked:%ld", SIGUSR1), NULL);
    CHECK_EXITED(status, 0);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    CHECK(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK) == 0);
    CHECK(posix_spawnattr_setsigmask(&attributes, &mask) == 0);
    status = spawn_checks(NULL, &attributes, no_environment, format("blocked:%ld", SIGUSR1), format("unblocked:%ld", SIGUSR2),
        NULL);
    CHECK_EXITED(status, 0);
    CHECK(sigprocmask(SIG_SETMASK, &old_mask, NULL) == 0);

    CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK(signal(SIGTERM, handler) != SIG_ERR); /* never delivered */
    status = spawn_checks(NULL, NULL, no_environment, format("ignored:%ld", SIGUSR1), format("ignored:%ld", SIGUSR2),
        format("default:%ld", SIGTERM), NULL);
    CHECK_EXITED(status, 0);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    CHECK(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF) == 0);
    CHECK(posix_spawnattr_setsigdefault(&attributes, &mask) == 0);
    status = spawn_checks(NULL, &attributes, no_environment, format("default:%ld", SIGUSR1), format("ignored:%ld", SIGUSR2),
        format("default:%ld", SIGTERM), NULL);
    CHECK_EXITED(status, 0);
    CHECK(signal(SIGUSR1, SIG_DFL) == SIG_IGN);
    CHECK(signal(SIGUSR2, SIG_DFL) == SIG_IGN);
    CHECK(signal(SIGTERM, SIG_DFL) != SIG_ERR);
    CHECK(posix_spawnattr_destroy(&attributes) == 0);

    /* posix_spawnp searches the caller's PATH for a name without a slash. */
    char self_copy[256], search[512];
    snprintf(self_copy, sizeof self_copy, "%s", self);
    char *self_directory = dirname(self_copy);
    snprintf(search, sizeof search, "/nonexistent-unifork-dir:%s", self_directory);
    CHECK(setenv("PATH", search, 1) == 0);
    snprintf(self_copy, sizeof self_copy, "%s", self);
    char *name = basename(self_copy);
    pid = 0;
    CHECK(posix_spawnp(&pid, name, NULL, NULL, (char *[]){ name, "--checks", "env:ONLY=this", "noenv:PATH", "exit:9", NULL },
              (char *[]){ "ONLY=this", NULL }) == 0);
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 9);
    CHECK(posix_spawnp(&pid, "unifork-no-such-program", NULL, NULL, (char *[]){ "x", NULL }, no_environment) == ENOENT);
    CHECK(unsetenv("PATH") == 0);

    /* Failures of the exec itself come back from posix_spawn, and the failed child is reaped. */
    char *args[] = { "x", NULL };
    CHECK(posix_spawn(&pid, "/nonexistent/unifork-spawn-test", NULL, NULL, args, no_environment) == ENOENT);
    snprintf(path, sizeof path, "%s/not-executable", directory);
    write_file(path, "#!/bin/sh\nexit 0\n", 0644);
    CHECK(posix_spawn(&pid, path, NULL, NULL, args, no_environment) == EACCES);
    CHECK(posix_spawn(&pid, directory, NULL, NULL, args, no_environment) == EACCES);
    snprintf(path, sizeof path, "%s/garbage", directory);
    write_file(path, "\x01\x02\x03 this is neither ELF nor a script\n", 0755);
    CHECK(posix_spawn(&pid, path, NULL, NULL, args, no_environment) == ENOEXEC);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);

    close(kept);
    close(cloexec);
    close(to_close);
    remove_scratch_directory(directory);
    return check_passed("spawn");
}
