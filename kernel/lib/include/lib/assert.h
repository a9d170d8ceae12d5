#pragma once

namespace lib {
// Provided by the kernel (prints, backtraces and stops the VM) or by the host test support
// library (aborts the test binary).
[[noreturn]] void panic(char const* format, ...) __attribute__((format(printf, 1, 2)));
}

#define VERIFY(condition)                                                                  \
    do {                                                                                   \
        if (!(condition)) [[unlikely]]                                                     \
            ::lib::panic("assertion failed: %s at %s:%d", #condition, __FILE__, __LINE__); \
    } while (0)

#define VERIFY_NOT_REACHED() ::lib::panic("unreachable code reached at %s:%d", __FILE__, __LINE__)
