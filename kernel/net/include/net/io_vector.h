#pragma once

#include <cstddef>

#include <fs/io_buffer.h>
#include <lib/vector.h>

namespace net {

// The buffers of one sendmsg(2) or recvmsg(2), taken as one run of bytes: a datagram is
// gathered from all of them and scattered into all of them, as one message.
class IoVector {
public:
    IoVector() = default;
    static ErrorOr<IoVector> single(fs::IoBuffer buffer)
    {
        IoVector vector;
        TRY(vector.append(buffer));
        return vector;
    }

    ErrorOr<void> append(fs::IoBuffer buffer)
    {
        if (buffer.size() == 0)
            return {};
        TRY(m_buffers.try_append(buffer));
        m_size += buffer.size();
        return {};
    }
    size_t size() const { return m_size; }

    // Fetches `length` bytes at `offset` of the run (the data of a send).
    ErrorOr<void> read(size_t offset, void* destination, size_t length) const;
    // Stores `length` bytes at `offset` of the run (the data of a receive).
    ErrorOr<void> write(size_t offset, void const* source, size_t length);

private:
    Vector<fs::IoBuffer> m_buffers;
    size_t m_size { 0 };
};

}
