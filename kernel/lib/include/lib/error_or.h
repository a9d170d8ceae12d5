#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include <lib/errno.h>

namespace lib {

// An errno code carried as a value. Raw negative errno numbers appear only where a syscall
// returns to the application.
class Error {
public:
    constexpr explicit Error(int code)
        : m_code(code)
    {
    }
    constexpr int code() const { return m_code; }
    constexpr bool operator==(Error const&) const = default;

private:
    int m_code;
};

template<typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(T const& value)
        : m_has_value(true)
    {
        new (&m_value) T(value);
    }
    ErrorOr(T&& value)
        : m_has_value(true)
    {
        new (&m_value) T(std::move(value));
    }
    template<typename U>
        requires(std::is_convertible_v<U, T> && !std::is_same_v<std::remove_cvref_t<U>, Error> && !std::is_same_v<std::remove_cvref_t<U>, T>)
    ErrorOr(U&& value)
        : m_has_value(true)
    {
        new (&m_value) T(std::forward<U>(value));
    }
    ErrorOr(Error error)
        : m_error(error)
        , m_has_value(false)
    {
    }
    ErrorOr(ErrorOr&& other)
        : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(std::move(other.m_value));
        else
            m_error = other.m_error;
    }
    ErrorOr(ErrorOr const&) = delete;
    ErrorOr& operator=(ErrorOr const&) = delete;
    ErrorOr& operator=(ErrorOr&&) = delete;
    ~ErrorOr()
    {
        if (m_has_value)
            m_value.~T();
    }

    bool is_error() const { return !m_has_value; }
    Error error() const { return m_error; }
    Error release_error() const { return m_error; }
    T& value() { return m_value; }
    T const& value() const { return m_value; }
    T release_value() { return std::move(m_value); }

private:
    union {
        T m_value;
    };
    Error m_error { 0 };
    bool m_has_value;
};

template<>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr()
        : m_error(0)
    {
    }
    ErrorOr(Error error)
        : m_error(error)
    {
    }
    bool is_error() const { return m_error.code() != 0; }
    Error error() const { return m_error; }
    Error release_error() const { return m_error; }
    void release_value() { }

private:
    Error m_error;
};

[[noreturn]] void must_failed(char const* expression, int code, char const* file, int line);

} // namespace lib

using lib::Error;
using lib::ErrorOr;

// Propagates an error out of the enclosing function, otherwise yields the value.
#define TRY(expression)                                   \
    ({                                                    \
        auto&& _try_result = (expression);                \
        if (_try_result.is_error()) [[unlikely]]          \
            return _try_result.release_error();           \
        _try_result.release_value();                      \
    })

// Asserts that an operation that cannot fail here did not fail.
#define MUST(expression)                                                                        \
    ({                                                                                          \
        auto&& _must_result = (expression);                                                     \
        if (_must_result.is_error()) [[unlikely]]                                               \
            ::lib::must_failed(#expression, _must_result.error().code(), __FILE__, __LINE__);   \
        _must_result.release_value();                                                           \
    })
