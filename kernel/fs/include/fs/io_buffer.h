#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <lib/error_or.h>

namespace fs {

// The far side of a read or write: either kernel memory (the ELF loader, the initrd, unit
// tests) or an application's buffer, reached only through the checked user copies. File
// operations take one of these so that data moves once, from a file's pages straight to the
// application, with no bounce buffer.
class IoBuffer {
public:
    static IoBuffer kernel(void* address, size_t size) { return IoBuffer(reinterpret_cast<uintptr_t>(address), size, false); }
    static IoBuffer kernel(void const* address, size_t size) { return kernel(const_cast<void*>(address), size); }
    static IoBuffer user(uintptr_t address, size_t size) { return IoBuffer(address, size, true); }

    size_t size() const { return m_size; }
    bool is_user() const { return m_is_user; }

    // Stores `length` bytes at `offset` into the buffer (the data of a read).
    ErrorOr<void> write(size_t offset, void const* source, size_t length);
    // Fetches `length` bytes at `offset` from the buffer (the data of a write).
    ErrorOr<void> read(size_t offset, void* destination, size_t length) const;
    ErrorOr<void> fill_zero(size_t offset, size_t length);

    IoBuffer slice(size_t offset, size_t length) const { return IoBuffer(m_address + offset, length, m_is_user); }

private:
    IoBuffer(uintptr_t address, size_t size, bool is_user)
        : m_address(address)
        , m_size(size)
        , m_is_user(is_user)
    {
    }

    uintptr_t m_address;
    size_t m_size;
    bool m_is_user;
};

}
