/* Exits with the status given as argv[1] (0..255), through exit(), so that the runner can
 * check that the status reaches the caller unchanged. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: exit_status STATUS\n");
        return 2;
    }
    char *end;
    long status = strtol(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || status < 0 || status > 255) {
        fprintf(stderr, "exit_status: bad status '%s'\n", argv[1]);
        return 2;
    }
    exit((int)status);
}
