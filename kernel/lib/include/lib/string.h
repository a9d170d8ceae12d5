#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <lib/error_or.h>
#include <lib/vector.h>

namespace lib {

// An owned, NUL-terminated byte string whose creation can fail.
class String {
public:
    String() = default;
    String(String&&) = default;
    String& operator=(String&&) = default;

    static ErrorOr<String> try_create(std::string_view text)
    {
        String string;
        TRY(string.m_bytes.try_ensure_capacity(text.size() + 1));
        TRY(string.m_bytes.try_append(text.data(), text.size()));
        TRY(string.m_bytes.try_append('\0'));
        return string;
    }

    ErrorOr<String> try_clone() const { return try_create(view()); }

    ErrorOr<void> try_append(std::string_view text)
    {
        size_t const old_length = length();
        // `text` may view this very string; growing moves the bytes, so find it again after.
        auto const address = reinterpret_cast<uintptr_t>(text.data());
        auto const start = reinterpret_cast<uintptr_t>(m_bytes.data());
        bool const inside = !m_bytes.is_empty() && address >= start && address < start + m_bytes.size();
        size_t const offset = inside ? address - start : 0;
        TRY(m_bytes.try_ensure_capacity(old_length + text.size() + 1));
        if (inside)
            text = std::string_view(m_bytes.data() + offset, text.size());
        // The room is reserved, so nothing below allocates: an ENOMEM above leaves the string
        // whole, NUL included.
        m_bytes.shrink(old_length);
        MUST(m_bytes.try_append(text.data(), text.size()));
        MUST(m_bytes.try_append('\0'));
        return {};
    }

    std::string_view view() const { return m_bytes.is_empty() ? std::string_view {} : std::string_view { m_bytes.data(), m_bytes.size() - 1 }; }
    char const* c_str() const { return m_bytes.is_empty() ? "" : m_bytes.data(); }
    size_t length() const { return m_bytes.is_empty() ? 0 : m_bytes.size() - 1; }
    bool is_empty() const { return length() == 0; }
    bool operator==(std::string_view other) const { return view() == other; }

private:
    Vector<char> m_bytes;
};

} // namespace lib

using lib::String;
