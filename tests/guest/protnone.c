/* PROT_NONE on pages that already hold data: every access faults, the contents survive, and
 * they come back when access is given again, in this process and in a forked child. */
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf recovery;

static void on_segv(int signal)
{
    (void)signal;
    siglongjmp(recovery, 1);
}

static int read_faults(char const *address)
{
    if (sigsetjmp(recovery, 1))
        return 1;
    volatile char value = *(volatile char const *)address;
    (void)value;
    return 0;
}

int main(void)
{
    CHECK(signal(SIGSEGV, on_segv) != SIG_ERR);
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pages != MAP_FAILED);
    pages[0] = 'x';
    pages[4096] = 'y';
    CHECK(mprotect(pages, 8192, PROT_NONE) == 0);
    CHECK(read_faults(pages));
    CHECK(read_faults(pages + 4096));

    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        if (mprotect(pages, 8192, PROT_READ | PROT_WRITE) != 0)
            _exit(2);
        if (pages[0] != 'x' || pages[4096] != 'y')
            _exit(3);
        pages[0] = 'c';
        _exit(0);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    CHECK(mprotect(pages, 8192, PROT_READ) == 0);
    CHECK(!read_faults(pages));
    CHECK(pages[0] == 'x' && pages[4096] == 'y'); /* the child's write stayed its own */
    CHECK(munmap(pages, 8192) == 0);
    return check_passed("protnone");
}
