#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fs/abi.h>
#include <fs/io_buffer.h>
#include <lib/error_or.h>
#include <lib/own_ptr.h>
#include <lib/string.h>

namespace fs {

class OpenFileDescription;
class PollQueue;
class NotifyMarks;

// The current time for timestamps, from the platform's real-time clock.
Timespec current_time();

// A mounted file system instance: hands out inode numbers and knows its device number and
// what statfs(2) reports: the ramfs everything lives in (devfs nodes included) and procfs.
class FileSystem {
public:
    explicit FileSystem(uint32_t device_minor)
        : m_device_minor(device_minor)
    {
    }
    virtual ~FileSystem() = default;
    FileSystem(FileSystem const&) = delete;
    FileSystem& operator=(FileSystem const&) = delete;

    uint64_t allocate_inode_number() { return m_next_inode_number++; }
    // Anonymous file systems have major number 0, like Linux's get_anon_bdev().
    uint32_t device_major() const { return 0; }
    uint32_t device_minor() const { return m_device_minor; }
    virtual void fill_statfs(LinuxStatfs&) const;

private:
    uint32_t m_device_minor;
    uint64_t m_next_inode_number { 1 };
};

// An inode: metadata shared by every name and open description of one file, and the file
// operations of its kind. Subclasses are ramfs directories, files and symlinks, devices and,
// later, pipes; an open file description forwards read/write/ioctl/poll to its inode.
class Inode : public RefCounted<Inode> {
public:
    virtual ~Inode() = default;
    Inode(Inode const&) = delete;
    Inode& operator=(Inode const&) = delete;

    FileSystem& file_system() const { return m_file_system; }
    uint64_t number() const { return m_number; }
    uint32_t mode() const { return m_mode; }
    uint32_t type() const { return m_mode & S_IFMT; }
    uint32_t permissions() const { return m_mode & 07777; }
    bool is_directory() const { return type() == S_IFDIR; }
    bool is_regular_file() const { return type() == S_IFREG; }
    bool is_symlink() const { return type() == S_IFLNK; }
    bool is_character_device() const { return type() == S_IFCHR; }
    uint32_t uid() const { return m_uid; }
    uint32_t gid() const { return m_gid; }
    virtual uint32_t link_count() const { return m_link_count; }
    uint64_t device_number() const { return m_device_number; }
    Timespec access_time() const { return m_access_time; }
    Timespec modification_time() const { return m_modification_time; }
    Timespec change_time() const { return m_change_time; }

    virtual uint64_t size() const { return 0; }
    // In 512-byte units, as st_blocks counts.
    virtual uint64_t allocated_blocks() const { return 0; }

    void set_permissions(uint32_t permissions);
    void set_owner(uint32_t uid, uint32_t gid);
    // The owner a file is created with; unlike set_owner() the mode stays as it is.
    void set_creator(uint32_t uid, uint32_t gid) { m_uid = uid, m_gid = gid; }
    void set_times(Timespec access, Timespec modification) { m_access_time = access, m_modification_time = modification; }
    void set_access_time(Timespec time) { m_access_time = time; }
    void set_modification_time(Timespec time) { m_modification_time = time; }
    void touch_change_time() { m_change_time = current_time(); }
    void touch_modification_and_change_time() { m_modification_time = m_change_time = current_time(); }
    void increment_link_count() { ++m_link_count; }
    void decrement_link_count() { --m_link_count; }

    void fill_stat(LinuxStat&) const;
    void fill_statx(LinuxStatx&) const;

    // File operations. `offset` is the description's position (or pread's); inodes that are not
    // seekable ignore it.
    virtual ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) { return Error(EINVAL); }
    virtual ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer&) { return Error(EINVAL); }
    virtual ErrorOr<long> ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument) { return Error(ENOTTY); }
    virtual ErrorOr<void> truncate(uint64_t) { return Error(EINVAL); }
    // For MAP_SHARED: the physical frame holding the byte at `offset`, with a reference taken
    // for the mapping; ENODEV for files whose pages cannot be shared (writable shared mappings
    // of them are refused).
    virtual ErrorOr<uint64_t> shared_frame(uint64_t) { return Error(ENODEV); }
    virtual bool has_shared_frames() const { return false; }
    // mincore(2) of a file mapping: whether the file holds the page at `offset` in memory
    // (Linux's page cache lookup).
    virtual bool holds_page(uint64_t) const { return false; }
    // Whether lseek(2) and pread(2) apply (ESPIPE otherwise).
    virtual bool is_seekable() const { return true; }
    // Devices whose lseek(2) succeeds without moving anything, as Linux's /dev/null does.
    virtual bool seeks_to_zero() const { return false; }
    virtual bool is_terminal() const { return false; }
    // fsync(2) on a file without a sync operation is EINVAL on Linux (terminals, /dev/null).
    virtual bool can_sync() const { return false; }
    // Readiness for poll/select/epoll; pipes and terminals with queued input will override.
    virtual bool can_read(OpenFileDescription const&) const { return true; }
    virtual bool can_write(OpenFileDescription const&) const { return true; }
    // The poll(2) bits (fs/poll.h) a description of this inode reports now: by default
    // readable and writable as can_read/can_write say (Linux's DEFAULT_POLLMASK for files
    // without a poll operation).
    virtual uint32_t poll_events(OpenFileDescription const&) const;
    // Where the readiness of a file that changes (pipes, terminals, epoll instances) is
    // announced; null for files that are always ready, which epoll refuses (EPERM).
    virtual PollQueue* poll_queue() { return nullptr; }
    // readv(2) and writev(2) of files that must see all of a call's buffers at once, as a
    // socket scatters one datagram over them and gathers one from them (Linux's read_iter and
    // write_iter); other files take the buffers one by one through read() and write().
    virtual bool transfers_whole_vectors() const { return false; }
    virtual ErrorOr<size_t> read_vectors(OpenFileDescription&, std::span<IoBuffer const>) { return Error(EINVAL); }
    virtual ErrorOr<size_t> write_vectors(OpenFileDescription&, std::span<IoBuffer const>) { return Error(EINVAL); }
    // Called when a description of this inode is created and when its last reference goes
    // (pipes count their readers and writers here).
    virtual ErrorOr<void> did_open(OpenFileDescription&) { return {}; }
    virtual void will_close(OpenFileDescription&) { }

    // What this kind of inode refuses even to root, whose read and write permission is never
    // checked otherwise (Linux's ->permission): `access` is R_OK, W_OK and X_OK bits. procfs
    // refuses writing to its read-only files here.
    virtual ErrorOr<void> check_access_override(int access) const { return {}; }

    // What /proc/PID/fd/N shows for a description that was not opened by a path (pipes,
    // sockets, the console twin of descriptor 2): Linux's "pipe:[INODE]", "socket:[INODE]",
    // "anon_inode:[NAME]". Kinds with a better name override it.
    virtual ErrorOr<String> anonymous_path() const;

    // Who watches this inode for file system events (fs/fsnotify.h); null when nobody does.
    NotifyMarks* notify_marks() const { return m_notify_marks; }
    void set_notify_marks(NotifyMarks* marks) { m_notify_marks = marks; }

protected:
    Inode(FileSystem&, uint32_t mode, uint64_t device_number = 0);
    // For file systems whose inode numbers follow from what the inode stands for (procfs).
    struct WithNumber {
        uint64_t number;
    };
    Inode(FileSystem&, uint32_t mode, WithNumber);

    FileSystem& m_file_system;
    uint64_t m_number;
    uint32_t m_mode;
    uint32_t m_uid { 0 };
    uint32_t m_gid { 0 };
    uint32_t m_link_count { 0 };
    uint64_t m_device_number;
    Timespec m_access_time;
    Timespec m_modification_time;
    Timespec m_change_time;
    NotifyMarks* m_notify_marks { nullptr };
};

}
