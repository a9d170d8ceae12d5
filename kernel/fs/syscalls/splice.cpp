#include <algorithm>

#include <fs/io_buffer.h>
#include <fs/open_file_description.h>
#include <fs/pipe.h>

#include "support.h"

// splice(2), tee(2) and vmsplice(2). Linux moves page references between pipes and the page
// cache; we copy through a kernel buffer, which gives the same results: bytes leave the input
// pipe only once the output took them, and what enters a pipe takes fresh slots (no merging
// into the last one, as add_to_pipe()).

namespace fs::syscalls {

namespace {

constexpr unsigned splice_f_move = 0x01, splice_f_nonblock = 0x02, splice_f_more = 0x04, splice_f_gift = 0x08;
constexpr unsigned splice_f_all = splice_f_move | splice_f_nonblock | splice_f_more | splice_f_gift;

// One CPU, and the kernel is never preempted; the buffer is never held across a wait for a
// pipe (only across the other file's read or write).
uint8_t s_chunk[16384];

PipeInode* pipe_of(OpenFileDescription& description)
{
    if (description.inode().type() != S_IFIFO)
        return nullptr;
    return static_cast<PipeInode*>(&description.inode());
}

// Reads an offset argument (do_splice(): the file must allow pread/pwrite, else EINVAL;
// rw_verify_area(): a negative one is EINVAL).
ErrorOr<int64_t> read_offset(uintptr_t address, OpenFileDescription& description)
{
    if (!description.inode().is_seekable())
        return Error(EINVAL);
    int64_t offset = TRY(UserPtr<int64_t>(address).read());
    if (offset < 0)
        return Error(EINVAL);
    return offset;
}

// splice_pipe_to_pipe() and link_pipe(): both waits first (input data, then output room), then
// as much as the input holds, the output takes and `length` allows. tee(2) copies from the
// front without taking anything out.
ErrorOr<long> pipe_to_pipe(PipeInode& input, PipeInode& output, size_t length, bool nonblocking, bool keep_input)
{
    for (;;) {
        TRY(input.wait_for_data(nonblocking));
        TRY(output.wait_for_space(nonblocking));
        size_t done = 0;
        while (done < length) {
            if (!output.readers()) {
                raise_sigpipe();
                if (!done)
                    return Error(EPIPE);
                break;
            }
            size_t wanted = std::min(length - done, sizeof(s_chunk));
            auto chunk = IoBuffer::kernel(s_chunk, wanted);
            size_t peeked = TRY(input.peek(keep_input ? done : 0, chunk));
            if (!peeked)
                break;
            auto filled = IoBuffer::kernel(s_chunk, peeked);
            auto appended = output.append(filled);
            if (appended.is_error()) {
                if (!done)
                    return appended.release_error();
                break;
            }
            if (!keep_input)
                input.consume(appended.value());
            done += appended.value();
            if (appended.value() < peeked)
                break;
        }
        // Only someone else emptying the input or filling the output between the waits and
        // here leaves nothing moved with both ends still open: wait again, as the "goto
        // retry" in splice_pipe_to_pipe().
        if (done || (input.buffer().is_empty() && !input.writers()))
            return long(done);
        if (nonblocking)
            return Error(EAGAIN);
    }
}

// iter_file_splice_write(): waits for data, then writes what is queued (up to `length`) at
// `position` (the description's offset when negative). Bytes leave the pipe as the file takes
// them.
ErrorOr<long> pipe_to_file(PipeInode& input, OpenFileDescription& output, int64_t position, size_t length, bool nonblocking)
{
    if (!TRY(input.wait_for_data(nonblocking)))
        return 0;
    size_t done = 0;
    while (done < length) {
        size_t wanted = std::min(length - done, sizeof(s_chunk));
        auto chunk = IoBuffer::kernel(s_chunk, wanted);
        size_t peeked = TRY(input.peek(0, chunk));
        if (!peeked)
            break;
        auto filled = IoBuffer::kernel(s_chunk, peeked);
        auto written = position < 0 ? output.write(filled) : output.pwrite(uint64_t(position) + done, filled);
        if (written.is_error()) {
            if (!done)
                return written.release_error();
            break;
        }
        input.consume(written.value());
        done += written.value();
        if (written.value() < peeked)
            break;
    }
    return long(done);
}

// splice_file_to_pipe(): waits for a free slot, then reads at most what the free slots hold
// (do_splice_read()), from `position` (the description's offset when negative). 0 at end of
// file.
ErrorOr<long> file_to_pipe(OpenFileDescription& input, PipeInode& output, int64_t position, size_t length, bool nonblocking)
{
    if (input.inode().is_directory())
        return Error(EINVAL);
    TRY(output.wait_for_space(nonblocking));
    auto& ring = output.buffer();
    length = std::min(length, size_t(ring.slot_count() - ring.occupied_slots()) * PipeBuffer::page_size);
    size_t done = 0;
    while (done < length) {
        size_t wanted = std::min(length - done, sizeof(s_chunk));
        auto chunk = IoBuffer::kernel(s_chunk, wanted);
        auto read = position < 0 ? input.read(chunk) : input.pread(uint64_t(position) + done, chunk);
        if (read.is_error()) {
            if (!done)
                return read.release_error();
            break;
        }
        if (!read.value())
            break;
        auto filled = IoBuffer::kernel(s_chunk, read.value());
        auto appended = output.append(filled);
        size_t taken = appended.is_error() ? 0 : appended.value();
        if (taken < read.value() && position < 0)
            (void)input.seek(-int64_t(read.value() - taken), SEEK_CUR);
        if (appended.is_error() && !done)
            return appended.release_error();
        done += taken;
        if (taken < wanted)
            break;
    }
    return long(done);
}

}

}

using namespace fs::syscalls;

// splice(2), in the order of Linux's sys_splice() and do_splice(): a zero length is 0 before
// anything is looked at; unknown flags EINVAL; EBADF for a closed descriptor, an input not
// open for reading or an output not open for writing; ESPIPE for an offset given for a pipe;
// two pipes move between them (EINVAL when they are the same pipe); a pipe and a file move
// either way, EINVAL for an O_APPEND output or an offset on a file that cannot seek; EINVAL
// when neither is a pipe. SPLICE_F_MOVE, SPLICE_F_MORE and SPLICE_F_GIFT are hints.
// SPLICE_F_NONBLOCK, or O_NONBLOCK on the pipe side, makes the pipe waits EAGAIN. Offsets
// given are read and updated; the files' own offsets then stay.
SYSCALL_HANDLER(splice)
{
    int input_fd = args.as_int(0), output_fd = args.as_int(2);
    uintptr_t input_offset_address = args[1], output_offset_address = args[3];
    size_t length = std::min(size_t(args[4]), fs::max_transfer_size);
    unsigned flags = unsigned(args[5]);
    if (!args[4])
        return 0;
    if (flags & ~splice_f_all)
        return Error(EINVAL);
    auto input = TRY(usable_description_for(input_fd));
    auto output = TRY(usable_description_for(output_fd));
    if (!input->is_readable() || !output->is_writable())
        return Error(EBADF);
    auto* input_pipe = pipe_of(*input);
    auto* output_pipe = pipe_of(*output);
    if ((input_pipe && input_offset_address) || (output_pipe && output_offset_address))
        return Error(ESPIPE);
    bool nonblocking = flags & splice_f_nonblock;

    if (input_pipe && output_pipe) {
        if (input_pipe == output_pipe)
            return Error(EINVAL);
        nonblocking |= input->is_nonblocking() || output->is_nonblocking();
        return pipe_to_pipe(*input_pipe, *output_pipe, length, nonblocking, false);
    }
    if (input_pipe) {
        int64_t position = output_offset_address ? TRY(read_offset(output_offset_address, *output)) : -1;
        if (output->is_append())
            return Error(EINVAL);
        nonblocking |= input->is_nonblocking();
        long done = TRY(pipe_to_file(*input_pipe, *output, position, length, nonblocking));
        if (output_offset_address)
            TRY(UserPtr<int64_t>(output_offset_address).write(position + done));
        return done;
    }
    if (output_pipe) {
        int64_t position = input_offset_address ? TRY(read_offset(input_offset_address, *input)) : -1;
        nonblocking |= output->is_nonblocking();
        long done = TRY(file_to_pipe(*input, *output_pipe, position, length, nonblocking));
        if (input_offset_address)
            TRY(UserPtr<int64_t>(input_offset_address).write(position + done));
        return done;
    }
    return Error(EINVAL);
}

// tee(2): "EINVAL fd_in or fd_out does not refer to a pipe; or fd_in and fd_out refer to the
// same pipe"; EBADF first for the access modes. The input keeps its data; 0 when it is empty
// and has no writer. O_NONBLOCK on either end counts as SPLICE_F_NONBLOCK.
SYSCALL_HANDLER(tee)
{
    unsigned flags = unsigned(args[3]);
    if (flags & ~splice_f_all)
        return Error(EINVAL);
    if (!args[2])
        return 0;
    size_t length = std::min(size_t(args[2]), fs::max_transfer_size);
    auto input = TRY(usable_description_for(args.as_int(0)));
    auto output = TRY(usable_description_for(args.as_int(1)));
    if (!input->is_readable() || !output->is_writable())
        return Error(EBADF);
    auto* input_pipe = pipe_of(*input);
    auto* output_pipe = pipe_of(*output);
    if (!input_pipe || !output_pipe || input_pipe == output_pipe)
        return Error(EINVAL);
    bool nonblocking = (flags & splice_f_nonblock) || input->is_nonblocking() || output->is_nonblocking();
    return pipe_to_pipe(*input_pipe, *output_pipe, length, nonblocking, true);
}

// vmsplice(2): a descriptor open for writing takes the buffers into its pipe; one open only
// for reading copies from the pipe into the buffers (Linux's vmsplice_to_user()). Not a pipe,
// or neither mode: EBADF. More than IOV_MAX buffers or lengths that overflow: EINVAL; a
// buffer outside user space: EFAULT. Only SPLICE_F_NONBLOCK makes the waits EAGAIN (Linux
// ignores the descriptor's O_NONBLOCK here). Nothing to move is 0 without waiting.
SYSCALL_HANDLER(vmsplice)
{
    unsigned flags = unsigned(args[3]);
    if (flags & ~splice_f_all)
        return Error(EINVAL);
    auto description = TRY(usable_description_for(args.as_int(0)));
    bool to_pipe = description->is_writable();
    if (!to_pipe && !description->is_readable())
        return Error(EBADF);
    uintptr_t vector_address = args[1];
    size_t count = args[2];
    if (count > fs::io_vector_max)
        return Error(EINVAL);
    struct IoVector {
        uint64_t base;
        uint64_t length;
    };
    static IoVector vectors[fs::io_vector_max]; // not on the kernel stack; see s_chunk
    TRY(copy_from_user(vectors, vector_address, count * sizeof(IoVector)));
    uint64_t total = 0;
    for (size_t index = 0; index < count; ++index) {
        if (vectors[index].length > uint64_t(INT64_MAX) || total + vectors[index].length > uint64_t(INT64_MAX))
            return Error(EINVAL);
        total += vectors[index].length;
    }
    size_t remaining = std::min<uint64_t>(total, fs::max_transfer_size);
    for (size_t index = 0, left = remaining; index < count && left; ++index) {
        size_t length = std::min<uint64_t>(vectors[index].length, left);
        if (length && !lib::is_user_range(vectors[index].base, length))
            return Error(EFAULT);
        left -= length;
    }
    auto* pipe = pipe_of(*description);
    if (!pipe)
        return Error(EBADF);
    if (!remaining)
        return 0;
    bool nonblocking = flags & splice_f_nonblock;

    if (to_pipe)
        TRY(pipe->wait_for_space(nonblocking));
    else if (!TRY(pipe->wait_for_data(nonblocking)))
        return 0;
    size_t done = 0;
    for (size_t index = 0; index < count && done < remaining; ++index) {
        size_t length = std::min<uint64_t>(vectors[index].length, remaining - done);
        if (!length)
            continue;
        auto buffer = fs::IoBuffer::user(vectors[index].base, length);
        auto moved = to_pipe ? pipe->append(buffer) : pipe->peek(0, buffer);
        if (moved.is_error()) {
            if (!done)
                return moved.release_error();
            break;
        }
        if (!to_pipe)
            pipe->consume(moved.value());
        done += moved.value();
        if (moved.value() < length)
            break;
    }
    return long(done);
}
