#include <lib/user_memory.h>

extern "C" long arch_user_copy(void* destination, void const* source, size_t length);
extern "C" long arch_user_clear(void* destination, size_t length);
extern "C" long arch_user_strnlen(char const* string, size_t maximum);

namespace lib {

ErrorOr<void> copy_from_user(void* destination, uintptr_t source, size_t size)
{
    if (!size)
        return {};
    if (!is_user_range(source, size) || arch_user_copy(destination, reinterpret_cast<void const*>(source), size) != 0)
        return Error(EFAULT);
    return {};
}

ErrorOr<void> copy_to_user(uintptr_t destination, void const* source, size_t size)
{
    if (!size)
        return {};
    if (!is_user_range(destination, size) || arch_user_copy(reinterpret_cast<void*>(destination), source, size) != 0)
        return Error(EFAULT);
    return {};
}

ErrorOr<void> clear_user(uintptr_t destination, size_t size)
{
    if (!size)
        return {};
    if (!is_user_range(destination, size) || arch_user_clear(reinterpret_cast<void*>(destination), size) != 0)
        return Error(EFAULT);
    return {};
}

ErrorOr<size_t> user_string_length(uintptr_t source, size_t max_length)
{
    if (source >= user_address_limit)
        return Error(EFAULT);
    if (max_length > user_address_limit - source)
        max_length = user_address_limit - source;
    long length = arch_user_strnlen(reinterpret_cast<char const*>(source), max_length);
    if (length < 0)
        return Error(EFAULT);
    return size_t(length);
}

}
