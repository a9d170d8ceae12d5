/* An executable's pages: initialised data that the program changes is its own copy. Neither
 * the file, nor a forked child, nor the next process to run the program sees the change,
 * even though an unchanged page may be the very page of the file (shared copy-on-write).
 *
 * exec_pages [fresh]: checks the data as the file has it, changes it, forks, execs itself. */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define BLOCK_SIZE (4 * 4096)
static unsigned char block[BLOCK_SIZE] = { [0 ... BLOCK_SIZE - 1] = 0x5a };
static const unsigned char text_like[BLOCK_SIZE] = { [0 ... BLOCK_SIZE - 1] = 0xc3 };

static void check_all(unsigned char const *bytes, unsigned char value)
{
    for (size_t i = 0; i < BLOCK_SIZE; ++i)
        if (bytes[i] != value) {
            fprintf(stderr, "byte %zu is %#x, expected %#x\n", i, bytes[i], value);
            CHECK(!"unexpected contents");
        }
}

int main(int argc, char **argv)
{
    check_all(block, 0x5a);
    check_all(text_like, 0xc3);
    if (argc == 2 && !strcmp(argv[1], "fresh"))
        return check_passed("exec_pages");

    memset(block, 0xa5, BLOCK_SIZE);
    check_all(block, 0xa5);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        check_all(block, 0xa5);
        memset(block, 0x11, BLOCK_SIZE);
        check_all(block, 0x11);
        _exit(0);
    }
    int status = -1;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_all(block, 0xa5);

    /* A second process running the program now, and one after this image is gone. */
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        execl("/proc/self/exe", argv[0], "fresh", (char *)NULL);
        _exit(99);
    }
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "fresh", (char *)NULL);
    CHECK(!"execl failed");
    return 1;
}
