/* clone() with its flags, not through pthreads: a CLONE_THREAD thread has the caller's pid
 * and its own tid, which CLONE_PARENT_SETTID and CLONE_CHILD_SETTID store, and at its exit
 * CLONE_CHILD_CLEARTID zeroes and futex-wakes (what pthread_join relies on); a thread is not
 * a waitable child; a CLONE_VM child without CLONE_THREAD is a process sharing memory, and
 * its status comes through waitpid; a child with no exit signal is waited only with
 * __WCLONE or __WALL; CLONE_FS shares the working directory and umask; invalid flag
 * combinations are EINVAL. */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

static char stack[64 * 1024] __attribute__((aligned(16)));
#define STACK_TOP (stack + sizeof stack)

/* The children below share the caller's TLS (no CLONE_SETTLS), so they make only raw system
 * calls that cannot fail (errno lives in TLS). */
static volatile pid_t child_pid, child_tid, child_saw_ctid, child_ppid;
static volatile int child_wrote;

static void raw_sleep_ms(long ms)
{
    struct timespec delay = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    syscall(SYS_nanosleep, &delay, NULL);
}

static pid_t ctid, ptid;

static int thread_body(void *arg)
{
    (void)arg;
    child_pid = (pid_t)syscall(SYS_getpid);
    child_tid = (pid_t)syscall(SYS_gettid);
    child_saw_ctid = __atomic_load_n(&ctid, __ATOMIC_SEQ_CST);
    raw_sleep_ms(20);
    child_wrote = 1;
    return 0; /* SYS_exit: this thread only */
}

static int process_body(void *arg)
{
    child_pid = (pid_t)syscall(SYS_getpid);
    child_ppid = (pid_t)syscall(SYS_getppid);
    raw_sleep_ms(20);
    child_wrote = 2;
    return (int)(intptr_t)arg;
}

static int return_zero(void *arg)
{
    (void)arg;
    return 0;
}

static const char *fs_target;

static int change_fs(void *arg)
{
    (void)arg;
    syscall(SYS_chdir, fs_target);
    syscall(SYS_umask, 077);
    return 0;
}

static void *change_fs_thread(void *arg)
{
    change_fs(arg);
    return NULL;
}

int main(void)
{
    pid_t self = getpid();
    char directory[64], cwd[256], original_cwd[256];
    make_scratch_directory(directory, sizeof directory, "clone");
    fs_target = directory;
    CHECK(getcwd(original_cwd, sizeof original_cwd) != NULL);

    /* A thread: same pid, its own tid, stored by PARENT_SETTID and CHILD_SETTID; cleared and
     * woken by CHILD_CLEARTID when it exits. */
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID
        | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    ctid = -1;
    ptid = -1;
    pid_t tid = clone(thread_body, STACK_TOP, flags, NULL, &ptid, NULL, &ctid);
    CHECK(tid > 0);
    CHECK(tid != self);
    CHECK(ptid == tid); /* stored before clone returned */
    long long deadline = monotonic_ns() + 20000000000LL;
    pid_t seen;
    while ((seen = __atomic_load_n(&ctid, __ATOMIC_SEQ_CST)) != 0) {
        CHECK(seen == tid || seen == -1);
        struct timespec timeout = { .tv_sec = 1 };
        long result = futex(&ctid, FUTEX_WAIT, seen, &timeout, NULL, 0);
        CHECK(result == 0 || errno == EAGAIN || errno == ETIMEDOUT);
        CHECK(monotonic_ns() < deadline);
    }
    CHECK(child_wrote == 1); /* cleared only after the thread's last write */
    CHECK(child_pid == self);
    CHECK(child_tid == tid);
    CHECK(child_saw_ctid == tid);
    CHECK_ERRNO(waitpid(tid, NULL, WNOHANG), ECHILD);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG | __WALL), ECHILD);

    /* CLONE_VM without CLONE_THREAD: another process, sharing memory; its return value is
     * its exit status. */
    child_wrote = 0;
    pid_t pid = clone(process_body, STACK_TOP, CLONE_VM | SIGCHLD, (void *)(intptr_t)17);
    CHECK(pid > 0 && pid != self);
    CHECK_CHILD_EXITS(pid, 17);
    CHECK(child_pid == pid);
    CHECK(child_ppid == self);
    CHECK(child_wrote == 2);

    /* No exit signal: invisible to a plain wait, found by __WCLONE and __WALL. A SIGCHLD child
     * is invisible to __WCLONE. */
    pid = clone(process_body, STACK_TOP, CLONE_VM, (void *)(intptr_t)6);
    CHECK(pid > 0);
    CHECK_ERRNO(waitpid(pid, NULL, WNOHANG), ECHILD);
    CHECK_ERRNO(waitpid(-1, NULL, 0), ECHILD);
    int status = -1;
    CHECK(waitpid(pid, &status, __WCLONE) == pid);
    CHECK_EXITED(status, 6);
    pid = clone(process_body, STACK_TOP, CLONE_VM, (void *)(intptr_t)7);
    CHECK(pid > 0);
    CHECK(waitpid(-1, &status, __WALL) == pid);
    CHECK_EXITED(status, 7);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(8);
    CHECK_ERRNO(waitpid(pid, NULL, __WCLONE), ECHILD);
    CHECK(waitpid(pid, &status, __WALL) == pid);
    CHECK_EXITED(status, 8);

    /* CLONE_FS shares the working directory and the umask; without it they are copied. */
    mode_t old_umask = umask(022);
    pid = clone(change_fs, STACK_TOP, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, original_cwd) == 0);
    CHECK(umask(022) == 022);
    pid = clone(change_fs, STACK_TOP, CLONE_VM | CLONE_FS | CLONE_VFORK | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, directory) == 0);
    CHECK(umask(022) == 077);
    CHECK(chdir(original_cwd) == 0);
    /* pthreads share them too. */
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, change_fs_thread, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, directory) == 0);
    CHECK(umask(old_umask) == 077);
    CHECK(chdir(original_cwd) == 0);

    /* Invalid combinations. */
    CHECK_ERRNO(clone(return_zero, STACK_TOP, CLONE_VM | CLONE_THREAD, NULL), EINVAL);
    CHECK_ERRNO(clone(return_zero, STACK_TOP, CLONE_SIGHAND | SIGCHLD, NULL), EINVAL);
    CHECK_ERRNO(clone(return_zero, STACK_TOP, CLONE_FS | CLONE_NEWNS | SIGCHLD, NULL), EINVAL);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG | __WALL), ECHILD);

    remove_scratch_directory(directory);
    return check_passed("clone");
}
