/* fork(): the child gets 0 and the parent the child's pid; private memory (globals, bss,
 * heap, stack, private anonymous mappings) is copied on write in both directions, while
 * MAP_SHARED|MAP_ANONYMOUS memory is shared; munmap and mprotect in the child leave the
 * parent's mappings alone; getppid, inherited signal mask and dispositions, exit statuses,
 * forks in a loop and nested, and a futex in shared memory woken across processes. */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <stdatomic.h>

static int global_data = 1;
static int global_bss;

struct shared {
    atomic_int child_pid;
    atomic_int parent_wrote;
    atomic_int counter;
    atomic_int ready;
    int futex_word;
};

int main(void)
{
    pid_t self = getpid(), grandparent = getppid();
    CHECK(self > 0);
    int *heap = malloc(64 * sizeof(int));
    CHECK(heap != NULL);
    heap[0] = 1;
    heap[63] = 1;
    volatile int stack_value = 1;
    int *private_page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(private_page != MAP_FAILED);
    private_page[0] = 1;
    private_page[2047] = 1;
    struct shared *shared = shared_memory(4096);
    CHECK(shared->counter == 0); /* fresh anonymous memory is zero */

    /* The child sees everything as it was at fork; its writes stay its own. */
    pid_t pid = fork();
    if (pid == 0) {
        CHECK(getpid() != self);
        CHECK(getppid() == self);
        CHECK(global_data == 1 && global_bss == 0 && heap[0] == 1 && heap[63] == 1);
        CHECK(stack_value == 1 && private_page[0] == 1 && private_page[2047] == 1);
        global_data = 2;
        global_bss = 2;
        heap[0] = 2;
        stack_value = 2;
        private_page[0] = 2;
        private_page[2047] = 2;
        CHECK(global_data == 2 && global_bss == 2 && heap[0] == 2 && stack_value == 2);
        CHECK(private_page[0] == 2 && private_page[2047] == 2);
        shared->child_pid = getpid();
        _exit(0);
    }
    CHECK(pid > 0);
    CHECK(pid != self);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(shared->child_pid == pid);
    CHECK(global_data == 1 && global_bss == 0 && heap[0] == 1 && heap[63] == 1);
    CHECK(stack_value == 1 && private_page[0] == 1 && private_page[2047] == 1);
    CHECK(getpid() == self && getppid() == grandparent);

    /* The parent's writes after fork stay the parent's, even to pages the child has not
     * touched yet (the copy happens on whichever side writes first). */
    pid = fork();
    if (pid == 0) {
        WAIT_UNTIL(shared->parent_wrote, 10000);
        CHECK(global_data == 1 && global_bss == 0 && heap[0] == 1 && heap[63] == 1);
        CHECK(stack_value == 1 && private_page[0] == 1 && private_page[2047] == 1);
        _exit(0);
    }
    CHECK(pid > 0);
    global_data = 3;
    global_bss = 3;
    heap[0] = 3;
    heap[63] = 3;
    stack_value = 3;
    private_page[0] = 3;
    private_page[2047] = 3;
    shared->parent_wrote = 1;
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(global_data == 3 && heap[63] == 3 && private_page[2047] == 3);

    /* Shared memory is one memory: atomic increments from both sides all count. */
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 10000; ++i)
            atomic_fetch_add(&shared->counter, 1);
        _exit(0);
    }
    CHECK(pid > 0);
    for (int i = 0; i < 10000; ++i)
        atomic_fetch_add(&shared->counter, 1);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(shared->counter == 20000);

    /* munmap and mprotect in the child change only the child's address space. */
    pid = fork();
    if (pid == 0) {
        CHECK(munmap(private_page + 1024, 4096) == 0);
        CHECK(mprotect(private_page, 4096, PROT_READ) == 0);
        CHECK(private_page[0] == 3);
        _exit(0);
    }
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 0);
    private_page[0] = 4;
    private_page[2047] = 4;
    CHECK(private_page[0] == 4 && private_page[2047] == 4);

    /* The signal mask and dispositions are inherited; pending signals are not. */
    sigset_t block, old_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old_mask) == 0);
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK(kill(getpid(), SIGUSR1) == 0); /* blocked: stays pending in the parent */
    pid = fork();
    if (pid == 0) {
        sigset_t mask, pending;
        CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0);
        CHECK(sigismember(&mask, SIGUSR1) == 1);
        CHECK(sigpending(&pending) == 0);
        CHECK(sigismember(&pending, SIGUSR1) == 0);
        struct sigaction action;
        CHECK(sigaction(SIGUSR2, NULL, &action) == 0);
        CHECK(action.sa_handler == SIG_IGN);
        _exit(0);
    }
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 0);
    sigset_t pending;
    CHECK(sigpending(&pending) == 0);
    CHECK(sigismember(&pending, SIGUSR1) == 1);
    CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR); /* discards the pending one */
    CHECK(sigprocmask(SIG_SETMASK, &old_mask, NULL) == 0);
    CHECK(signal(SIGUSR1, SIG_DFL) == SIG_IGN);
    CHECK(signal(SIGUSR2, SIG_DFL) == SIG_IGN);

    /* Exit statuses, sequential forks in a loop. */
    for (int i = 0; i < 20; ++i) {
        pid = fork();
        if (pid == 0)
            _exit(i * 13);
        CHECK(pid > 0);
        CHECK_CHILD_EXITS(pid, i * 13);
    }

    /* Several children alive at once have distinct pids and are reaped in any order. */
    pid_t children[8];
    for (int i = 0; i < 8; ++i) {
        children[i] = fork();
        if (children[i] == 0) {
            sleep_ms(20);
            _exit(100 + i);
        }
        CHECK(children[i] > 0);
        for (int j = 0; j < i; ++j)
            CHECK(children[j] != children[i]);
    }
    for (int i = 7; i >= 0; --i)
        CHECK_CHILD_EXITS(children[i], 100 + i);

    /* A child forks too: a grandchild's status reaches its own parent. */
    pid = fork();
    if (pid == 0) {
        pid_t child_pid = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            CHECK(getppid() == child_pid);
            _exit(7);
        }
        CHECK(grandchild > 0);
        int status = WAIT_FOR(grandchild);
        CHECK_EXITED(status, 7);
        CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
        _exit(WEXITSTATUS(status) + 1);
    }
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 8);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);

    /* A (non-private) futex in shared memory: the parent's FUTEX_WAKE reaches the child's
     * FUTEX_WAIT. The word stays 0, so only a wake can end the child's wait. */
    pid = fork();
    if (pid == 0) {
        struct timespec timeout = { .tv_sec = 20 };
        shared->ready = 1;
        long result = futex(&shared->futex_word, FUTEX_WAIT, 0, &timeout, NULL, 0);
        CHECK(result == 0);
        _exit(0);
    }
    CHECK(pid > 0);
    WAIT_UNTIL(shared->ready, 10000);
    long woken = 0;
    long long deadline = monotonic_ns() + 10000000000LL;
    while ((woken = futex(&shared->futex_word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0)) == 0 && monotonic_ns() < deadline)
        sleep_ms(1);
    CHECK(woken == 1);
    CHECK_CHILD_EXITS(pid, 0);

    CHECK(munmap(shared, 4096) == 0);
    CHECK(munmap(private_page, 2 * 4096) == 0);
    free(heap);
    return check_passed("fork");
}
