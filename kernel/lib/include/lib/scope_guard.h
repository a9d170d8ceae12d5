#pragma once

#include <utility>

namespace lib {

template<typename Callback>
class ScopeGuard {
public:
    explicit ScopeGuard(Callback callback)
        : m_callback(std::move(callback))
    {
    }
    ~ScopeGuard()
    {
        if (m_armed)
            m_callback();
    }
    void disarm() { m_armed = false; }

private:
    Callback m_callback;
    bool m_armed { true };
};

}

using lib::ScopeGuard;
