#include <algorithm>
#include <cstring>
#include <new>

#include <fs/directory.h>
#include <fs/fsnotify.h>
#include <fs/open_file_description.h>
#include <fs/record_lock.h>

namespace fs {

ErrorOr<RefPtr<OpenFileDescription>> OpenFileDescription::create(RefPtr<Inode> inode, int flags)
{
    auto* pointer = new (std::nothrow) OpenFileDescription(std::move(inode), flags);
    if (!pointer)
        return Error(ENOMEM);
    auto description = RefPtr<OpenFileDescription>::adopt(pointer);
    if (!description->is_path_only()) {
        auto opened = description->m_inode->did_open(*description);
        if (opened.is_error()) {
            // The inode never counted this description as open, so do not tell it of a close.
            description->m_flags |= O_PATH;
            return opened.error();
        }
    }
    if (description->m_inode->is_directory())
        description->m_offset = 1;
    return description;
}

OpenFileDescription::~OpenFileDescription()
{
    while (auto* watch = m_watches.take_first())
        watch->description_closing(*this);
    // Its F_OFD_SETLK locks (Linux's locks_remove_file()).
    release_description_record_locks(*this);
    if (!is_path_only()) {
        // fsnotify_close(): after the last reference, as Linux's __fput().
        notify_description(*this, is_writable() ? in_close_write : in_close_nowrite);
        m_inode->will_close(*this);
    }
}

ErrorOr<size_t> OpenFileDescription::read(IoBuffer& buffer)
{
    if (!is_readable())
        return Error(EBADF);
    size_t count = TRY(m_inode->read(*this, m_offset, buffer));
    if (m_inode->is_seekable())
        m_offset += count;
    if (count)
        notify_description(*this, in_access);
    return count;
}

ErrorOr<size_t> OpenFileDescription::write(IoBuffer& buffer)
{
    if (!is_writable())
        return Error(EBADF);
    if (is_append() && m_inode->is_seekable())
        m_offset = m_inode->size();
    size_t count = TRY(m_inode->write(*this, m_offset, buffer));
    if (m_inode->is_seekable())
        m_offset += count;
    if (count)
        notify_description(*this, in_modify);
    return count;
}

ErrorOr<size_t> OpenFileDescription::pread(uint64_t offset, IoBuffer& buffer)
{
    if (!is_readable())
        return Error(EBADF);
    if (!m_inode->is_seekable())
        return Error(ESPIPE);
    if (int64_t(offset) < 0)
        return Error(EINVAL);
    size_t count = TRY(m_inode->read(*this, offset, buffer));
    if (count)
        notify_description(*this, in_access);
    return count;
}

// pwrite(2), BUGS: "POSIX requires that opening a file with the O_APPEND flag should have no
// effect on the location at which pwrite() writes data. However, on Linux, if a file is opened
// with O_APPEND, pwrite() appends data to the end of the file, regardless of the value of
// offset." We implement Linux's behavior.
ErrorOr<size_t> OpenFileDescription::pwrite(uint64_t offset, IoBuffer& buffer)
{
    if (!is_writable())
        return Error(EBADF);
    if (!m_inode->is_seekable())
        return Error(ESPIPE);
    if (int64_t(offset) < 0)
        return Error(EINVAL);
    if (is_append())
        offset = m_inode->size();
    size_t count = TRY(m_inode->write(*this, offset, buffer));
    if (count)
        notify_description(*this, in_modify);
    return count;
}

ErrorOr<uint64_t> OpenFileDescription::seek(int64_t offset, int whence)
{
    // Checked first: anonymous inodes (eventfd, timerfd) take lseek(2) as Linux's
    // noop_llseek() does while refusing pread(2).
    if (m_inode->seeks_to_zero()) {
        if (whence < SEEK_SET || whence > SEEK_END)
            return Error(EINVAL);
        return m_offset = 0;
    }
    if (!m_inode->is_seekable())
        return Error(ESPIPE);
    int64_t base;
    int64_t size = int64_t(m_inode->size());
    if (m_inode->is_directory()) {
        // Directory positions are entry cookies; only absolute and relative seeks make sense,
        // as in Linux's dcache_dir_lseek(). Position 0 restarts the listing.
        if (whence == SEEK_SET)
            base = 0;
        else if (whence == SEEK_CUR)
            base = int64_t(m_offset);
        else
            return Error(EINVAL);
        int64_t position = base + offset;
        if (position < 0)
            return Error(EINVAL);
        m_offset = position == 0 ? 1 : uint64_t(position);
        return uint64_t(position);
    }
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = int64_t(m_offset);
        break;
    case SEEK_END:
        base = size;
        break;
    case SEEK_DATA:
        // No holes are tracked: all of the file is data.
        if (offset < 0 || offset >= size)
            return Error(ENXIO);
        return m_offset = uint64_t(offset);
    case SEEK_HOLE:
        if (offset < 0 || offset >= size)
            return Error(ENXIO);
        return m_offset = uint64_t(size);
    default:
        return Error(EINVAL);
    }
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
        return Error(EINVAL);
    m_offset = uint64_t(base + offset);
    return m_offset;
}

static size_t align_up_8(size_t value) { return (value + 7) & ~size_t(7); }

ErrorOr<size_t> OpenFileDescription::read_directory_entries(IoBuffer& buffer, DirectoryEntryFormat format)
{
    if (is_path_only())
        return Error(EBADF);
    if (!m_inode->is_directory())
        return Error(ENOTDIR);
    auto& directory = static_cast<Directory&>(*m_inode);
    size_t written = 0;
    // Byte images of one record, built here and copied out whole.
    alignas(8) uint8_t record[24 + name_max + 8];

    auto emit = [&](uint64_t inode_number, uint64_t next_cookie, std::string_view name, DirectoryEntryType type) -> ErrorOr<bool> {
        size_t length;
        memset(record, 0, sizeof(record));
        if (format == DirectoryEntryFormat::Linux64) {
            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            length = align_up_8(19 + name.size() + 1);
            memcpy(record, &inode_number, 8);
            memcpy(record + 8, &next_cookie, 8);
            uint16_t record_length = uint16_t(length);
            memcpy(record + 16, &record_length, 2);
            record[18] = uint8_t(type);
            memcpy(record + 19, name.data(), name.size());
        } else {
            // struct linux_dirent { unsigned long d_ino; unsigned long d_off; unsigned short
            // d_reclen; char d_name[]; /* NUL, padding, then d_type in the last byte */ }
            length = align_up_8(18 + name.size() + 2);
            memcpy(record, &inode_number, 8);
            memcpy(record + 8, &next_cookie, 8);
            uint16_t record_length = uint16_t(length);
            memcpy(record + 16, &record_length, 2);
            memcpy(record + 18, name.data(), name.size());
            record[length - 1] = uint8_t(type);
        }
        if (written + length > buffer.size())
            return false;
        TRY(buffer.write(written, record, length));
        written += length;
        return true;
    };

    auto finish = [&](ErrorOr<bool> const& result) -> ErrorOr<size_t> {
        if (result.is_error())
            return written ? ErrorOr<size_t>(written) : ErrorOr<size_t>(result.error());
        if (!result.value() && written == 0)
            return Error(EINVAL);
        return written;
    };

    if (m_offset <= 1) {
        auto result = emit(directory.number(), 2, ".", DirectoryEntryType::Directory);
        if (result.is_error() || !result.value())
            return finish(result);
        m_offset = 2;
    }
    if (m_offset == 2) {
        // A removed directory's ".." is itself, as good as anything for a listing that is empty.
        auto* parent = directory.parent();
        uint64_t parent_number = parent ? parent->number() : directory.number();
        auto result = emit(parent_number, Directory::first_entry_cookie, "..", DirectoryEntryType::Directory);
        if (result.is_error() || !result.value())
            return finish(result);
        m_offset = Directory::first_entry_cookie;
    }
    if (directory.is_removed())
        return written;
    DirectoryEntry entry;
    while (true) {
        auto found = directory.entry_at_or_after(m_offset, entry);
        if (found.is_error())
            return written ? ErrorOr<size_t>(written) : ErrorOr<size_t>(found.error());
        if (!found.value())
            break;
        auto result = emit(entry.inode_number, entry.cookie + 1, entry.name, entry.type);
        if (result.is_error() || !result.value())
            return finish(result);
        m_offset = entry.cookie + 1;
    }
    return written;
}

ErrorOr<long> OpenFileDescription::ioctl(unsigned long request, uintptr_t argument)
{
    if (is_path_only())
        return Error(EBADF);
    return m_inode->ioctl(*this, request, argument);
}

ErrorOr<size_t> OpenFileDescription::read_at(uint64_t offset, std::span<uint8_t> buffer)
{
    auto io_buffer = IoBuffer::kernel(buffer.data(), buffer.size());
    return m_inode->read(*this, offset, io_buffer);
}

}
