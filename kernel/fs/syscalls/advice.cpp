// Calls that advise about or prepare a file's storage, and the sync calls: posix_fadvise(2),
// readahead(2), fallocate(2), sync(2), syncfs(2), sync_file_range(2). File data lives in memory, so there is
// nothing to read ahead, drop or write back: each checks its arguments as Linux does and
// succeeds; fallocate(2) changes what it is seen to change.
#include <fs/io_buffer.h>
#include <fs/open_file_description.h>

#include "support.h"

namespace {

constexpr int fadvise_noreuse = 5; // POSIX_FADV_NORMAL (0) to POSIX_FADV_NOREUSE on x86_64

constexpr int falloc_keep_size = 0x01, falloc_punch_hole = 0x02;
// Every mode bit Linux knows (FALLOC_FL_SUPPORTED_MASK): the rest are EOPNOTSUPP before anything
// else is looked at.
constexpr int falloc_known_modes = 0x7f;

bool is_fifo(fs::Inode const& inode) { return inode.type() == S_IFIFO; }

// FALLOC_FL_PUNCH_HOLE: the range reads as zeros afterwards; the size stays.
ErrorOr<void> zero_range(fs::OpenFileDescription& description, uint64_t offset, uint64_t end)
{
    static uint8_t const s_zeros[4096] {};
    auto& inode = description.inode();
    end = end < inode.size() ? end : inode.size();
    while (offset < end) {
        size_t chunk = end - offset < sizeof(s_zeros) ? size_t(end - offset) : sizeof(s_zeros);
        auto buffer = fs::IoBuffer::kernel(const_cast<uint8_t*>(s_zeros), chunk);
        offset += TRY(inode.write(description, offset, buffer));
    }
    return {};
}

}

using namespace fs::syscalls;

// posix_fadvise(2): "EBADF The fd argument was not a valid file descriptor"; "EINVAL An
// invalid value was specified for advice"; "ESPIPE The specified file descriptor refers to a
// pipe or FIFO". Linux's generic_fadvise() also refuses a negative length.
SYSCALL_HANDLER(fadvise64)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    int64_t length = int64_t(args[2]);
    int advice = args.as_int(3);
    if (is_fifo(description->inode()))
        return Error(ESPIPE);
    if (length < 0 || advice < 0 || advice > fadvise_noreuse)
        return Error(EINVAL);
    return 0;
}

// readahead(2): "EBADF fd is not a valid file descriptor or is not open for reading";
// "EINVAL fd does not refer to a file type to which readahead() can be applied" (anything but
// a regular file).
SYSCALL_HANDLER(readahead)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    if (!description->is_readable())
        return Error(EBADF);
    if (!description->inode().is_regular_file())
        return Error(EINVAL);
    return 0;
}

// fallocate(2), in the order of Linux's vfs_fallocate(): "EINVAL offset was less than 0, or
// len was less than or equal to 0"; "EOPNOTSUPP The filesystem containing the file referred to
// by fd does not support this operation" (every mode but 0, FALLOC_FL_KEEP_SIZE and
// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE); "EBADF fd is not a valid file descriptor, or is
// not opened for writing"; "ESPIPE fd refers to a pipe or FIFO"; "EISDIR"; "ENODEV fd does not
// refer to a regular file"; "EFBIG offset+len exceeds the maximum file size". Mode 0 grows the
// file to offset + len; space is allocated as the file is written, whatever the mode.
SYSCALL_HANDLER(fallocate)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    int mode = args.as_int(1);
    int64_t offset = int64_t(args[2]);
    int64_t length = int64_t(args[3]);
    if (offset < 0 || length <= 0)
        return Error(EINVAL);
    if (mode & ~falloc_known_modes)
        return Error(EOPNOTSUPP);
    if ((mode & falloc_punch_hole) && !(mode & falloc_keep_size))
        return Error(EOPNOTSUPP);
    if (!description->is_writable())
        return Error(EBADF);
    auto& inode = description->inode();
    if (is_fifo(inode))
        return Error(ESPIPE);
    if (inode.is_directory())
        return Error(EISDIR);
    if (!inode.is_regular_file())
        return Error(ENODEV);
    if (offset > INT64_MAX - length)
        return Error(EFBIG);
    uint64_t end = uint64_t(offset + length);
    if (mode & ~(falloc_keep_size | falloc_punch_hole))
        return Error(EOPNOTSUPP);
    if (mode & falloc_punch_hole) {
        TRY(zero_range(*description, uint64_t(offset), end));
    } else if (!(mode & falloc_keep_size) && end > inode.size()) {
        TRY(fs::truncate_inode(inode, int64_t(end)));
        return 0;
    }
    inode.touch_modification_and_change_time();
    return 0;
}

// sync(2): "sync() is always successful." Nothing is cached on the way to a disk.
SYSCALL_HANDLER(sync) { return 0; }

// syncfs(2): "EBADF fd is not a valid file descriptor."
SYSCALL_HANDLER(syncfs)
{
    TRY(usable_description_for(args.as_int(0)));
    return 0;
}

// sync_file_range(2), in the order of Linux's ksys_sync_file_range(): "EBADF fd is not a valid
// file descriptor", then "EINVAL flags specifies an invalid bit; or offset or nbytes is
// invalid", then "ESPIPE fd refers to something other than a regular file, a block device, or a
// directory".
SYSCALL_HANDLER(sync_file_range)
{
    constexpr uint32_t valid_flags = 0x7; // SYNC_FILE_RANGE_WAIT_BEFORE, _WRITE, _WAIT_AFTER
    auto description = TRY(usable_description_for(args.as_int(0)));
    int64_t offset = int64_t(args[1]);
    int64_t length = int64_t(args[2]);
    uint32_t flags = uint32_t(args[3]);
    if (flags & ~valid_flags)
        return Error(EINVAL);
    int64_t end = int64_t(uint64_t(offset) + uint64_t(length));
    if (offset < 0 || end < 0 || end < offset)
        return Error(EINVAL);
    auto type = description->inode().type();
    if (type != S_IFREG && type != S_IFBLK && type != S_IFDIR)
        return Error(ESPIPE);
    return 0;
}
