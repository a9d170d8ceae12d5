#pragma once

#include <cstddef>
#include <cstdint>

#include <lib/error_or.h>
#include <lib/string.h>

namespace lib {

// Applications live in the lower half of the address space; anything at or above this is the
// kernel's and is refused with EFAULT even though the application runs in ring 0.
constexpr uintptr_t user_address_limit = 0x0000'8000'0000'0000;

inline bool is_user_range(uintptr_t address, size_t size)
{
    return address < user_address_limit && size <= user_address_limit - address;
}

// Copies to and from an application's memory. A range outside the application's half, or one
// that faults (unmapped, or a write to read-only memory), yields EFAULT and never a crash.
ErrorOr<void> copy_from_user(void* destination, uintptr_t source, size_t size);
ErrorOr<void> copy_to_user(uintptr_t destination, void const* source, size_t size);
ErrorOr<void> clear_user(uintptr_t destination, size_t size);
// Length of the NUL-terminated string at `source`, failing with ENAMETOOLONG-free semantics:
// returns `max_length` when no NUL was found within it.
ErrorOr<size_t> user_string_length(uintptr_t source, size_t max_length);
// Copies a NUL-terminated string; longer than `max_length` bytes gives `too_long_error`.
ErrorOr<String> copy_string_from_user(uintptr_t source, size_t max_length, int too_long_error = ENAMETOOLONG);

// An application's pointer, typed. Reading or writing through it goes through the checked
// copies above; it is never dereferenced directly.
template<typename T>
class UserPtr {
public:
    UserPtr() = default;
    explicit UserPtr(uintptr_t address)
        : m_address(address)
    {
    }
    uintptr_t address() const { return m_address; }
    bool is_null() const { return m_address == 0; }
    UserPtr offset(size_t count) const { return UserPtr(m_address + count * sizeof(T)); }

    ErrorOr<T> read() const
    {
        T value;
        TRY(copy_from_user(&value, m_address, sizeof(T)));
        return value;
    }
    ErrorOr<void> write(T const& value) const { return copy_to_user(m_address, &value, sizeof(T)); }

private:
    uintptr_t m_address { 0 };
};

}

using lib::copy_from_user;
using lib::copy_string_from_user;
using lib::copy_to_user;
using lib::UserPtr;
