#pragma once

#include <cstdint>

#include <lib/intrusive_list.h>

namespace sched {

// A one-shot kernel timer: `callback(argument)` runs from the timer interrupt (interrupts
// off, nothing may block) once monotonic time reaches the deadline. Periodic timers re-arm
// themselves from their callback.
class Timer {
public:
    Timer() = default;
    Timer(Timer const&) = delete;
    Timer& operator=(Timer const&) = delete;
    ~Timer() { cancel(); }

    void arm(uint64_t deadline, void (*callback)(void*), void* argument);
    void cancel();
    bool is_armed() const { return node.is_linked(); }
    uint64_t deadline() const { return m_deadline; }

    IntrusiveListNode node;

private:
    friend class Scheduler;
    uint64_t m_deadline { 0 };
    void (*m_callback)(void*) { nullptr };
    void* m_argument { nullptr };
};

}
