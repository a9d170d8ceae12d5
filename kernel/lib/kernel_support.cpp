// The few C library and C++ runtime pieces the compiler expects in a freestanding kernel.
#include <cstddef>
#include <cstdint>

#include <lib/assert.h>
#include <lib/error_or.h>
#include <new>

extern "C" {

// Eight bytes at a time, then the tail: as fast as rep movsb where the CPU has fast string
// operations, and several times faster under emulation, which executes string instructions one
// element at a time.
void* memcpy(void* destination, void const* source, size_t length)
{
    void* start = destination;
    size_t words = length / 8;
    size_t tail = length % 8;
    asm volatile("rep movsq" : "+D"(destination), "+S"(source), "+c"(words) : : "memory");
    asm volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(tail) : : "memory");
    return start;
}

void* memset(void* destination, int value, size_t length)
{
    void* start = destination;
    uint64_t pattern = 0x0101'0101'0101'0101ull * uint8_t(value);
    size_t words = length / 8;
    size_t tail = length % 8;
    asm volatile("rep stosq" : "+D"(destination), "+c"(words) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(destination), "+c"(tail) : "a"(pattern) : "memory");
    return start;
}

void* memmove(void* destination, void const* source, size_t length)
{
    auto* to = static_cast<unsigned char*>(destination);
    auto const* from = static_cast<unsigned char const*>(source);
    if (to == from || length == 0)
        return destination;
    if (to < from || to >= from + length) {
        for (size_t i = 0; i < length; ++i)
            to[i] = from[i];
    } else {
        for (size_t i = length; i-- > 0;)
            to[i] = from[i];
    }
    return destination;
}

int memcmp(void const* left, void const* right, size_t length)
{
    auto const* a = static_cast<unsigned char const*>(left);
    auto const* b = static_cast<unsigned char const*>(right);
    for (size_t i = 0; i < length; ++i)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

void* memchr(void const* source, int value, size_t length)
{
    auto const* bytes = static_cast<unsigned char const*>(source);
    for (size_t i = 0; i < length; ++i)
        if (bytes[i] == static_cast<unsigned char>(value))
            return const_cast<unsigned char*>(bytes + i);
    return nullptr;
}

size_t strlen(char const* string)
{
    size_t length = 0;
    while (string[length])
        ++length;
    return length;
}

size_t strnlen(char const* string, size_t maximum)
{
    size_t length = 0;
    while (length < maximum && string[length])
        ++length;
    return length;
}

int strcmp(char const* left, char const* right)
{
    while (*left && *left == *right) {
        ++left;
        ++right;
    }
    return static_cast<unsigned char>(*left) - static_cast<unsigned char>(*right);
}

int strncmp(char const* left, char const* right, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        if (left[i] != right[i] || !left[i])
            return static_cast<unsigned char>(left[i]) - static_cast<unsigned char>(right[i]);
    }
    return 0;
}

char* strchr(char const* string, int c)
{
    for (;; ++string) {
        if (*string == char(c))
            return const_cast<char*>(string);
        if (!*string)
            return nullptr;
    }
}

[[noreturn]] void abort()
{
    lib::panic("abort() called");
}

void __cxa_pure_virtual()
{
    lib::panic("pure virtual function called");
}

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle;

}

namespace std {
[[noreturn]] void __throw_bad_alloc() { lib::panic("std::bad_alloc"); }
[[noreturn]] void __throw_length_error(char const* what) { lib::panic("std::length_error: %s", what); }
[[noreturn]] void __throw_out_of_range_fmt(char const* what, ...) { lib::panic("std::out_of_range: %s", what); }
[[noreturn]] void __throw_logic_error(char const* what) { lib::panic("std::logic_error: %s", what); }
[[noreturn]] void __throw_bad_optional_access() { lib::panic("bad optional access"); }
}

namespace lib {

void must_failed(char const* expression, int code, char const* file, int line)
{
    panic("MUST(%s) failed with errno %d at %s:%d", expression, code, file, line);
}

}

namespace std {
nothrow_t const nothrow {};
}
