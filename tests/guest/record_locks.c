/* fcntl(2) record locks between processes: F_GETLK, F_SETLK and F_SETLKW (owned by the
 * process: conflicts, F_GETLK's l_pid, splitting and merging, conversion, release on the close
 * of any descriptor of the file and at exit, not inherited by fork, kept across execve,
 * blocking until the holder unlocks, EDEADLK, EINTR and SA_RESTART), the F_OFD_ commands (owned
 * by the open file description, shared across fork), their independence from flock(2), lockf(3)
 * and Linux's error codes. Linux is the reference: each check passes on the host too. */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/time.h>

static const char *program;
static char directory[64];
static char path[128];
/* The file, opened read-write by the parent before every fork. */
static int file;
/* Pipes to and from the current child. */
static int to_child[2], from_child[2];

static void tell(int fd, char c) { CHECK(write(fd, &c, 1) == 1); }

static char hear(int fd)
{
    char c;
    ssize_t count;
    do
        count = read(fd, &c, 1);
    while (count < 0 && errno == EINTR);
    return count == 1 ? c : 0;
}

static int lock(int fd, int command, short type, short whence, off_t start, off_t length)
{
    struct flock request = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = length };
    return fcntl(fd, command, &request);
}

/* F_GETLK (or F_OFD_GETLK) for a lock of `type` over [start, start + length). */
static struct flock probe_with(int fd, int command, short type, off_t start, off_t length)
{
    struct flock request = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = length };
    CHECK_OK(fcntl(fd, command, &request));
    return request;
}
static struct flock probe(short type, off_t start, off_t length) { return probe_with(file, F_GETLK, type, start, length); }

#define CHECK_HELD(found, type, start, length, pid)                                                    \
    do {                                                                                               \
        struct flock found_ = (found);                                                                 \
        CHECK(found_.l_type == (type));                                                                \
        CHECK(found_.l_whence == SEEK_SET && found_.l_start == (start) && found_.l_len == (length));   \
        CHECK(found_.l_pid == (pid));                                                                  \
    } while (0)
#define CHECK_FREE(found) CHECK((found).l_type == F_UNLCK)

/* Forks a child that runs `action`, says so, and exits when told to (finish_child()). */
static pid_t start_child(void (*action)(void))
{
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(from_child));
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        action();
        tell(from_child[1], 'r');
        hear(to_child[0]);
        _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    CHECK(hear(from_child[0]) == 'r');
    return pid;
}

static void finish_child(pid_t pid)
{
    tell(to_child[1], 'x');
    CHECK_CHILD_EXITS(pid, 0);
    close(to_child[1]);
    close(from_child[0]);
}

/* Runs `action` in a child that must exit 0. */
static void in_child(void (*action)(void)) { finish_child(start_child(action)); }

static void unlock_all(void) { CHECK_OK(lock(file, F_SETLK, F_UNLCK, SEEK_SET, 0, 0)); }

static void test_errors(void)
{
    int read_only = open(path, O_RDONLY);
    int write_only = open(path, O_WRONLY);
    int path_only = open(path, O_PATH);
    CHECK(read_only >= 0 && write_only >= 0 && path_only >= 0);

    /* The access mode must allow the lock type; unlocking and testing need neither. */
    CHECK_ERRNO(lock(read_only, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
    CHECK_ERRNO(lock(write_only, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
    CHECK_ERRNO(lock(read_only, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
    CHECK_OK(lock(read_only, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
    CHECK_OK(lock(write_only, F_SETLK, F_WRLCK, SEEK_SET, 1, 1));
    CHECK_OK(lock(read_only, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK_FREE(probe_with(read_only, F_GETLK, F_WRLCK, 0, 0));
    CHECK_ERRNO(lock(path_only, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), EBADF);
    CHECK_ERRNO(lock(path_only, F_GETLK, F_RDLCK, SEEK_SET, 0, 0), EBADF);
    CHECK_ERRNO(lock(-1, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), EBADF);
    CHECK_ERRNO(fcntl(file, F_SETLK, (struct flock *)8), EFAULT);

    /* Bad type, whence and ranges. */
    CHECK_ERRNO(lock(file, F_SETLK, 7, SEEK_SET, 0, 0), EINVAL);
    CHECK_ERRNO(lock(file, F_GETLK, F_UNLCK, SEEK_SET, 0, 0), EINVAL);
    CHECK_ERRNO(lock(file, F_GETLK, 7, SEEK_SET, 0, 0), EINVAL);
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, 3, 0, 0), EINVAL);
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 10, -11), EINVAL);
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, SEEK_SET, LLONG_MAX, 2), EOVERFLOW);
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, SEEK_END, LLONG_MAX, 1), EOVERFLOW);
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, LLONG_MAX, 1));
    /* F_OFD_ commands want l_pid 0. */
    struct flock request = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 1 };
    CHECK_ERRNO(fcntl(file, F_OFD_SETLK, &request), EINVAL);
    CHECK_ERRNO(fcntl(file, F_OFD_GETLK, &request), EINVAL);
    unlock_all();

    /* No conflict: F_GETLK changes l_type only. */
    request = (struct flock) { .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 3, .l_len = 4, .l_pid = 99 };
    CHECK_OK(fcntl(file, F_GETLK, &request));
    CHECK(request.l_type == F_UNLCK && request.l_whence == SEEK_CUR && request.l_start == 3 && request.l_len == 4 && request.l_pid == 99);
    close(read_only);
    close(write_only);
    close(path_only);
}

/* The parent's locks as a child sees them. */
static void child_sees_parent_locks(void)
{
    pid_t parent = getppid();
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN);
    CHECK_ERRNO(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 9, 2), EAGAIN);
    CHECK_ERRNO(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 25, 1), EAGAIN);
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 10, 10));
    CHECK_HELD(probe(F_WRLCK, 0, 100), F_WRLCK, 0, 10, parent);
    CHECK_HELD(probe(F_WRLCK, 25, 0), F_RDLCK, 20, 10, parent);
    CHECK_FREE(probe(F_RDLCK, 20, 10));
    /* Negative lengths and SEEK_END (the file has 20 bytes). */
    CHECK_HELD(probe(F_WRLCK, 30, 10), F_WRLCK, 35, 5, parent);
    CHECK_HELD(probe(F_WRLCK, 100, 0), F_RDLCK, 200, 0, parent);
    /* The child's own locks go with its close of the file. */
    CHECK_OK(close(file));
}

static void test_conflicts(void)
{
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 40, -5));
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_END, 180, 0));
    /* The parent's own locks never conflict with it. */
    CHECK_FREE(probe(F_WRLCK, 0, 0));
    in_child(child_sees_parent_locks);
    /* The child's closing its copy of the descriptor left the parent's locks alone. */
    in_child(child_sees_parent_locks);
    unlock_all();
}

static void child_locks_splits_and_merges(void)
{
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
    CHECK_OK(lock(file, F_SETLK, F_UNLCK, SEEK_SET, 40, 20));
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 100, 10));
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 110, 10));
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 200, 10));
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 205, 10));
    /* Converting a whole lock, and back. */
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 300, 10));
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 300, 10));
}

static void test_split_and_merge(void)
{
    pid_t child = start_child(child_locks_splits_and_merges);
    CHECK_HELD(probe(F_RDLCK, 0, 1), F_WRLCK, 0, 20, child);
    CHECK_HELD(probe(F_WRLCK, 20, 1), F_RDLCK, 20, 10, child);
    CHECK_FREE(probe(F_RDLCK, 20, 10));
    CHECK_HELD(probe(F_RDLCK, 30, 1), F_WRLCK, 30, 10, child);
    CHECK_FREE(probe(F_WRLCK, 40, 20));
    CHECK_HELD(probe(F_RDLCK, 60, 1), F_WRLCK, 60, 40, child);
    CHECK_HELD(probe(F_WRLCK, 119, 1), F_RDLCK, 100, 20, child);
    CHECK_HELD(probe(F_RDLCK, 214, 1), F_WRLCK, 200, 15, child);
    CHECK_HELD(probe(F_RDLCK, 305, 1), F_WRLCK, 300, 10, child);
    CHECK_FREE(probe(F_WRLCK, 120, 80));
    CHECK_ERRNO(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 99, 1), EAGAIN);
    CHECK_OK(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 100, 20));
    finish_child(child);
    /* Exit dropped the child's locks. */
    CHECK_FREE(probe(F_WRLCK, 0, 0));
    unlock_all();
}

static void child_closes_another_descriptor(void)
{
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    int other = open(path, O_RDONLY);
    CHECK(other >= 0);
    CHECK_OK(close(other));
    CHECK_FREE(probe(F_WRLCK, 0, 0));
    /* A dup of the descriptor is a descriptor of the file too. */
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 20, 10));
    int copy = dup(file);
    CHECK(copy >= 0);
    CHECK_OK(close(copy));
    /* A descriptor of another file changes nothing. */
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 50, 10));
    int elsewhere = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(elsewhere >= 0);
    CHECK_OK(close(elsewhere));
}

static void test_release_on_close(void)
{
    pid_t child = start_child(child_closes_another_descriptor);
    CHECK_FREE(probe(F_WRLCK, 0, 50));
    CHECK_HELD(probe(F_WRLCK, 0, 0), F_WRLCK, 50, 10, child);
    finish_child(child);
    CHECK_FREE(probe(F_WRLCK, 0, 0));
}

/* execve keeps the locks: the child locks, then execs itself as `SELF --hold`. */
static void test_kept_across_exec(void)
{
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(from_child));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
        char in[16], out[16];
        snprintf(in, sizeof in, "%d", to_child[0]);
        snprintf(out, sizeof out, "%d", from_child[1]);
        char *arguments[] = { (char *)program, "--hold", in, out, NULL };
        extern char **environ;
        execve(program, arguments, environ);
        _exit(3);
    }
    CHECK(hear(from_child[0]) == 'r');
    CHECK_HELD(probe(F_RDLCK, 5, 1), F_WRLCK, 0, 10, child);
    finish_child(child);
    CHECK_FREE(probe(F_WRLCK, 0, 0));
}

/* F_SETLKW sleeps until the holder unlocks. */
static void test_wait_for_unlock(void)
{
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(from_child));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        tell(from_child[1], 's');
        CHECK_OK(lock(file, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1));
        tell(from_child[1], 'r');
        hear(to_child[0]);
        _exit(0);
    }
    CHECK(hear(from_child[0]) == 's');
    sleep_ms(50);
    struct pollfd readable = { .fd = from_child[0], .events = POLLIN };
    CHECK(poll(&readable, 1, 0) == 0);
    CHECK_OK(lock(file, F_SETLK, F_UNLCK, SEEK_SET, 0, 10));
    CHECK(hear(from_child[0]) == 'r');
    CHECK_HELD(probe(F_RDLCK, 0, 0), F_WRLCK, 5, 1, child);
    finish_child(child);
}

/* Two processes each wait for the other's lock: the second to ask gets EDEADLK. The child
 * asks first (after a pause to let it sleep); should it come second, it gets EDEADLK itself
 * and exits 2, which lets the parent's wait end. */
static void test_deadlock(void)
{
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(from_child));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 1, 1));
        tell(from_child[1], 'r');
        if (lock(file, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) != 0)
            _exit(errno == EDEADLK ? 2 : 1);
        _exit(0);
    }
    CHECK(hear(from_child[0]) == 'r');
    sleep_ms(50);
    int result = lock(file, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
    if (result != 0) {
        CHECK(errno == EDEADLK);
        /* Giving up byte 0 lets the child finish. */
        CHECK_OK(lock(file, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
        CHECK_CHILD_EXITS(child, 0);
    } else {
        CHECK_CHILD_EXITS(child, 2);
    }
    close(to_child[1]);
    close(from_child[0]);
    unlock_all();
}

static volatile sig_atomic_t alarms;
static int alarm_pipe = -1;
static void on_alarm(int signal)
{
    (void)signal;
    ++alarms;
    if (alarm_pipe >= 0) {
        char c = 'a';
        (void)!write(alarm_pipe, &c, 1);
    }
}

static void every_ms(long ms)
{
    struct itimerval timer = { .it_interval = { 0, ms * 1000 }, .it_value = { 0, ms * 1000 } };
    CHECK_OK(setitimer(ITIMER_REAL, &timer, NULL));
}

/* A signal ends F_SETLKW with EINTR; with SA_RESTART the call goes on sleeping. */
static void test_signals(void)
{
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        struct sigaction action = { .sa_handler = on_alarm };
        CHECK_OK(sigaction(SIGALRM, &action, NULL));
        every_ms(20);
        CHECK_ERRNO(lock(file, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1), EINTR);
        CHECK_ERRNO(lock(file, F_OFD_SETLKW, F_RDLCK, SEEK_SET, 0, 1), EINTR);
        every_ms(0);
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);

    CHECK_OK(pipe(from_child));
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(from_child[0]);
        alarm_pipe = from_child[1];
        struct sigaction action = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
        CHECK_OK(sigaction(SIGALRM, &action, NULL));
        every_ms(20);
        CHECK_OK(lock(file, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1));
        every_ms(0);
        CHECK(alarms >= 1);
        _exit(0);
    }
    close(from_child[1]);
    /* A few signals interrupted the child's sleep before the unlock. */
    for (int i = 0; i < 3; ++i)
        CHECK(hear(from_child[0]) == 'a');
    CHECK_OK(lock(file, F_SETLK, F_UNLCK, SEEK_SET, 0, 10));
    CHECK_CHILD_EXITS(child, 0);
    close(from_child[0]);
}

static int description;

static void child_shares_the_description(void)
{
    /* The description's lock is the child's too. */
    CHECK_FREE(probe_with(description, F_OFD_GETLK, F_WRLCK, 0, 0));
    CHECK_OK(lock(description, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10));
    /* Against another description, and against the process's own POSIX locks. */
    int other = open(path, O_RDWR);
    CHECK(other >= 0);
    CHECK_ERRNO(lock(other, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
    CHECK_HELD(probe_with(other, F_OFD_GETLK, F_RDLCK, 0, 0), F_WRLCK, 0, 15, -1);
    CHECK_ERRNO(lock(file, F_SETLK, F_RDLCK, SEEK_SET, 14, 1), EAGAIN);
    CHECK_HELD(probe(F_RDLCK, 3, 1), F_WRLCK, 0, 15, -1);
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 15, 5));
    CHECK_HELD(probe_with(other, F_OFD_GETLK, F_RDLCK, 10, 10), F_WRLCK, 0, 15, -1);
    /* Closing descriptors of the file does not end a description's locks. */
    CHECK_OK(close(other));
    CHECK_OK(close(description));
}

static void test_description_locks(void)
{
    description = open(path, O_RDWR);
    CHECK(description >= 0);
    CHECK_OK(lock(description, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    in_child(child_shares_the_description);
    /* The child's lock merged into the shared one; its POSIX lock went with it. */
    CHECK_HELD(probe_with(file, F_OFD_GETLK, F_RDLCK, 0, 0), F_WRLCK, 0, 15, -1);
    CHECK_HELD(probe(F_RDLCK, 0, 0), F_WRLCK, 0, 15, -1);
    CHECK_FREE(probe(F_WRLCK, 15, 0));
    /* The last close ends it. */
    int copy = dup(description);
    CHECK_OK(close(description));
    CHECK_HELD(probe(F_RDLCK, 0, 0), F_WRLCK, 0, 15, -1);
    CHECK_OK(close(copy));
    CHECK_FREE(probe(F_WRLCK, 0, 0));
    CHECK_FREE(probe_with(file, F_OFD_GETLK, F_WRLCK, 0, 0));
}

/* flock(2) locks and record locks do not see each other. */
static void child_takes_record_lock(void)
{
    int other = open(path, O_RDWR);
    CHECK(other >= 0);
    CHECK_OK(lock(file, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    CHECK_ERRNO(flock(other, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_OK(lock(file, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK_OK(lock(other, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    CHECK_ERRNO(flock(other, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_OK(close(other));
}

static void test_flock_independent(void)
{
    int flocked = open(path, O_RDONLY);
    CHECK(flocked >= 0);
    CHECK_OK(flock(flocked, LOCK_EX));
    in_child(child_takes_record_lock);
    CHECK_OK(close(flocked));
}

static void child_tests_lockf(void)
{
    int own = open(path, O_RDWR);
    CHECK(own >= 0);
    CHECK(lseek(own, 105, SEEK_SET) == 105);
    CHECK_ERRNO(lockf(own, F_TEST, 1), EACCES);
    CHECK_ERRNO(lockf(own, F_TLOCK, 1), EAGAIN);
    CHECK(lseek(own, 110, SEEK_SET) == 110);
    CHECK_OK(lockf(own, F_TEST, 10));
    CHECK_OK(lockf(own, F_TLOCK, 10));
    /* Before the parent's negative range (90..99), after it nothing. */
    CHECK(lseek(own, 95, SEEK_SET) == 95);
    CHECK_ERRNO(lockf(own, F_TEST, 1), EACCES);
    CHECK(lseek(own, 89, SEEK_SET) == 89);
    CHECK_OK(lockf(own, F_TEST, 1));
    CHECK_OK(close(own));
}

static void child_locks_after_unlock(void)
{
    int own = open(path, O_RDWR);
    CHECK(own >= 0);
    CHECK(lseek(own, 100, SEEK_SET) == 100);
    CHECK_OK(lockf(own, F_TLOCK, 5));
    CHECK_ERRNO(lockf(own, F_TLOCK, 0), EAGAIN);
    CHECK_OK(close(own));
}

static void test_lockf(void)
{
    CHECK(lseek(file, 100, SEEK_SET) == 100);
    CHECK_OK(lockf(file, F_LOCK, 10));
    CHECK_OK(lockf(file, F_TLOCK, -10));
    /* Its own lock does not fail F_TEST. */
    CHECK_OK(lockf(file, F_TEST, 10));
    CHECK_ERRNO(lockf(file, 99, 10), EINVAL);
    in_child(child_tests_lockf);
    CHECK_OK(lockf(file, F_ULOCK, 5));
    in_child(child_locks_after_unlock);
    CHECK(lseek(file, 0, SEEK_SET) == 0);
    CHECK_OK(lockf(file, F_ULOCK, 0));
    CHECK(lseek(file, 0, SEEK_SET) == 0);
}

/* SELF --hold IN OUT: after execve, with the locks the child took before it. */
static int hold(char **argv)
{
    int in = atoi(argv[2]), out = atoi(argv[3]);
    tell(out, 'r');
    hear(in);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--hold"))
        return hold(argv);
    program = argv[0];
    make_scratch_directory(directory, sizeof directory, "record_locks");
    snprintf(path, sizeof path, "%s/file", directory);
    write_file(path, "0123456789abcdefghij", 0644);
    file = open(path, O_RDWR);
    CHECK(file >= 0);

    test_errors();
    test_conflicts();
    test_split_and_merge();
    test_release_on_close();
    test_kept_across_exec();
    test_wait_for_unlock();
    test_deadlock();
    test_signals();
    test_description_locks();
    test_flock_independent();
    test_lockf();

    CHECK_OK(close(file));
    remove_scratch_directory(directory);
    return check_passed("record_locks");
}
