/*
 * Boot-to-exit benchmark program: prints "hello, world" and exits 0.
 *
 * Built with `musl-gcc -static -O2`. Under unifork it runs without arguments. In the Linux
 * guest it is /init and gets `--poweroff` from the kernel command line: as pid 1 it must not
 * exit (the kernel would panic), so it powers the VM off instead, which ends QEMU.
 */
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    fputs("hello, world\n", stdout);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "--poweroff") == 0) {
        reboot(RB_POWER_OFF);
        perror("reboot(RB_POWER_OFF)");
        return 1;
    }
    return 0;
}
