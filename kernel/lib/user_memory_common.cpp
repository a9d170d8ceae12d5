#include <lib/user_memory.h>

namespace lib {

ErrorOr<String> copy_string_from_user(uintptr_t source, size_t max_length, int too_long_error)
{
    size_t length = TRY(user_string_length(source, max_length + 1));
    if (length > max_length)
        return Error(too_long_error);
    Vector<char> bytes;
    TRY(bytes.try_resize(length));
    TRY(copy_from_user(bytes.data(), source, length));
    return String::try_create({ bytes.data(), length });
}

}
