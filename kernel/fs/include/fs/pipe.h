#pragma once

#include <cstddef>
#include <cstdint>

#include <fs/inode.h>
#include <fs/io_buffer.h>
#include <fs/poll.h>
#include <lib/own_ptr.h>
#include <lib/vector.h>
#include <sched/wait_queue.h>

namespace fs {

// SIGPIPE for the calling thread: a write found no reader left. The file system only calls
// it; this definition is a weak no-op until the signals library, which delivers signals,
// provides the real one (Linux's send_sig(SIGPIPE, current, 0) in pipe_write()).
void raise_sigpipe();

// A pipe's data, Linux's way: a ring of page-sized slots (16 by default, 64 KiB), each holding
// what one or more writes put there. A write first tops up the last slot with its tail when
// that fits (so small writes share pages), then fills fresh slots a page at a time; the pipe is
// full when every slot is taken. This is what makes writes of up to a page (PIPE_BUF) atomic:
// they land in one slot or wait for one. In packet mode (O_DIRECT) each slot is one packet and
// is never topped up; a read returns one packet at most and drops what did not fit.
//
// Everything here is non-blocking; PipeInode adds the waiting, the ends and the readiness.
class PipeBuffer {
public:
    static constexpr size_t page_size = 4096;
    static constexpr size_t atomic_write_size = 4096; // PIPE_BUF
    static constexpr unsigned default_slots = 16;
    // /proc/sys/fs/pipe-max-size.
    static constexpr size_t max_size = 1024 * 1024;

    PipeBuffer() = default;
    ~PipeBuffer();
    PipeBuffer(PipeBuffer const&) = delete;
    PipeBuffer& operator=(PipeBuffer const&) = delete;

    // Sets up the ring (default_slots empty slots); pages come as data does.
    ErrorOr<void> allocate();
    // Drops the data and the ring (a FIFO once both ends are gone).
    void release();
    bool is_allocated() const { return !m_slots.is_empty(); }

    bool is_empty() const { return m_head == m_tail; }
    bool is_full() const { return m_head - m_tail >= m_max_usage; }
    // Bytes waiting to be read (FIONREAD).
    size_t available() const;
    // The capacity F_GETPIPE_SZ reports.
    size_t capacity() const { return size_t(m_max_usage) * page_size; }
    unsigned slot_count() const { return m_max_usage; }
    unsigned occupied_slots() const { return m_head - m_tail; }

    // Takes up to buffer.size() bytes: from as many slots as hold data, or one packet. A
    // fault after some bytes were copied reports those bytes (EFAULT when none were). `freed`
    // tells whether a slot became free (so waiting writers can go on).
    ErrorOr<size_t> read(IoBuffer& buffer, bool& freed);

    // pipe_write()'s first step: the first size-modulo-a-page bytes of a write go into the
    // last slot when that slot takes merges and has room for all of them, so that the rest is
    // page-aligned. Returns the bytes stored (0 when it did not apply).
    ErrorOr<size_t> merge_head(IoBuffer& buffer);
    // pipe_write()'s loop step: fills one fresh slot with up to a page from `buffer` at
    // `offset`. 0 when the ring is full. ENOMEM when no page could be had, EFAULT when
    // nothing could be copied.
    ErrorOr<size_t> fill_slot(IoBuffer& buffer, size_t offset, bool packet);

    // For splice(2) and tee(2): copies what is queued from `skip` bytes in, without taking
    // it, and drops the first `count` bytes as a read would (`freed` as for read()).
    ErrorOr<size_t> peek(size_t skip, IoBuffer& buffer) const;
    void discard(size_t count, bool& freed);

    // F_SETPIPE_SZ once the size is checked: `slots` is a power of two; EBUSY when more slots
    // than that are in use.
    ErrorOr<void> resize(unsigned slots);

    // F_SETPIPE_SZ's rounding (Linux's round_pipe_size()): 0 for sizes over 2 GiB, at least a
    // page, powers of two of pages.
    static size_t round_size(uint64_t size);

private:
    struct Slot {
        uint8_t* page { nullptr };
        uint16_t offset { 0 };
        uint16_t length { 0 };
        bool is_packet { false };
    };
    Slot& slot_at(unsigned index) { return m_slots[index & (m_slots.size() - 1)]; }
    Slot const& slot_at(unsigned index) const { return m_slots[index & (m_slots.size() - 1)]; }
    uint8_t* take_page();
    void give_back_page(uint8_t*);

    Vector<Slot> m_slots; // ring_size slots, a power of two
    unsigned m_head { 0 }; // the next slot to fill
    unsigned m_tail { 0 }; // the next slot to read
    unsigned m_max_usage { default_slots };
    // One emptied page kept for the next write, as Linux's tmp_page.
    uint8_t* m_spare_page { nullptr };
};

// A pipe: an anonymous one from pipe(2), or a named one (FIFO) that lives in a directory and is
// given its buffer when first opened. Descriptions are its ends: readable ones are readers,
// writable ones writers (O_RDWR on a FIFO is both), counted from their creation to their last
// reference (did_open/will_close), so fork(2) and dup(2) share an end and only closing its last
// description ends it.
class PipeInode final : public Inode {
public:
    static ErrorOr<RefPtr<PipeInode>> create_anonymous();
    static ErrorOr<RefPtr<PipeInode>> create_fifo(FileSystem&, uint32_t permissions);

    bool is_fifo() const { return !m_is_anonymous; }
    unsigned readers() const { return m_readers; }
    unsigned writers() const { return m_writers; }
    PipeBuffer& buffer() { return m_buffer; }

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<long> ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument) override;
    bool is_seekable() const override { return false; }
    bool can_read(OpenFileDescription const&) const override;
    bool can_write(OpenFileDescription const&) const override;
    uint32_t poll_events(OpenFileDescription const&) const override;
    PollQueue* poll_queue() override { return &m_poll_queue; }
    ErrorOr<void> did_open(OpenFileDescription&) override;
    void will_close(OpenFileDescription&) override;

    // fcntl(2) F_GETPIPE_SZ and F_SETPIPE_SZ (returns the new size).
    size_t size_in_bytes() const { return m_buffer.capacity(); }
    ErrorOr<size_t> set_size_in_bytes(uint64_t requested);

    // splice(2), tee(2) and vmsplice(2) work on the ring with Linux's waits, outside read()
    // and write(). wait_for_data(): ipipe_prep() and splice_from_pipe_next(), true once data
    // is queued, false when the pipe is empty and has no writer left; EAGAIN when
    // `nonblocking`, EINTR for a signal. wait_for_space(): wait_for_space() and opipe_prep(),
    // SIGPIPE and EPIPE without a reader, then EAGAIN or EINTR while every slot is taken.
    ErrorOr<bool> wait_for_data(bool nonblocking);
    ErrorOr<void> wait_for_space(bool nonblocking);
    // What is queued from `skip` bytes in, left in place; consume() then drops the first
    // `count` bytes and wakes the writers.
    ErrorOr<size_t> peek(size_t skip, IoBuffer& buffer) const { return m_buffer.peek(skip, buffer); }
    void consume(size_t count);
    // Fresh slots, a page each, for as much of `buffer` as fits now (no waiting, no merging
    // with the last slot, as add_to_pipe()); wakes the readers. EFAULT when nothing copied.
    ErrorOr<size_t> append(IoBuffer& buffer);

private:
    PipeInode(FileSystem& file_system, uint32_t permissions, bool is_anonymous)
        : Inode(file_system, S_IFIFO | (permissions & 07777))
        , m_is_anonymous(is_anonymous)
    {
    }
    // A FIFO open waits until the other side has been opened (its open count moved).
    ErrorOr<void> wait_for_partner(unsigned const& opens);
    void end_closed(bool was_reader, bool was_writer);

    PipeBuffer m_buffer;
    bool m_is_anonymous;
    unsigned m_readers { 0 };
    unsigned m_writers { 0 };
    // Opens so far of each side (Linux's r_counter and w_counter): a FIFO open waits for the
    // other's to move, and a reader reports POLLHUP only once a writer came after it looked.
    unsigned m_reader_opens { 0 };
    unsigned m_writer_opens { 0 };
    sched::WaitQueue m_read_queue;
    sched::WaitQueue m_write_queue;
    sched::WaitQueue m_open_queue;
    PollQueue m_poll_queue;
};

// The two ends of a new anonymous pipe, for pipe2(2): `flags` may hold O_NONBLOCK (both ends)
// and O_DIRECT (packet mode, kept by the write end as Linux does).
struct PipeEnds {
    RefPtr<OpenFileDescription> read_end;
    RefPtr<OpenFileDescription> write_end;
};
ErrorOr<PipeEnds> create_pipe(int flags);

// The file system anonymous pipes belong to (Linux's pipefs): what fstat(2) and fstatfs(2)
// show for them.
FileSystem& pipe_file_system();

}
