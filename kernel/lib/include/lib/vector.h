#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include <lib/assert.h>
#include <lib/error_or.h>

namespace lib {

// A growable array whose growth can fail: every allocating operation returns ErrorOr.
template<typename T>
class Vector {
public:
    Vector() = default;
    Vector(Vector const&) = delete;
    Vector& operator=(Vector const&) = delete;
    Vector(Vector&& other)
        : m_data(std::exchange(other.m_data, nullptr))
        , m_size(std::exchange(other.m_size, 0))
        , m_capacity(std::exchange(other.m_capacity, 0))
    {
    }
    Vector& operator=(Vector&& other)
    {
        if (this != &other) {
            clear_and_free();
            m_data = std::exchange(other.m_data, nullptr);
            m_size = std::exchange(other.m_size, 0);
            m_capacity = std::exchange(other.m_capacity, 0);
        }
        return *this;
    }
    ~Vector() { clear_and_free(); }

    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }
    bool is_empty() const { return m_size == 0; }
    T* data() { return m_data; }
    T const* data() const { return m_data; }
    T& operator[](size_t index)
    {
        VERIFY(index < m_size);
        return m_data[index];
    }
    T const& operator[](size_t index) const
    {
        VERIFY(index < m_size);
        return m_data[index];
    }
    T& last() { return (*this)[m_size - 1]; }
    T* begin() { return m_data; }
    T* end() { return m_data + m_size; }
    T const* begin() const { return m_data; }
    T const* end() const { return m_data + m_size; }
    std::span<T> span() { return { m_data, m_size }; }
    std::span<T const> span() const { return { m_data, m_size }; }

    ErrorOr<void> try_ensure_capacity(size_t wanted)
    {
        if (wanted <= m_capacity)
            return {};
        auto* new_data = allocate(grown_capacity(wanted));
        if (!new_data)
            return Error(ENOMEM);
        adopt_storage(new_data, grown_capacity(wanted));
        return {};
    }

    template<typename U>
    ErrorOr<void> try_append(U&& value)
    {
        if (m_size < m_capacity) {
            new (&m_data[m_size]) T(std::forward<U>(value));
            ++m_size;
            return {};
        }
        // `value` may be one of this vector's own elements: build the new element in the new
        // storage before the old one is moved from and freed. On ENOMEM `value` is untouched.
        size_t const new_capacity = grown_capacity(m_size + 1);
        auto* new_data = allocate(new_capacity);
        if (!new_data)
            return Error(ENOMEM);
        new (&new_data[m_size]) T(std::forward<U>(value));
        adopt_storage(new_data, new_capacity);
        ++m_size;
        return {};
    }

    ErrorOr<void> try_append(T const* values, size_t count)
        requires std::is_trivially_copyable_v<T>
    {
        // The values may lie in this vector (appending a copy of itself); growing frees the old
        // storage, so find them again afterwards.
        auto const address = reinterpret_cast<uintptr_t>(values);
        auto const start = reinterpret_cast<uintptr_t>(m_data);
        bool const inside = m_data && address >= start && address < start + m_size * sizeof(T);
        size_t const index = inside ? (address - start) / sizeof(T) : 0;
        TRY(try_ensure_capacity(m_size + count));
        if (inside)
            values = m_data + index;
        if (count)
            memcpy(m_data + m_size, values, count * sizeof(T));
        m_size += count;
        return {};
    }

    ErrorOr<void> try_resize(size_t new_size)
        requires std::is_trivially_copyable_v<T>
    {
        TRY(try_ensure_capacity(new_size));
        if (new_size > m_size)
            memset(static_cast<void*>(m_data + m_size), 0, (new_size - m_size) * sizeof(T));
        m_size = new_size;
        return {};
    }

    void remove(size_t index)
    {
        VERIFY(index < m_size);
        for (size_t i = index; i + 1 < m_size; ++i)
            m_data[i] = std::move(m_data[i + 1]);
        m_data[--m_size].~T();
    }

    T take_last()
    {
        VERIFY(m_size > 0);
        T value = std::move(m_data[m_size - 1]);
        m_data[--m_size].~T();
        return value;
    }

    void shrink(size_t new_size)
    {
        while (m_size > new_size)
            m_data[--m_size].~T();
    }

    void clear() { shrink(0); }

private:
    size_t grown_capacity(size_t wanted) const
    {
        size_t new_capacity = m_capacity ? m_capacity * 2 : 4;
        return new_capacity < wanted ? wanted : new_capacity;
    }

    static T* allocate(size_t capacity)
    {
        if (capacity > size_t(-1) / sizeof(T))
            return nullptr;
        return static_cast<T*>(::operator new(capacity * sizeof(T), std::nothrow));
    }

    // Moves the elements into `new_data` (already allocated for `new_capacity`) and frees the
    // old storage.
    void adopt_storage(T* new_data, size_t new_capacity)
    {
        for (size_t i = 0; i < m_size; ++i) {
            new (&new_data[i]) T(std::move(m_data[i]));
            m_data[i].~T();
        }
        ::operator delete(m_data);
        m_data = new_data;
        m_capacity = new_capacity;
    }

    void clear_and_free()
    {
        clear();
        ::operator delete(m_data);
        m_data = nullptr;
        m_capacity = 0;
    }

    T* m_data { nullptr };
    size_t m_size { 0 };
    size_t m_capacity { 0 };
};

} // namespace lib

using lib::Vector;
