/* Divides by zero: the program must be killed by SIGFPE, which the runner sees as status
 * 136 (128 + 8), natively and under unifork. */
#include <stdio.h>

int main(void)
{
    volatile int dividend = 1;
    volatile int divisor = 0;
    volatile int quotient = dividend / divisor;
    fprintf(stderr, "fpe: 1 / 0 gave %d without a signal\n", quotient);
    return 1;
}
