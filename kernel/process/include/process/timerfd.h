#pragma once

#include <cstdint>

#include <fs/inode.h>
#include <fs/io_buffer.h>
#include <fs/open_file_description.h>
#include <fs/poll.h>
#include <process/clock.h>
#include <sched/timer.h>
#include <sched/wait_queue.h>

namespace process {

// timerfd_create(2)'s and timerfd_settime(2)'s flags.
constexpr int tfd_timer_abstime = 1;
constexpr int tfd_timer_cancel_on_set = 2;

// A timerfd (timerfd_create(2)), Linux's fs/timerfd.c: an anonymous inode around a kernel
// timer on CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME. Each expiry counts a tick; a read
// of at least 8 bytes takes the count, waiting while it is 0. As on Linux, the timer interrupt
// only counts and wakes: a periodic timer is re-armed by whoever next reads it (or asks for its
// time), which then also counts the periods that went by meanwhile, so a tiny interval costs an
// interrupt per read, not a storm.
class TimerFd final : public fs::Inode {
public:
    static ErrorOr<RefPtr<TimerFd>> create(int clock);
    // The TimerFd behind a description's inode; null for any other file.
    static TimerFd* from(fs::Inode&);
    ~TimerFd() override = default;

    // timerfd_gettime(2): the time to the next expiry (0 when disarmed or expired) and the
    // interval.
    Itimerspec current();
    // timerfd_settime(2) once its arguments are checked: disarms for a zero `value`, else arms
    // for `value` from now or, with tfd_timer_abstime, at `value` on the timer's clock; the
    // count starts again from 0. Returns the setting it replaced, as current() would have.
    Itimerspec set(uint64_t value, uint64_t interval, int flags);

    ErrorOr<size_t> read(fs::OpenFileDescription&, uint64_t offset, fs::IoBuffer&) override;
    // lseek(2) succeeds without moving (noop_llseek()); pread(2) is ESPIPE.
    bool is_seekable() const override { return false; }
    bool seeks_to_zero() const override { return true; }
    uint32_t poll_events(fs::OpenFileDescription const&) const override;
    fs::PollQueue* poll_queue() override { return &m_poll_queue; }
    ErrorOr<String> anonymous_path() const override;

private:
    explicit TimerFd(int clock);
    static void expired(void* argument);
    // hrtimer_forward_now() on an expired periodic timer: moves the expiry past now, counts
    // the periods skipped as ticks and arms the timer again.
    void forward_expired();
    void arm();

    int m_clock;
    // The next (or last) expiry on the monotonic clock; negative for an absolute real time
    // before boot.
    int64_t m_expiry { 0 };
    uint64_t m_interval { 0 };
    uint64_t m_ticks { 0 };
    // Fired and not yet re-armed (Linux's ctx->expired).
    bool m_expired { false };
    sched::Timer m_timer;
    sched::WaitQueue m_readers;
    fs::PollQueue m_poll_queue;
};

// timerfd_create(2) once its arguments are checked: a read-write description of a new
// timerfd on `clock`, with O_NONBLOCK from `flags` (TFD_NONBLOCK).
ErrorOr<RefPtr<fs::OpenFileDescription>> create_timerfd(int clock, int flags);

}
