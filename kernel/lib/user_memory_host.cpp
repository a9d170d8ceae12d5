// Host builds of kernel libraries (unit tests) treat the whole process as the application;
// only the null page counts as a bad address.
#include <cstring>

#include <lib/user_memory.h>

namespace lib {

static bool is_bad(uintptr_t address) { return address < 4096; }

ErrorOr<void> copy_from_user(void* destination, uintptr_t source, size_t size)
{
    if (size && is_bad(source))
        return Error(EFAULT);
    memcpy(destination, reinterpret_cast<void const*>(source), size);
    return {};
}

ErrorOr<void> copy_to_user(uintptr_t destination, void const* source, size_t size)
{
    if (size && is_bad(destination))
        return Error(EFAULT);
    memcpy(reinterpret_cast<void*>(destination), source, size);
    return {};
}

ErrorOr<void> clear_user(uintptr_t destination, size_t size)
{
    if (size && is_bad(destination))
        return Error(EFAULT);
    memset(reinterpret_cast<void*>(destination), 0, size);
    return {};
}

ErrorOr<size_t> user_string_length(uintptr_t source, size_t max_length)
{
    if (is_bad(source))
        return Error(EFAULT);
    return strnlen(reinterpret_cast<char const*>(source), max_length);
}

}
