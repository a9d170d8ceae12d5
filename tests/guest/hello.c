/* The smallest program: prints exactly "hello, world\n" on stdout and exits 0. */
#include <stdio.h>

int main(void)
{
    fputs("hello, world\n", stdout);
    return 0;
}
