/* Prints argc, every argv element and every environment entry, one per line, in an
 * unambiguous escaped form the runner recomputes from what it passed:
 *
 *     argc N
 *     argv "..."        (N lines)
 *     env "..."         (one line per entry of environ)
 *     end
 *
 * Inside the quotes, bytes 0x20..0x7e other than '"' and '\\' stand for themselves; every
 * other byte is written as \xHH (lowercase hex). */
#include <stdio.h>

extern char **environ;

static void put_escaped(const char *label, const char *text)
{
    printf("%s \"", label);
    for (const unsigned char *p = (const unsigned char *)text; *p; ++p) {
        if (*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\')
            putchar(*p);
        else
            printf("\\x%02x", *p);
    }
    printf("\"\n");
}

int main(int argc, char **argv)
{
    printf("argc %d\n", argc);
    for (int i = 0; i < argc; ++i)
        put_escaped("argv", argv[i]);
    if (argv[argc] != NULL) {
        fprintf(stderr, "argenv: argv[argc] is not NULL\n");
        return 1;
    }
    for (char **entry = environ; *entry; ++entry)
        put_escaped("env", *entry);
    printf("end\n");
    return fflush(stdout) == 0 ? 0 : 1;
}
