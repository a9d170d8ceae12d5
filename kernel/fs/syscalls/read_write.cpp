#include <algorithm>

#include <fs/io_buffer.h>
#include <fs/open_file_description.h>
#include <lib/vector.h>

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

// readv(2)/writev(2) of a file that takes all the buffers in one transfer (a socket: Linux's
// sock_read_iter() and sock_write_iter()). import_iovec() checks every buffer first (EFAULT),
// and the total is capped at MAX_RW_COUNT. Nothing to move returns 0 without calling the file
// (do_iter_readv_writev()), so an empty writev(2) sends no empty datagram, unlike write(2).
ErrorOr<long> transfer_whole_vector(OpenFileDescription& description, uintptr_t vector_address, int count, Direction direction, size_t remaining)
{
    if (!remaining)
        return 0;
    Vector<IoBuffer> buffers;
    TRY(buffers.try_ensure_capacity(size_t(count)));
    for (int index = 0; index < count && remaining; ++index) {
        auto vector = TRY(UserPtr<IoVector>(vector_address).offset(size_t(index)).read());
        size_t length = std::min<uint64_t>(vector.length, remaining);
        if (!lib::is_user_range(vector.base, length))
            return Error(EFAULT);
        if (length)
            MUST(buffers.try_append(IoBuffer::user(vector.base, length)));
        remaining -= length;
    }
    std::span<IoBuffer const> span(buffers.data(), buffers.size());
    if (direction == Direction::Read)
        return long(TRY(description.inode().read_vectors(description, span)));
    return long(TRY(description.inode().write_vectors(description, span)));
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
    if (!positioned && description->inode().transfers_whole_vectors())
        return transfer_whole_vector(*description, vector_address, count, direction, remaining);
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

// preadv2(2) and pwritev2(2) flags.
constexpr int rwf_hipri = 0x01, rwf_dsync = 0x02, rwf_sync = 0x04, rwf_nowait = 0x08, rwf_append = 0x10;

// preadv2(2), pwritev2(2): "offset ... If this argument is -1, then the current file offset is
// used and updated"; any other negative offset is EINVAL. RWF_HIPRI, RWF_DSYNC and RWF_SYNC
// change nothing for files in memory. RWF_NOWAIT makes a pipe or terminal behave as
// O_NONBLOCK for this call (EAGAIN); a file in memory never waits. RWF_APPEND writes at the
// end of the file whatever the offset. Unknown flags: "EOPNOTSUPP An unknown flag is specified
// in flags".
ErrorOr<long> transfer_vector_with_flags(int fd, uintptr_t vector_address, int count, Direction direction, int64_t position, int flags)
{
    if (position < -1)
        return Error(EINVAL);
    auto description = TRY(usable_description_for(fd));
    if (flags & ~(rwf_hipri | rwf_dsync | rwf_sync | rwf_nowait | rwf_append))
        return Error(EOPNOTSUPP);
    bool positioned = position >= 0;
    if ((flags & rwf_append) && direction == Direction::Write && description->inode().is_seekable()) {
        if (positioned)
            position = int64_t(description->inode().size());
        else if (description->is_writable())
            TRY(description->seek(0, SEEK_END));
    }
    if (!(flags & rwf_nowait) || description->inode().is_seekable() || description->is_nonblocking())
        return transfer_vector(fd, vector_address, count, direction, position, positioned);
    // The kernel is not preempted, and a non-blocking transfer does not wait: no other thread
    // sees the description's O_NONBLOCK in between.
    int old_flags = description->flags();
    description->set_status_flags(old_flags | O_NONBLOCK);
    auto result = transfer_vector(fd, vector_address, count, direction, position, positioned);
    description->set_status_flags(old_flags);
    return result;
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
SYSCALL_HANDLER(preadv2) { return transfer_vector_with_flags(args.as_int(0), args[1], args.as_int(2), Direction::Read, int64_t(args[3]), args.as_int(5)); }
SYSCALL_HANDLER(pwritev2) { return transfer_vector_with_flags(args.as_int(0), args[1], args.as_int(2), Direction::Write, int64_t(args[3]), args.as_int(5)); }

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

// copy_file_range(2), in the order of Linux's vfs_copy_file_range(): "EINVAL The flags argument
// is not 0"; "EBADF One or more file descriptors are not valid; or fd_in is not open for
// reading; or fd_out is not open for writing" (or is O_APPEND); "EISDIR"; "EINVAL Either fd_in
// or fd_out is not a regular file"; "EOVERFLOW The requested source or destination range is too
// large"; EINVAL for a negative offset; the length is cut at the end of the input, and "EINVAL
// fd_in and fd_out refer to the same file and the source and target ranges overlap". With an
// offset pointer the file's own offset stays and the pointer moves; without, the file offset
// moves.
SYSCALL_HANDLER(copy_file_range)
{
    if (args[5] != 0)
        return Error(EINVAL);
    auto input = TRY(usable_description_for(args.as_int(0)));
    auto output = TRY(usable_description_for(args.as_int(2)));
    if (!input->is_readable() || !output->is_writable() || output->is_append())
        return Error(EBADF);
    int64_t input_position = args[1] ? TRY(args.pointer<int64_t>(1).read()) : int64_t(input->offset());
    int64_t output_position = args[3] ? TRY(args.pointer<int64_t>(3).read()) : int64_t(output->offset());
    auto& input_inode = input->inode();
    auto& output_inode = output->inode();
    if (input_inode.is_directory() || output_inode.is_directory())
        return Error(EISDIR);
    if (!input_inode.is_regular_file() || !output_inode.is_regular_file())
        return Error(EINVAL);
    // Linux checks for wrapping before it looks at the sign: an offset of -1 is EOVERFLOW.
    uint64_t count = std::min(uint64_t(args[4]), uint64_t(fs::max_transfer_size));
    if (uint64_t(input_position) + count < uint64_t(input_position) || uint64_t(output_position) + count < uint64_t(output_position))
        return Error(EOVERFLOW);
    if (input_position < 0 || output_position < 0)
        return Error(EINVAL);
    uint64_t input_size = input_inode.size();
    count = uint64_t(input_position) >= input_size ? 0 : std::min(count, input_size - uint64_t(input_position));
    if (&input_inode == &output_inode && uint64_t(output_position) + count > uint64_t(input_position)
        && uint64_t(output_position) < uint64_t(input_position) + count)
        return Error(EINVAL);
    if (count == 0)
        return 0;

    static uint8_t s_chunk[16384]; // one CPU, and the kernel is never preempted
    uint64_t copied = 0;
    while (copied < count) {
        size_t wanted = size_t(std::min<uint64_t>(count - copied, sizeof(s_chunk)));
        auto in_buffer = fs::IoBuffer::kernel(s_chunk, wanted);
        auto read = input->pread(uint64_t(input_position) + copied, in_buffer);
        if (read.is_error() || read.value() == 0) {
            if (copied || !read.is_error())
                break;
            return read.release_error();
        }
        auto out_buffer = fs::IoBuffer::kernel(s_chunk, read.value());
        auto written = output->pwrite(uint64_t(output_position) + copied, out_buffer);
        if (written.is_error()) {
            if (copied)
                break;
            return written.release_error();
        }
        copied += written.value();
        if (written.value() < read.value())
            break;
    }
    if (args[1])
        TRY(args.pointer<int64_t>(1).write(input_position + int64_t(copied)));
    else
        TRY(input->seek(input_position + int64_t(copied), SEEK_SET));
    if (args[3])
        TRY(args.pointer<int64_t>(3).write(output_position + int64_t(copied)));
    else
        TRY(output->seek(output_position + int64_t(copied), SEEK_SET));
    return long(copied);
}
