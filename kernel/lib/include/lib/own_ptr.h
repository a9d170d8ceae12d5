#pragma once

#include <cstddef>
#include <new>
#include <utility>

#include <lib/error_or.h>

namespace lib {

// Sole ownership of a heap object.
template<typename T>
class OwnPtr {
public:
    OwnPtr() = default;
    OwnPtr(std::nullptr_t) { }
    explicit OwnPtr(T* pointer)
        : m_pointer(pointer)
    {
    }
    template<typename U>
    OwnPtr(OwnPtr<U>&& other)
        : m_pointer(other.leak())
    {
    }
    OwnPtr(OwnPtr&& other)
        : m_pointer(other.leak())
    {
    }
    OwnPtr& operator=(OwnPtr&& other)
    {
        if (this != &other) {
            delete m_pointer;
            m_pointer = other.leak();
        }
        return *this;
    }
    OwnPtr(OwnPtr const&) = delete;
    OwnPtr& operator=(OwnPtr const&) = delete;
    ~OwnPtr() { delete m_pointer; }

    T* leak() { return std::exchange(m_pointer, nullptr); }
    T* ptr() const { return m_pointer; }
    T* operator->() const { return m_pointer; }
    T& operator*() const { return *m_pointer; }
    explicit operator bool() const { return m_pointer != nullptr; }
    void clear()
    {
        delete m_pointer;
        m_pointer = nullptr;
    }

private:
    T* m_pointer { nullptr };
};

template<typename T, typename... Args>
ErrorOr<OwnPtr<T>> try_make(Args&&... args)
{
    auto* pointer = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!pointer)
        return Error(ENOMEM);
    return OwnPtr<T>(pointer);
}

// Intrusive reference counting, single-threaded kernel for now (one vCPU, interrupts do not
// touch reference counts).
class RefCountedBase {
public:
    void ref() const { ++m_ref_count; }
    bool unref() const { return --m_ref_count == 0; }
    unsigned ref_count() const { return m_ref_count; }

protected:
    RefCountedBase() = default;
    ~RefCountedBase() = default;

private:
    mutable unsigned m_ref_count { 1 };
};

template<typename T>
class RefCounted : public RefCountedBase {
public:
    void unref() const
    {
        if (RefCountedBase::unref())
            delete static_cast<T const*>(this);
    }
};

template<typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(std::nullptr_t) { }
    RefPtr(T* pointer)
        : m_pointer(pointer)
    {
        if (m_pointer)
            m_pointer->ref();
    }
    RefPtr(T& object)
        : RefPtr(&object)
    {
    }
    RefPtr(RefPtr const& other)
        : RefPtr(other.m_pointer)
    {
    }
    RefPtr(RefPtr&& other)
        : m_pointer(std::exchange(other.m_pointer, nullptr))
    {
    }
    template<typename U>
    RefPtr(RefPtr<U> const& other)
        : RefPtr(other.ptr())
    {
    }
    template<typename U>
    RefPtr(RefPtr<U>&& other)
        : m_pointer(other.leak_ref())
    {
    }
    RefPtr& operator=(RefPtr const& other)
    {
        RefPtr copy(other);
        std::swap(m_pointer, copy.m_pointer);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other)
    {
        RefPtr moved(std::move(other));
        std::swap(m_pointer, moved.m_pointer);
        return *this;
    }
    ~RefPtr() { clear(); }

    static RefPtr adopt(T* pointer)
    {
        RefPtr result;
        result.m_pointer = pointer;
        return result;
    }

    T* leak_ref() { return std::exchange(m_pointer, nullptr); }
    T* ptr() const { return m_pointer; }
    T* operator->() const { return m_pointer; }
    T& operator*() const { return *m_pointer; }
    explicit operator bool() const { return m_pointer != nullptr; }
    bool operator==(RefPtr const& other) const { return m_pointer == other.m_pointer; }
    void clear()
    {
        if (m_pointer)
            std::exchange(m_pointer, nullptr)->unref();
    }

private:
    T* m_pointer { nullptr };
};

// Constructs a reference-counted object; its initial count of one is adopted.
template<typename T, typename... Args>
ErrorOr<RefPtr<T>> try_make_ref_counted(Args&&... args)
{
    auto* pointer = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<T>::adopt(pointer);
}

} // namespace lib

using lib::OwnPtr;
using lib::RefCounted;
using lib::RefPtr;
using lib::try_make;
using lib::try_make_ref_counted;
