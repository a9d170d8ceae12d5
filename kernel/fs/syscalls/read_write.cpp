#include <algorithm>

#include <fs/io_buffer.h>
#include <fs/open_file_description.h>

#include "support.h"

namespace fs::syscalls {

namespace {

struct IoVector {
    uint64_t base;
    uint64_t length;
};

enum class Direction {
    Read,
    Write,
};

// One transfer at the description's offset (position < 0) or at `position`.
ErrorOr<size_t> transfer(OpenFileDescription& description, Direction direction, IoBuffer& buffer, int64_t position)
{
    if (direction == Direction::Read)
        return position < 0 ? description.read(buffer) : description.pread(uint64_t(position), buffer);
    return position < 0 ? description.write(buffer) : description.pwrite(uint64_t(position), buffer);
}

ErrorOr<long> transfer_single(int fd, uintptr_t address, size_t length, Direction direction, int64_t position, bool positioned)
{
    auto description = TRY(usable_description_for(fd));
    if (direction == Direction::Read ? !description->is_readable() : !description->is_writable())
        return Error(EBADF);
    if (positioned && position < 0)
        return Error(EINVAL);
    length = std::min(length, max_transfer_size);
    if (!lib::is_user_range(address, length))
        return Error(EFAULT);
    auto buffer = IoBuffer::user(address, length);
    return long(TRY(transfer(*description, direction, buffer, positioned ? position : -1)));
}

// readv(2)/writev(2) and their positioned forms: the vectors in order, stopping at the first
// short transfer; an error after some bytes moved reports those bytes instead.
ErrorOr<long> transfer_vector(int fd, uintptr_t vector_address, int count, Direction direction, int64_t position, bool positioned)
{
    auto description = TRY(usable_description_for(fd));
    if (count < 0 || size_t(count) > io_vector_max)
        return Error(EINVAL);
    if (positioned && position < 0)
        return Error(EINVAL);
    if (direction == Direction::Read ? !description->is_readable() : !description->is_writable())
        return Error(EBADF);
    IoVector vectors[64];
    size_t total_requested = 0;
    // Validate every length first: readv(2) "EINVAL The sum of the iov_len values overflows an
    // ssize_t value."
    for (int start = 0; start < count; start += 64) {
        int batch = std::min(count - start, 64);
        TRY(copy_from_user(vectors, vector_address + size_t(start) * sizeof(IoVector), size_t(batch) * sizeof(IoVector)));
        for (int index = 0; index < batch; ++index) {
            if (vectors[index].length > uint64_t(INT64_MAX) || total_requested + vectors[index].length > uint64_t(INT64_MAX))
                return Error(EINVAL);
            total_requested += vectors[index].length;
        }
    }
    size_t remaining = std::min(total_requested, max_transfer_size);
    size_t done = 0;
    for (int start = 0; start < count && remaining; start += 64) {
        int batch = std::min(count - start, 64);
        TRY(copy_from_user(vectors, vector_address + size_t(start) * sizeof(IoVector), size_t(batch) * sizeof(IoVector)));
        for (int index = 0; index < batch && remaining; ++index) {
            size_t length = std::min<uint64_t>(vectors[index].length, remaining);
            if (length == 0)
                continue;
            if (!lib::is_user_range(vectors[index].base, length)) {
                if (done)
                    return long(done);
                return Error(EFAULT);
            }
            auto buffer = IoBuffer::user(vectors[index].base, length);
            auto result = transfer(*description, direction, buffer, positioned ? int64_t(uint64_t(position) + done) : -1);
            if (result.is_error()) {
                if (done)
                    return long(done);
                return result.error();
            }
            done += result.value();
            remaining -= result.value();
            if (result.value() < length)
                return long(done);
        }
    }
    return long(done);
}

}

}

using namespace fs::syscalls;

// read(2), write(2): one transfer at the file offset. A count above 0x7ffff000 is clamped,
// as Linux does.
SYSCALL_HANDLER(read) { return transfer_single(args.as_int(0), args[1], args[2], Direction::Read, 0, false); }
SYSCALL_HANDLER(write) { return transfer_single(args.as_int(0), args[1], args[2], Direction::Write, 0, false); }

// pread(2), pwrite(2): "EINVAL offset is negative"; "ESPIPE fd is associated with a pipe" (or
// a terminal).
SYSCALL_HANDLER(pread64) { return transfer_single(args.as_int(0), args[1], args[2], Direction::Read, int64_t(args[3]), true); }
SYSCALL_HANDLER(pwrite64) { return transfer_single(args.as_int(0), args[1], args[2], Direction::Write, int64_t(args[3]), true); }

// readv(2), writev(2), preadv(2), pwritev(2). On x86_64 the offset arrives whole in the fourth
// argument; the fifth (its high half on 32-bit ABIs) is ignored, as Linux's pos_from_hilo()
// does on 64-bit.
SYSCALL_HANDLER(readv) { return transfer_vector(args.as_int(0), args[1], args.as_int(2), Direction::Read, 0, false); }
SYSCALL_HANDLER(writev) { return transfer_vector(args.as_int(0), args[1], args.as_int(2), Direction::Write, 0, false); }
SYSCALL_HANDLER(preadv) { return transfer_vector(args.as_int(0), args[1], args.as_int(2), Direction::Read, int64_t(args[3]), true); }
SYSCALL_HANDLER(pwritev) { return transfer_vector(args.as_int(0), args[1], args.as_int(2), Direction::Write, int64_t(args[3]), true); }

// lseek(2). Directories seek among entry positions (SEEK_SET and SEEK_CUR only); SEEK_DATA and
// SEEK_HOLE treat every file as all data; terminals are ESPIPE; /dev/null and friends stay at 0.
SYSCALL_HANDLER(lseek)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    return long(TRY(description->seek(int64_t(args[1]), args.as_int(2))));
}

namespace fs::syscalls {

namespace {

// The kernel-side copy loop of sendfile(2) and copy_file_range(2): reads at `input_offset`
// (the description's own offset when null), writes at the output's offset. Stops at end of
// file, at a short write, or when an error follows some bytes (which are then reported).
ErrorOr<long> copy_between(OpenFileDescription& input, uint64_t* input_offset, OpenFileDescription& output, size_t count)
{
    static uint8_t s_chunk[16384]; // one CPU, and the kernel is never preempted
    size_t copied = 0;
    while (copied < count) {
        size_t wanted = std::min(count - copied, sizeof(s_chunk));
        auto in_buffer = IoBuffer::kernel(s_chunk, wanted);
        auto read = input_offset ? input.pread(*input_offset, in_buffer) : input.read(in_buffer);
        if (read.is_error()) {
            if (copied)
                break;
            return read.release_error();
        }
        if (read.value() == 0)
            break;
        auto out_buffer = IoBuffer::kernel(s_chunk, read.value());
        auto written = output.write(out_buffer);
        if (written.is_error()) {
            if (copied)
                break;
            return written.release_error();
        }
        if (input_offset)
            *input_offset += written.value();
        else if (written.value() < read.value())
            (void)input.seek(-int64_t(read.value() - written.value()), 1 /* SEEK_CUR */);
        copied += written.value();
        if (written.value() < read.value())
            break;
    }
    return long(copied);
}

}

}

using namespace fs::syscalls;

// sendfile(2): from a file to any descriptor; with an offset pointer the input's own offset
// stays where it is and the pointer is updated.
SYSCALL_HANDLER(sendfile)
{
    auto output = TRY(usable_description_for(args.as_int(0)));
    auto input = TRY(usable_description_for(args.as_int(1)));
    if (!input->is_readable() || !output->is_writable())
        return Error(EBADF);
    if (output->flags() & O_APPEND)
        return Error(EINVAL);
    size_t count = std::min(size_t(args[3]), fs::max_transfer_size);
    if (!args[2])
        return copy_between(*input, nullptr, *output, count);
    int64_t offset = TRY(args.pointer<int64_t>(2).read());
    if (offset < 0)
        return Error(EINVAL);
    uint64_t position = uint64_t(offset);
    long copied = TRY(copy_between(*input, &position, *output, count));
    TRY(args.pointer<int64_t>(2).write(int64_t(position)));
    return copied;
}
