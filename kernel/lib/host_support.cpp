// What the kernel provides to its libraries, provided instead by the host for unit tests.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include <lib/assert.h>
#include <lib/error_or.h>
#include <lib/format.h>

namespace lib {

void panic(char const* format, ...)
{
    char message[512];
    va_list arguments;
    va_start(arguments, format);
    vformat(message, sizeof(message), format, arguments);
    va_end(arguments);
    fprintf(stderr, "panic: %s\n", message);
    abort();
}

void must_failed(char const* expression, int code, char const* file, int line)
{
    panic("MUST(%s) failed with errno %d at %s:%d", expression, code, file, line);
}

}
