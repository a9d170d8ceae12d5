/* Writes through a NULL pointer: the program must be killed by SIGSEGV, which the runner
 * sees as status 139 (128 + 11), natively and under unifork. */
#include <stdio.h>

int main(void)
{
    volatile int *volatile pointer = NULL;
    *pointer = 42;
    fprintf(stderr, "segv: the write through NULL did not fault\n");
    return 1;
}
