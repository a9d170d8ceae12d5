/* A program that someone outside stops with a signal: natively the runner's kill() reaches it
 * directly, under unifork the CLI receives it and passes it on into the VM.
 *
 *   host_signal catch SIG suspend|spin   handles SIG, prints "ready", waits for it (in
 *                                        sigsuspend, or spinning in its own code), prints
 *                                        "caught SIG" and exits 0
 *   host_signal default                  prints "ready" and waits in pause(): the first
 *                                        terminating signal kills it
 *   host_signal ignore SIG               ignores SIG, prints "ready" and waits forever
 *
 * "ready" is printed once the program is prepared, so the runner signals only then. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t caught;

static void on_signal(int signal)
{
    caught = signal;
}

static void say(const char *text)
{
    size_t length = strlen(text);
    CHECK(write(1, text, length) == (ssize_t)length);
}

static int usage(void)
{
    fprintf(stderr, "usage: host_signal catch SIG suspend|spin | default | ignore SIG\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "catch") == 0) {
        int signal = atoi(argv[2]);
        int spin = strcmp(argv[3], "spin") == 0;
        sigset_t blocked, previous;
        sigemptyset(&blocked);
        sigaddset(&blocked, signal);
        /* Blocked until sigsuspend, so a signal that comes early is not lost between the
         * check of `caught` and the wait. */
        if (!spin)
            CHECK_OK(sigprocmask(SIG_BLOCK, &blocked, &previous));
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        CHECK_OK(sigaction(signal, &action, NULL));
        say("ready\n");
        if (spin) {
            while (!caught) {
            }
        } else {
            while (!caught)
                sigsuspend(&previous);
        }
        CHECK(caught == signal);
        printf("caught %d\n", signal);
        fprintf(stderr, "shutting down cleanly\n");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "default") == 0) {
        say("ready\n");
        for (;;)
            pause();
    }
    if (argc == 3 && strcmp(argv[1], "ignore") == 0) {
        CHECK(signal(atoi(argv[2]), SIG_IGN) != SIG_ERR);
        say("ready\n");
        for (;;)
            pause();
    }
    return usage();
}
