#include <lib/format.h>

#include <cstdint>

namespace lib {

namespace {

class Output {
public:
    Output(char* buffer, size_t size)
        : m_buffer(buffer)
        , m_size(size)
    {
    }
    void put(char c)
    {
        if (m_size && m_length + 1 < m_size)
            m_buffer[m_length] = c;
        ++m_length;
    }
    void repeat(char c, int count)
    {
        for (int i = 0; i < count; ++i)
            put(c);
    }
    size_t finish()
    {
        if (m_size)
            m_buffer[m_length < m_size ? m_length : m_size - 1] = '\0';
        return m_length;
    }

private:
    char* m_buffer;
    size_t m_size;
    size_t m_length { 0 };
};

struct Spec {
    bool left_align { false };
    bool zero_pad { false };
    bool plus_sign { false };
    bool space_sign { false };
    bool alternate { false };
    int width { 0 };
    int precision { -1 };
};

void emit_number(Output& out, uint64_t magnitude, bool negative, unsigned base, bool upper, Spec const& spec, char const* prefix)
{
    char digits[24];
    int count = 0;
    char const* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    // C: a zero with precision zero prints no digits at all.
    while (magnitude || (count == 0 && spec.precision != 0)) {
        digits[count++] = alphabet[magnitude % base];
        magnitude /= base;
    }
    // C: with a precision the 0 flag is ignored for integers.
    bool const zero_pad = spec.zero_pad && spec.precision < 0;
    char const sign = negative ? '-' : spec.plus_sign ? '+' : spec.space_sign ? ' ' : '\0';
    int sign_length = sign ? 1 : 0;
    int precision_zeros = spec.precision > count ? spec.precision - count : 0;
    // %#o's "0" prefix only forces a leading zero; precision zeros or a lone 0 already do.
    if (prefix && prefix[0] == '0' && !prefix[1] && (precision_zeros || (count && digits[count - 1] == '0')))
        prefix = nullptr;
    int prefix_length = 0;
    while (prefix && prefix[prefix_length])
        ++prefix_length;
    int total = sign_length + prefix_length + precision_zeros + count;
    int padding = spec.width > total ? spec.width - total : 0;
    if (!spec.left_align && !zero_pad)
        out.repeat(' ', padding);
    if (sign)
        out.put(sign);
    for (int i = 0; i < prefix_length; ++i)
        out.put(prefix[i]);
    if (!spec.left_align && zero_pad)
        out.repeat('0', padding);
    out.repeat('0', precision_zeros);
    while (count)
        out.put(digits[--count]);
    if (spec.left_align)
        out.repeat(' ', padding);
}

}

size_t vformat(char* buffer, size_t size, char const* format, va_list arguments)
{
    Output out(buffer, size);
    for (char const* p = format; *p; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        ++p;
        Spec spec;
        for (;; ++p) {
            if (*p == '-')
                spec.left_align = true;
            else if (*p == '0')
                spec.zero_pad = true;
            else if (*p == '+')
                spec.plus_sign = true;
            else if (*p == ' ')
                spec.space_sign = true;
            else if (*p == '#')
                spec.alternate = true;
            else
                break;
        }
        if (*p == '*') {
            spec.width = va_arg(arguments, int);
            if (spec.width < 0) {
                spec.left_align = true;
                spec.width = -spec.width;
            }
            ++p;
        } else {
            while (*p >= '0' && *p <= '9')
                spec.width = spec.width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            ++p;
            spec.precision = 0;
            if (*p == '*') {
                spec.precision = va_arg(arguments, int);
                ++p;
            } else {
                while (*p >= '0' && *p <= '9')
                    spec.precision = spec.precision * 10 + (*p++ - '0');
            }
        }
        int longness = 0;
        int shortness = 0;
        while (*p == 'l' || *p == 'z' || *p == 'h' || *p == 'j' || *p == 't') {
            if (*p == 'h')
                ++shortness;
            else
                longness = 2;
            ++p;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t value = longness ? va_arg(arguments, int64_t) : va_arg(arguments, int);
            // %hd and %hhd print the argument converted back to short or signed char.
            if (!longness && shortness == 1)
                value = static_cast<short>(value);
            else if (!longness && shortness >= 2)
                value = static_cast<signed char>(value);
            bool negative = value < 0;
            uint64_t magnitude = negative ? uint64_t(0) - uint64_t(value) : uint64_t(value);
            emit_number(out, magnitude, negative, 10, false, spec, nullptr);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t value = longness ? va_arg(arguments, uint64_t) : va_arg(arguments, unsigned);
            if (!longness && shortness == 1)
                value = static_cast<unsigned short>(value);
            else if (!longness && shortness >= 2)
                value = static_cast<unsigned char>(value);
            unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
            char const* prefix = nullptr;
            if (spec.alternate && base == 16 && value)
                prefix = *p == 'X' ? "0X" : "0x";
            else if (spec.alternate && base == 8)
                prefix = "0";
            emit_number(out, value, false, base, *p == 'X', spec, prefix);
            break;
        }
        case 'p': {
            auto value = reinterpret_cast<uintptr_t>(va_arg(arguments, void*));
            emit_number(out, value, false, 16, false, spec, "0x");
            break;
        }
        case 'c': {
            char c = char(va_arg(arguments, int));
            if (!spec.left_align)
                out.repeat(' ', spec.width - 1);
            out.put(c);
            if (spec.left_align)
                out.repeat(' ', spec.width - 1);
            break;
        }
        case 's': {
            char const* text = va_arg(arguments, char const*);
            if (!text)
                text = "(null)";
            int length = 0;
            while (text[length] && (spec.precision < 0 || length < spec.precision))
                ++length;
            int padding = spec.width > length ? spec.width - length : 0;
            if (!spec.left_align)
                out.repeat(' ', padding);
            for (int i = 0; i < length; ++i)
                out.put(text[i]);
            if (spec.left_align)
                out.repeat(' ', padding);
            break;
        }
        case '%':
            out.put('%');
            break;
        case '\0':
            --p;
            break;
        default:
            out.put('%');
            out.put(*p);
            break;
        }
    }
    return out.finish();
}

size_t format(char* buffer, size_t size, char const* format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    size_t length = vformat(buffer, size, format, arguments);
    va_end(arguments);
    return length;
}

}
