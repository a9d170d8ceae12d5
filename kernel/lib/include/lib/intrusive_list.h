#pragma once

#include <cstddef>

namespace lib {

// A doubly linked list whose nodes live inside the listed objects, so insertion and removal
// never allocate.
struct IntrusiveListNode {
    IntrusiveListNode* previous { nullptr };
    IntrusiveListNode* next { nullptr };
    bool is_linked() const { return next != nullptr; }
};

template<typename T, IntrusiveListNode T::*Member>
class IntrusiveList {
public:
    IntrusiveList()
    {
        m_head.previous = &m_head;
        m_head.next = &m_head;
    }
    IntrusiveList(IntrusiveList const&) = delete;
    IntrusiveList& operator=(IntrusiveList const&) = delete;

    bool is_empty() const { return m_head.next == &m_head; }

    void append(T& object)
    {
        auto& node = object.*Member;
        node.previous = m_head.previous;
        node.next = &m_head;
        m_head.previous->next = &node;
        m_head.previous = &node;
    }

    static void remove(T& object)
    {
        auto& node = object.*Member;
        if (!node.is_linked())
            return;
        node.previous->next = node.next;
        node.next->previous = node.previous;
        node.previous = node.next = nullptr;
    }

    T* first() const { return is_empty() ? nullptr : from_node(m_head.next); }

    T* take_first()
    {
        T* object = first();
        if (object)
            remove(*object);
        return object;
    }

    size_t size_slow() const
    {
        size_t count = 0;
        for (auto* node = m_head.next; node != &m_head; node = node->next)
            ++count;
        return count;
    }

    class Iterator {
    public:
        Iterator(IntrusiveListNode* node)
            : m_node(node)
        {
        }
        T& operator*() const { return *from_node(m_node); }
        Iterator& operator++()
        {
            m_node = m_node->next;
            return *this;
        }
        bool operator!=(Iterator const& other) const { return m_node != other.m_node; }

    private:
        IntrusiveListNode* m_node;
    };
    Iterator begin() const { return Iterator(m_head.next); }
    Iterator end() const { return Iterator(const_cast<IntrusiveListNode*>(&m_head)); }

private:
    static T* from_node(IntrusiveListNode* node)
    {
        auto offset = reinterpret_cast<size_t>(&(static_cast<T*>(nullptr)->*Member));
        return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
    }

    IntrusiveListNode m_head;
};

}

using lib::IntrusiveList;
using lib::IntrusiveListNode;
