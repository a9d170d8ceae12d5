#include <cstdarg>

#include <binfmt/diagnostic.h>
#include <lib/format.h>

namespace binfmt {

Error Diagnostic::refuse(int code, char const* format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    lib::vformat(m_message, sizeof(m_message), format, arguments);
    va_end(arguments);
    return Error(code);
}

}
