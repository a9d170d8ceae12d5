#include <algorithm>
#include <cstring>
#include <new>

#include <fs/open_file_description.h>
#include <fs/pipe.h>
#include <lib/user_memory.h>

namespace fs {

[[gnu::weak]] void raise_sigpipe() { }

// --- The ring -------------------------------------------------------------------------------

PipeBuffer::~PipeBuffer() { release(); }

ErrorOr<void> PipeBuffer::allocate()
{
    TRY(m_slots.try_resize(default_slots));
    m_head = m_tail = 0;
    m_max_usage = default_slots;
    return {};
}

void PipeBuffer::release()
{
    for (unsigned index = m_tail; index != m_head; ++index)
        delete[] slot_at(index).page;
    m_slots.clear();
    m_head = m_tail = 0;
    m_max_usage = default_slots;
    delete[] m_spare_page;
    m_spare_page = nullptr;
}

size_t PipeBuffer::available() const
{
    size_t total = 0;
    for (unsigned index = m_tail; index != m_head; ++index)
        total += slot_at(index).length;
    return total;
}

uint8_t* PipeBuffer::take_page()
{
    if (m_spare_page)
        return std::exchange(m_spare_page, nullptr);
    return new (std::nothrow) uint8_t[page_size];
}

void PipeBuffer::give_back_page(uint8_t* page)
{
    if (!m_spare_page)
        m_spare_page = page;
    else
        delete[] page;
}

// pipe_read()'s copying: slot after slot until the buffer is full or the pipe empty, and a
// packet ends the read, its unread rest dropped ("If a read(2) specifies a buffer size that is
// smaller than the next packet, then the requested number of bytes are read, and the excess
// bytes in the packet are discarded", pipe(2)).
ErrorOr<size_t> PipeBuffer::read(IoBuffer& buffer, bool& freed)
{
    freed = false;
    size_t done = 0;
    while (done < buffer.size() && !is_empty()) {
        Slot& slot = slot_at(m_tail);
        size_t chars = std::min<size_t>(slot.length, buffer.size() - done);
        if (auto copied = buffer.write(done, slot.page + slot.offset, chars); copied.is_error())
            return done ? ErrorOr<size_t>(done) : ErrorOr<size_t>(copied.error());
        done += chars;
        slot.offset = uint16_t(slot.offset + chars);
        slot.length = uint16_t(slot.length - chars);
        bool was_packet = slot.is_packet;
        if (was_packet)
            slot.length = 0;
        if (slot.length == 0) {
            give_back_page(slot.page);
            slot = Slot {};
            ++m_tail;
            freed = true;
        }
        if (was_packet)
            break;
    }
    return done;
}

// pipe_write(): "If it wasn't empty we try to merge new data into the last buffer. That
// naturally merges small writes, but it also page-aligns the rest of the writes for large
// writes spanning multiple pages." The first size-modulo-a-page bytes go first, all or none.
// Packet slots never take more; a packet writer's bytes may still top up a slot that a byte
// stream writer left, as on Linux.
ErrorOr<size_t> PipeBuffer::merge_head(IoBuffer& buffer)
{
    size_t chars = buffer.size() & (page_size - 1);
    if (!chars || is_empty())
        return size_t(0);
    Slot& last = slot_at(m_head - 1);
    size_t end = size_t(last.offset) + last.length;
    if (last.is_packet || end + chars > page_size)
        return size_t(0);
    TRY(buffer.read(0, last.page + end, chars));
    last.length = uint16_t(last.length + chars);
    return chars;
}

ErrorOr<size_t> PipeBuffer::fill_slot(IoBuffer& buffer, size_t offset, bool packet)
{
    if (is_full() || offset >= buffer.size())
        return size_t(0);
    uint8_t* page = take_page();
    if (!page)
        return Error(ENOMEM);
    size_t chars = std::min(page_size, buffer.size() - offset);
    if (auto copied = buffer.read(offset, page, chars); copied.is_error()) {
        give_back_page(page);
        return copied.error();
    }
    slot_at(m_head) = Slot { page, 0, uint16_t(chars), packet };
    ++m_head;
    return chars;
}

ErrorOr<size_t> PipeBuffer::peek(size_t skip, IoBuffer& buffer) const
{
    size_t done = 0;
    for (unsigned index = m_tail; index != m_head && done < buffer.size(); ++index) {
        Slot const& slot = slot_at(index);
        if (skip >= slot.length) {
            skip -= slot.length;
            continue;
        }
        size_t chars = std::min<size_t>(slot.length - skip, buffer.size() - done);
        if (auto copied = buffer.write(done, slot.page + slot.offset + skip, chars); copied.is_error())
            return done ? ErrorOr<size_t>(done) : ErrorOr<size_t>(copied.error());
        done += chars;
        skip = 0;
    }
    return done;
}

void PipeBuffer::discard(size_t count, bool& freed)
{
    freed = false;
    while (count && !is_empty()) {
        Slot& slot = slot_at(m_tail);
        size_t chars = std::min<size_t>(slot.length, count);
        count -= chars;
        slot.offset = uint16_t(slot.offset + chars);
        slot.length = uint16_t(slot.length - chars);
        if (slot.length == 0) {
            give_back_page(slot.page);
            slot = Slot {};
            ++m_tail;
            freed = true;
        }
    }
}

// pipe_resize_ring(): "If the pipe currently contains more buffers than arg, then return busy."
ErrorOr<void> PipeBuffer::resize(unsigned slots)
{
    unsigned occupied = occupied_slots();
    if (slots < occupied)
        return Error(EBUSY);
    Vector<Slot> resized;
    TRY(resized.try_resize(slots));
    for (unsigned index = 0; index < occupied; ++index)
        resized[index] = slot_at(m_tail + index);
    m_slots = std::move(resized);
    m_tail = 0;
    m_head = occupied;
    m_max_usage = slots;
    return {};
}

size_t PipeBuffer::round_size(uint64_t size)
{
    if (size > (uint64_t(1) << 31))
        return 0;
    if (size < page_size)
        return page_size;
    size_t rounded = page_size;
    while (rounded < size)
        rounded <<= 1;
    return rounded;
}

// --- pipefs -----------------------------------------------------------------------------------

namespace {

constexpr int64_t pipefs_magic = 0x50495045;

class PipeFileSystem final : public FileSystem {
public:
    // Anonymous file systems number their devices from a small pool; 12 is out of ramfs's way.
    PipeFileSystem()
        : FileSystem(12)
    {
    }
    void fill_statfs(LinuxStatfs& statfs) const override
    {
        FileSystem::fill_statfs(statfs);
        statfs.f_type = pipefs_magic;
    }
};

alignas(PipeFileSystem) unsigned char s_pipe_file_system_storage[sizeof(PipeFileSystem)];
PipeFileSystem* s_pipe_file_system;

}

FileSystem& pipe_file_system()
{
    // Built in place on first use: the kernel runs no global constructors or destructors.
    if (!s_pipe_file_system)
        s_pipe_file_system = new (s_pipe_file_system_storage) PipeFileSystem();
    return *s_pipe_file_system;
}

// --- The inode --------------------------------------------------------------------------------

ErrorOr<RefPtr<PipeInode>> PipeInode::create_anonymous()
{
    auto* pointer = new (std::nothrow) PipeInode(pipe_file_system(), 0600, true);
    if (!pointer)
        return Error(ENOMEM);
    auto inode = RefPtr<PipeInode>::adopt(pointer);
    // pipefs inodes are never linked anywhere, yet stat(2) shows one link (new_inode_pseudo()).
    inode->m_link_count = 1;
    TRY(inode->m_buffer.allocate());
    return inode;
}

ErrorOr<RefPtr<PipeInode>> PipeInode::create_fifo(FileSystem& file_system, uint32_t permissions)
{
    auto* pointer = new (std::nothrow) PipeInode(file_system, permissions, false);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<PipeInode>::adopt(pointer);
}

// pipe_read(): what is there, at least a byte, without waiting for more; end of file once no
// writer is left; EAGAIN for a non-blocking reader of an empty pipe that still has writers.
ErrorOr<size_t> PipeInode::read(OpenFileDescription& description, uint64_t, IoBuffer& buffer)
{
    if (buffer.size() == 0)
        return size_t(0);
    for (;;) {
        bool was_full = m_buffer.is_full();
        bool freed = false;
        size_t count = TRY(m_buffer.read(buffer, freed));
        if (count) {
            if (freed) {
                m_write_queue.wake_all();
                // Writers' readiness changes only when a full pipe gets room, which is also
                // when Linux wakes them, and what an edge-triggered epoll sees.
                if (was_full)
                    m_poll_queue.notify(poll_out | poll_wrnorm);
            }
            return count;
        }
        if (m_writers == 0)
            return size_t(0);
        if (description.is_nonblocking())
            return Error(EAGAIN);
        if (m_read_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
}

// pipe_write(). A write of at most a page goes into one slot at once or not at all, so it is
// never interleaved with another writer's; a longer one goes a page at a time, waiting for room
// in between (others' data may come between its pages) and returns only once all of it is in,
// unless interrupted (then what was written, or EINTR). Non-blocking: EAGAIN when not even the
// first piece fits, otherwise what fitted. No reader: SIGPIPE and EPIPE (or the count so far).
ErrorOr<size_t> PipeInode::write(OpenFileDescription& description, uint64_t, IoBuffer& buffer)
{
    size_t total = buffer.size();
    if (total == 0)
        return size_t(0);
    if (m_readers == 0) {
        raise_sigpipe();
        return Error(EPIPE);
    }
    bool packet = description.flags() & O_DIRECT;
    size_t done = 0;
    auto data_arrived = [&] {
        m_read_queue.wake_all();
        m_poll_queue.notify(poll_in | poll_rdnorm);
    };

    done = TRY(m_buffer.merge_head(buffer));
    while (done < total) {
        if (m_readers == 0) {
            raise_sigpipe();
            if (!done)
                return Error(EPIPE);
            break;
        }
        if (!m_buffer.is_full()) {
            auto filled = m_buffer.fill_slot(buffer, done, packet);
            if (filled.is_error()) {
                if (!done)
                    return filled.release_error();
                break;
            }
            done += filled.value();
            continue;
        }
        if (description.is_nonblocking()) {
            if (!done)
                return Error(EAGAIN);
            break;
        }
        // Let the readers at what is there before sleeping for room.
        if (done)
            data_arrived();
        if (m_write_queue.wait() == sched::WakeReason::Interrupted) {
            if (!done)
                return Error(EINTR);
            break;
        }
    }
    data_arrived();
    touch_modification_and_change_time();
    return done;
}

ErrorOr<long> PipeInode::ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument)
{
    if (request != FIONREAD)
        return Error(ENOTTY);
    size_t available = m_buffer.available();
    TRY(UserPtr<int>(argument).write(int(std::min<size_t>(available, 0x7fffffff))));
    return 0;
}

// pipe_poll(): readers see POLLIN with data and POLLHUP once the writers are gone (a FIFO
// reader that opened with none only after one has come since); writers see POLLOUT while a
// slot is free and POLLERR once the readers are gone.
uint32_t PipeInode::poll_events(OpenFileDescription const& description) const
{
    uint32_t events = 0;
    if (description.is_readable()) {
        if (!m_buffer.is_empty())
            events |= poll_in | poll_rdnorm;
        if (!m_writers && description.inode_state != m_writer_opens)
            events |= poll_hup;
    }
    if (description.is_writable()) {
        if (!m_buffer.is_full())
            events |= poll_out | poll_wrnorm;
        if (!m_readers)
            events |= poll_err;
    }
    return events;
}

bool PipeInode::can_read(OpenFileDescription const& description) const
{
    return poll_events(description) & (poll_in | poll_hup);
}

bool PipeInode::can_write(OpenFileDescription const& description) const
{
    return poll_events(description) & (poll_out | poll_err);
}

ErrorOr<void> PipeInode::wait_for_partner(unsigned const& opens)
{
    unsigned seen = opens;
    while (opens == seen) {
        if (m_open_queue.wait() == sched::WakeReason::Interrupted)
            return opens == seen ? ErrorOr<void>(Error(EINTR)) : ErrorOr<void>();
    }
    return {};
}

// fifo_open(). Reading: waits for a writer unless O_NONBLOCK. Writing: ENXIO with O_NONBLOCK
// and no reader, otherwise waits for one. Both: never waits ("the process can at least talk
// to itself"). Anonymous pipes never wait.
ErrorOr<void> PipeInode::did_open(OpenFileDescription& description)
{
    bool reads = description.is_readable();
    bool writes = description.is_writable();
    // open(2) of a FIFO with O_DIRECT is EINVAL on Linux (no direct I/O on the inode);
    // packet mode is for pipe2(2) and F_SETFL.
    if (is_fifo() && (description.flags() & O_DIRECT))
        return Error(EINVAL);
    if (!m_buffer.is_allocated())
        TRY(m_buffer.allocate());
    auto fail = [&](Error error) -> ErrorOr<void> {
        if (!m_readers && !m_writers)
            m_buffer.release();
        return error;
    };
    auto partner_arrived = [&] {
        m_open_queue.wake_all();
        m_poll_queue.notify(0);
    };

    if (reads && writes) {
        ++m_reader_opens;
        ++m_writer_opens;
        ++m_readers;
        ++m_writers;
        if (m_readers == 1 || m_writers == 1)
            partner_arrived();
        return {};
    }
    if (reads) {
        ++m_reader_opens;
        if (m_readers++ == 0)
            partner_arrived();
        if (is_fifo() && !m_writers) {
            if (description.is_nonblocking()) {
                // No POLLHUP until a writer has come and gone.
                description.inode_state = m_writer_opens;
            } else if (auto waited = wait_for_partner(m_writer_opens); waited.is_error()) {
                if (--m_readers == 0)
                    end_closed(true, false);
                return fail(waited.error());
            }
        }
        return {};
    }
    if (!writes)
        return {};
    if (is_fifo() && description.is_nonblocking() && !m_readers)
        return fail(Error(ENXIO));
    ++m_writer_opens;
    if (m_writers++ == 0)
        partner_arrived();
    if (is_fifo() && !m_readers) {
        if (auto waited = wait_for_partner(m_reader_opens); waited.is_error()) {
            if (--m_writers == 0)
                end_closed(false, true);
            return fail(waited.error());
        }
    }
    return {};
}

// pipe_release(): the last reader gone wakes the writers (EPIPE), the last writer gone wakes
// the readers (end of file); with both gone a FIFO's data is dropped.
void PipeInode::will_close(OpenFileDescription& description)
{
    bool reads = description.is_readable();
    bool writes = description.is_writable();
    if (reads)
        --m_readers;
    if (writes)
        --m_writers;
    end_closed(reads && m_readers == 0, writes && m_writers == 0);
    if (!m_readers && !m_writers)
        m_buffer.release();
}

void PipeInode::end_closed(bool last_reader, bool last_writer)
{
    if (!last_reader && !last_writer)
        return;
    m_read_queue.wake_all();
    m_write_queue.wake_all();
    m_poll_queue.notify(0);
}

// fcntl(2) F_SETPIPE_SZ, pipe_set_size(): rounded up to a power of two of pages; above
// /proc/sys/fs/pipe-max-size EPERM (Linux lets a process with CAP_SYS_RESOURCE past it; we
// keep pipes within it); EBUSY when the data would not fit.
ErrorOr<size_t> PipeInode::set_size_in_bytes(uint64_t requested)
{
    // The argument is an unsigned int in pipe_fcntl().
    size_t size = PipeBuffer::round_size(uint32_t(requested));
    if (!size)
        return Error(EINVAL);
    unsigned slots = unsigned(size / PipeBuffer::page_size);
    if (slots > m_buffer.slot_count() && size > PipeBuffer::max_size)
        return Error(EPERM);
    bool was_full = m_buffer.is_full();
    TRY(m_buffer.resize(slots));
    if (was_full && !m_buffer.is_full()) {
        m_write_queue.wake_all();
        m_poll_queue.notify(poll_out | poll_wrnorm);
    }
    return size;
}

ErrorOr<bool> PipeInode::wait_for_data(bool nonblocking)
{
    while (m_buffer.is_empty()) {
        if (m_writers == 0)
            return false;
        if (nonblocking)
            return Error(EAGAIN);
        if (m_read_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    return true;
}

ErrorOr<void> PipeInode::wait_for_space(bool nonblocking)
{
    for (;;) {
        if (m_readers == 0) {
            raise_sigpipe();
            return Error(EPIPE);
        }
        if (!m_buffer.is_full())
            return {};
        if (nonblocking)
            return Error(EAGAIN);
        if (m_write_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
}

void PipeInode::consume(size_t count)
{
    bool was_full = m_buffer.is_full();
    bool freed = false;
    m_buffer.discard(count, freed);
    if (freed) {
        m_write_queue.wake_all();
        if (was_full)
            m_poll_queue.notify(poll_out | poll_wrnorm);
    }
}

ErrorOr<size_t> PipeInode::append(IoBuffer& buffer)
{
    size_t done = 0;
    while (done < buffer.size() && !m_buffer.is_full()) {
        auto filled = m_buffer.fill_slot(buffer, done, false);
        if (filled.is_error()) {
            if (!done)
                return filled.release_error();
            break;
        }
        done += filled.value();
    }
    if (done) {
        m_read_queue.wake_all();
        m_poll_queue.notify(poll_in | poll_rdnorm);
        touch_modification_and_change_time();
    }
    return done;
}

ErrorOr<PipeEnds> create_pipe(int flags)
{
    auto inode = TRY(PipeInode::create_anonymous());
    PipeEnds ends;
    // As create_pipe_files(): the read end takes O_NONBLOCK, the write end O_DIRECT too
    // (F_GETFL shows it only there), and neither has O_LARGEFILE.
    ends.read_end = TRY(OpenFileDescription::create(inode, O_RDONLY | (flags & O_NONBLOCK)));
    ends.write_end = TRY(OpenFileDescription::create(inode, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT))));
    return ends;
}

}
