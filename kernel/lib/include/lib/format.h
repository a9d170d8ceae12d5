#pragma once

#include <cstdarg>
#include <cstddef>

namespace lib {

// A small printf: %d %i %u %x %X %o %p %s %c %%, with l/ll/z/h length modifiers, field width,
// zero padding, left alignment and precision for strings (%.*s). Always NUL-terminates and
// returns the length the full output would have had, like vsnprintf.
size_t vformat(char* buffer, size_t size, char const* format, va_list arguments);
size_t format(char* buffer, size_t size, char const* format, ...) __attribute__((format(printf, 3, 4)));

}
