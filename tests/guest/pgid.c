/* Process groups and sessions: getpgrp/getpgid/getsid agree and are inherited by fork;
 * setpgid from the child and from the parent (and their errors: ESRCH, EINVAL, EPERM, and
 * EACCES once the child has exec'd); setsid in a child makes it the leader of a new session
 * and group, fails with EPERM in a group leader, and a session leader's group cannot change;
 * kill(-pgid) signals the whole group; waitpid(0) and waitpid(-pgid) choose by group.
 *
 * SELF wait-file PATH: exits 0 once PATH exists (an exec'd child). */
#define _GNU_SOURCE
#include "proc.h"

static char release[128];

/* A child that runs body, then waits for the release file and exits 0. */
#define HELD_CHILD(...)                                \
    ({                                                 \
        pid_t child_ = fork();                         \
        CHECK(child_ >= 0);                            \
        if (child_ == 0) {                             \
            __VA_ARGS__;                               \
            WAIT_UNTIL(file_exists(release), 20000);   \
            _exit(0);                                  \
        }                                              \
        child_;                                        \
    })

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "wait-file")) {
        WAIT_UNTIL(file_exists(argv[2]), 20000);
        return 0;
    }
    char directory[64];
    make_scratch_directory(directory, sizeof directory, "pgid");
    snprintf(release, sizeof release, "%s/release", directory);
    pid_t group = getpgrp(), session = getsid(0);
    CHECK(group >= 0 && session >= 0);
    if (group == 0 || session == 0) {
        /* Linux reports 0 for a group or session whose leader lies outside the caller's PID
         * namespace (a container). The rest needs both visible: carry on in a new session. */
        pid_t leader = fork();
        CHECK(leader >= 0);
        if (leader > 0) {
            CHECK_CHILD_EXITS(leader, 0);
            return 0;
        }
        CHECK(setsid() == getpid());
        group = getpgrp();
        session = getsid(0);
    }
    pid_t self = getpid();
    CHECK(group > 0 && session > 0);
    CHECK(getpgid(0) == group && getpgid(self) == group);
    CHECK(getsid(self) == session);
    CHECK_ERRNO(getpgid(-1), ESRCH);
    CHECK_ERRNO(getsid(-1), ESRCH);
    CHECK_ERRNO(setpgid(0, -1), EINVAL);

    /* A child starts in the parent's group and session. */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(getpgrp() == group && getsid(0) == session);
        CHECK(getpgid(getppid()) == group);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);

    /* setpgid(0, 0) in the child and setpgid(child, child) in the parent (either may come
     * first); the parent sees the new group. */
    pid = HELD_CHILD({
        CHECK(setpgid(0, 0) == 0);
        CHECK(getpgrp() == getpid() && getpgid(0) == getpid());
        CHECK(getsid(0) == session);
    });
    CHECK(setpgid(pid, pid) == 0);
    CHECK(getpgid(pid) == pid);
    CHECK(getsid(pid) == session);
    CHECK(getpgrp() == group);
    /* A second child joins that group; a group that does not exist cannot be joined. */
    pid_t member = HELD_CHILD({
        CHECK(setpgid(0, pid) == 0);
        CHECK(getpgrp() == pid);
    });
    CHECK(setpgid(member, pid) == 0);
    CHECK(getpgid(member) == pid);
    CHECK_ERRNO(setpgid(member, member + 100000), EPERM);
    /* Back into the parent's group, then into the new one again. */
    CHECK(setpgid(member, group) == 0);
    CHECK(getpgid(member) == group);
    CHECK(setpgid(member, pid) == 0);
    /* waitpid(0) waits only for children in the caller's group: here there are none. */
    CHECK_ERRNO(waitpid(0, NULL, WNOHANG), ECHILD);
    CHECK(waitpid(-pid, NULL, WNOHANG) == 0);
    write_file(release, "", 0644);
    int status = -1;
    pid_t first = waitpid(-pid, &status, 0);
    CHECK(first == pid || first == member);
    CHECK_EXITED(status, 0);
    CHECK(waitpid(-pid, &status, 0) == (first == pid ? member : pid));
    CHECK_ERRNO(waitpid(-pid, &status, WNOHANG), ECHILD);
    CHECK(unlink(release) == 0);
    /* Only oneself and one's own children: the parent is neither. */
    if (getppid() > 0)
        CHECK_ERRNO(setpgid(getppid(), 0), ESRCH);

    /* kill(-pgid) reaches every member and nobody else. */
    pid = HELD_CHILD(CHECK(setpgid(0, 0) == 0));
    CHECK(setpgid(pid, pid) == 0);
    member = HELD_CHILD(CHECK(setpgid(0, pid) == 0));
    CHECK(setpgid(member, pid) == 0);
    pid_t outsider = HELD_CHILD();
    CHECK(kill(-pid, SIGKILL) == 0);
    CHECK_SIGNALED(WAIT_FOR(pid), SIGKILL);
    CHECK_SIGNALED(WAIT_FOR(member), SIGKILL);
    CHECK_ERRNO(kill(-pid, 0), ESRCH);
    CHECK(waitpid(outsider, NULL, WNOHANG) == 0);
    write_file(release, "", 0644);
    /* The outsider is in our group: waitpid(0) finds it. */
    CHECK(waitpid(0, &status, 0) == outsider);
    CHECK_EXITED(status, 0);
    CHECK(unlink(release) == 0);

    /* setsid in a child that is not a group leader: a new session and group, both its pid. */
    pid = HELD_CHILD({
        pid_t me = getpid();
        CHECK(setsid() == me);
        CHECK(getsid(0) == me && getpgrp() == me);
        CHECK(getppid() == self);
        CHECK_ERRNO(setsid(), EPERM);           /* already a group (and session) leader */
        CHECK_ERRNO(setpgid(0, group), EPERM);  /* a session leader keeps its group */
        CHECK_ERRNO(setpgid(0, 0), EPERM);
    });
    WAIT_UNTIL(getsid(pid) == pid, 10000);
    CHECK(getpgid(pid) == pid);
    CHECK(getsid(0) == session);
    /* The parent cannot move a child in another session. */
    CHECK_ERRNO(setpgid(pid, group), EPERM);
    CHECK_ERRNO(setpgid(pid, pid), EPERM);
    write_file(release, "", 0644);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(unlink(release) == 0);

    /* setsid in a group leader fails. */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(setpgid(0, 0) == 0);
        CHECK_ERRNO(setsid(), EPERM);
        CHECK(getsid(0) == session);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);

    /* Once the child has exec'd, the parent can no longer change its group. */
    pid = vfork();
    if (pid == 0) {
        execve(argv[0], (char *[]){ argv[0], "wait-file", release, NULL }, (char *[]){ NULL });
        _exit(99);
    }
    CHECK(pid > 0);
    CHECK_ERRNO(setpgid(pid, pid), EACCES);
    CHECK(getpgid(pid) == group);
    write_file(release, "", 0644);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(unlink(release) == 0);

    CHECK(getpgrp() == group && getsid(0) == session);
    remove_scratch_directory(directory);
    return check_passed("pgid");
}
