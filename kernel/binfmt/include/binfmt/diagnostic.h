#pragma once

#include <cstddef>

#include <lib/error_or.h>

namespace binfmt {

// Why an exec or a launch file was refused, in words a person can act on. The errno travels
// separately in the ErrorOr; this keeps the sentence (with numbers in it) that the kernel
// prints on COM2 before it reports status 126, since an errno alone cannot tell "32-bit ELF"
// from "dynamic executable".
class Diagnostic {
public:
    // Records the message and returns the errno as an Error, so a refusal reads
    // `return diagnostic.refuse(ENOEXEC, "not an ELF file");`.
    Error refuse(int code, char const* format, ...) __attribute__((format(printf, 3, 4)));

    char const* message() const { return m_message; }
    bool has_message() const { return m_message[0] != '\0'; }
    void clear() { m_message[0] = '\0'; }

    static constexpr size_t capacity = 192;

private:
    char m_message[capacity] {};
};

}
