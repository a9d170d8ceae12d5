/* How threads end a process. Run as `thread_exit MODE`; the runner checks the status:
 *   exit        a second thread calls exit(5) while main blocks in pthread_join: the whole
 *               process ends with 5 (stdout flushed by that exit)
 *   return      main returns 3 while another thread blocks forever in a futex wait: 3
 *   main-exits  main calls pthread_exit; the process lives on in the other thread, which
 *               prints and returns: the last thread's end is exit(0)
 *   segv        a second thread faults while main waits: the whole process dies of SIGSEGV */
#define _GNU_SOURCE
#include "proc.h"

#include <pthread.h>

static volatile int never;
static pid_t main_pid;

static void *call_exit(void *arg)
{
    (void)arg;
    sleep_ms(20);
    printf("thread_exit: ok\n");
    exit(5);
}

static void *block_forever(void *arg)
{
    (void)arg;
    while (!never)
        futex((void *)&never, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
    return NULL;
}

static void *outlive_main(void *arg)
{
    (void)arg;
    sleep_ms(50);
    CHECK(getpid() == main_pid);
    CHECK(gettid() != main_pid);
    printf("thread_exit: ok\n");
    return NULL;
}

static void *fault(void *arg)
{
    (void)arg;
    sleep_ms(20);
    volatile uintptr_t address = 16;
    *(volatile int *)address = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    main_pid = getpid();
    pthread_t thread;
    if (!strcmp(argv[1], "exit")) {
        CHECK(pthread_create(&thread, NULL, call_exit, NULL) == 0);
        pthread_join(thread, NULL);
        fprintf(stderr, "thread_exit: pthread_join returned\n");
        return 1;
    }
    if (!strcmp(argv[1], "return")) {
        CHECK(pthread_create(&thread, NULL, block_forever, NULL) == 0);
        sleep_ms(20);
        return 3;
    }
    if (!strcmp(argv[1], "main-exits")) {
        CHECK(pthread_create(&thread, NULL, outlive_main, NULL) == 0);
        pthread_exit(NULL);
    }
    if (!strcmp(argv[1], "segv")) {
        CHECK(pthread_create(&thread, NULL, fault, NULL) == 0);
        pthread_join(thread, NULL);
        fprintf(stderr, "thread_exit: pthread_join returned\n");
        return 1;
    }
    fprintf(stderr, "thread_exit: unknown mode %s\n", argv[1]);
    return 2;
}
