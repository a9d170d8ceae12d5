/* Loops forever without making a system call; the runner checks that `unifork run --timeout`
 * ends it with status 124. There is no native test for it. */
int main(void)
{
    volatile unsigned long counter = 0;
    for (;;)
        counter = counter + 1;
}
