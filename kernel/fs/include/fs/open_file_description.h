#pragma once

#include <cstdint>
#include <span>

#include <fs/directory.h>
#include <fs/inode.h>
#include <fs/io_buffer.h>
#include <lib/intrusive_list.h>
#include <lib/own_ptr.h>
#include <lib/string.h>

namespace fs {

// What an inode's kind keeps for one open description (Linux's file->private_data): procfs
// keeps the text it generated for the reads that follow.
class OpenFileState {
public:
    virtual ~OpenFileState() = default;
};

class OpenFileDescription;

// Something that refers to a description without holding a reference and must let go when the
// description's last reference goes: an epoll item (Linux's eventpoll_release()), so that
// watching a file never keeps it open.
class DescriptionWatch {
public:
    virtual void description_closing(OpenFileDescription&) = 0;
    IntrusiveListNode watch_node;

protected:
    ~DescriptionWatch() = default;
};

// getdents(2) and getdents64(2) lay entries out differently.
enum class DirectoryEntryFormat {
    Linux,   // struct linux_dirent, d_type in the last byte of the record
    Linux64, // struct linux_dirent64
};

// An open file description (POSIX's term): what open(2) creates and dup(2) and fork(2) share.
// It holds the inode, the file offset and the status flags; descriptors in fd tables point at
// it. File operations are the inode's, so pipes and sockets plug in as inode kinds.
class OpenFileDescription : public RefCounted<OpenFileDescription> {
public:
    // Status flags F_SETFL may change (O_DIRECT only on pipes and FIFOs: packet mode).
    static constexpr int changeable_status_flags = O_APPEND | O_NONBLOCK | O_NOATIME | O_DIRECT;

    static ErrorOr<RefPtr<OpenFileDescription>> create(RefPtr<Inode>, int flags);
    ~OpenFileDescription();

    Inode& inode() const { return *m_inode; }
    RefPtr<Inode> inode_ref() const { return m_inode; }
    // Access mode, status flags and O_PATH, as F_GETFL reports them (O_CLOEXEC belongs to the
    // descriptor, creation flags are gone).
    int flags() const { return m_flags; }
    void set_status_flags(int flags) { m_flags = (m_flags & ~changeable_status_flags) | (flags & changeable_status_flags); }
    bool is_path_only() const { return m_flags & O_PATH; }
    bool is_readable() const { return !is_path_only() && ((m_flags & O_ACCMODE) == O_RDONLY || (m_flags & O_ACCMODE) == O_RDWR); }
    bool is_writable() const { return !is_path_only() && ((m_flags & O_ACCMODE) == O_WRONLY || (m_flags & O_ACCMODE) == O_RDWR); }
    bool is_append() const { return m_flags & O_APPEND; }
    bool is_nonblocking() const { return m_flags & O_NONBLOCK; }
    uint64_t offset() const { return m_offset; }

    // read(2)/write(2): at the description's offset, which they advance. EBADF when the
    // description was not opened for it.
    ErrorOr<size_t> read(IoBuffer&);
    ErrorOr<size_t> write(IoBuffer&);
    // pread(2)/pwrite(2): at `offset`, leaving the description's offset alone.
    ErrorOr<size_t> pread(uint64_t offset, IoBuffer&);
    ErrorOr<size_t> pwrite(uint64_t offset, IoBuffer&);
    ErrorOr<uint64_t> seek(int64_t offset, int whence);
    // Fills `buffer` with whole directory entries from the current position; EINVAL when not
    // even one fits, 0 at the end.
    ErrorOr<size_t> read_directory_entries(IoBuffer& buffer, DirectoryEntryFormat);
    ErrorOr<long> ioctl(unsigned long request, uintptr_t argument);

    // For the kernel's own reads (the ELF loader, mmap of a file), whatever the access mode.
    ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer);

    // Where open(2) found a file that is not a directory: the directory and the name (for
    // /proc/PID/fd through path_of()). Null for descriptions made without a path.
    Directory* parent() const { return m_parent.ptr(); }
    std::string_view name() const { return m_name.view(); }
    void set_location(RefPtr<Directory> parent, String name)
    {
        m_parent = std::move(parent);
        m_name = std::move(name);
    }

    // Watches end (description_closing()) before the inode hears of the close.
    void add_watch(DescriptionWatch& watch) { m_watches.append(watch); }
    static void remove_watch(DescriptionWatch& watch) { IntrusiveList<DescriptionWatch, &DescriptionWatch::watch_node>::remove(watch); }

    // A word of per-open state for the inode's kind (Linux's f_version): a FIFO reader keeps
    // the count of writers' opens it has seen, for POLLHUP.
    uint64_t inode_state { 0 };

    OpenFileState* state() const { return m_state.ptr(); }
    void set_state(OwnPtr<OpenFileState> state) { m_state = std::move(state); }

private:
    OpenFileDescription(RefPtr<Inode> inode, int flags)
        : m_inode(std::move(inode))
        , m_flags(flags)
    {
    }

    RefPtr<Inode> m_inode;
    int m_flags;
    // Bytes for files; for directories the cookie of the next entry getdents(2) returns.
    uint64_t m_offset { 0 };
    RefPtr<Directory> m_parent;
    String m_name;
    OwnPtr<OpenFileState> m_state;
    IntrusiveList<DescriptionWatch, &DescriptionWatch::watch_node> m_watches;
};

}
