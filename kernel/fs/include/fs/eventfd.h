#pragma once

#include <cstddef>
#include <cstdint>

#include <fs/inode.h>
#include <fs/io_buffer.h>
#include <fs/poll.h>
#include <lib/own_ptr.h>
#include <sched/wait_queue.h>

namespace fs {

// eventfd2(2)'s flags: EFD_SEMAPHORE; EFD_CLOEXEC and EFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK.
constexpr int efd_semaphore = 1;

// An eventfd's 64-bit counter, Linux's eventfd_ctx without the waiting: reads take the whole
// count (or 1 in semaphore mode) and need it above zero; writes add and need the sum to stay
// at most 0xfffffffffffffffe, so that 0xffffffffffffffff, which no write may carry, is never
// reached.
class EventCounter {
public:
    static constexpr uint64_t maximum = 0xffff'ffff'ffff'fffe;

    EventCounter(uint64_t initial, bool is_semaphore)
        : m_value(initial)
        , m_is_semaphore(is_semaphore)
    {
    }

    uint64_t value() const { return m_value; }
    bool is_semaphore() const { return m_is_semaphore; }
    bool can_take() const { return m_value > 0; }
    bool can_add(uint64_t amount) const { return maximum - m_value >= amount; }
    // What a read returns: the count, reset to zero, or 1 off it in semaphore mode. Only when
    // can_take().
    uint64_t take();
    // Only when can_add(amount).
    void add(uint64_t amount) { m_value += amount; }

private:
    uint64_t m_value;
    bool m_is_semaphore;
};

// An eventfd (eventfd(2)): an anonymous inode around a counter. Reads of at least 8 bytes
// wait for a count above zero; writes of exactly 8 bytes wait for room under the maximum; both fail
// with EAGAIN instead on a non-blocking description. fork(2) shares the counter.
class EventFd final : public Inode {
public:
    static ErrorOr<RefPtr<EventFd>> create(uint64_t initial, bool is_semaphore);

    EventCounter const& counter() const { return m_counter; }

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    // lseek(2) succeeds without moving (noop_llseek()); pread(2) is ESPIPE.
    bool is_seekable() const override { return false; }
    bool seeks_to_zero() const override { return true; }
    uint32_t poll_events(OpenFileDescription const&) const override;
    PollQueue* poll_queue() override { return &m_poll_queue; }
    ErrorOr<String> anonymous_path() const override;

private:
    EventFd(uint64_t initial, bool is_semaphore);

    EventCounter m_counter;
    sched::WaitQueue m_read_queue;
    sched::WaitQueue m_write_queue;
    PollQueue m_poll_queue;
};

// eventfd2(2) once the flags are checked: a read-write description of a new eventfd, with
// O_NONBLOCK from `flags` (EFD_NONBLOCK).
ErrorOr<RefPtr<OpenFileDescription>> create_eventfd(uint32_t initial, int flags);

}
