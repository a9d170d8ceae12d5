#include <cstring>

#include <fs/fsnotify.h>
#include <fs/inode.h>
#include <lib/format.h>
#include <plat/clock.h>

namespace fs {

Timespec current_time()
{
    uint64_t now = plat::realtime_nanoseconds();
    return { int64_t(now / 1'000'000'000), int64_t(now % 1'000'000'000) };
}

// What Linux's simple_statfs() reports for ramfs: no block accounting, only the block size and
// the name length.
void FileSystem::fill_statfs(LinuxStatfs& statfs) const
{
    constexpr int64_t st_valid = 0x0020;
    memset(&statfs, 0, sizeof(statfs));
    statfs.f_type = int64_t(ramfs_magic);
    statfs.f_bsize = 4096;
    statfs.f_frsize = 4096;
    statfs.f_namelen = name_max;
    statfs.f_fsid[0] = int32_t(m_device_minor);
    statfs.f_flags = st_valid;
}

Inode::Inode(FileSystem& file_system, uint32_t mode, uint64_t device_number)
    : m_file_system(file_system)
    , m_number(file_system.allocate_inode_number())
    , m_mode(mode)
    , m_device_number(device_number)
{
    m_access_time = m_modification_time = m_change_time = current_time();
}

Inode::Inode(FileSystem& file_system, uint32_t mode, WithNumber number)
    : m_file_system(file_system)
    , m_number(number.number)
    , m_mode(mode)
    , m_device_number(0)
{
    m_access_time = m_modification_time = m_change_time = current_time();
}

ErrorOr<String> Inode::anonymous_path() const
{
    char text[48];
    if (type() == S_IFIFO)
        lib::format(text, sizeof(text), "pipe:[%lu]", m_number);
    else if (type() == S_IFSOCK)
        lib::format(text, sizeof(text), "socket:[%lu]", m_number);
    else
        lib::format(text, sizeof(text), "anon_inode:[%lu]", m_number);
    return String::try_create(text);
}

void Inode::set_permissions(uint32_t permissions)
{
    m_mode = (m_mode & S_IFMT) | (permissions & 07777);
    touch_change_time();
    notify_file(*this, nullptr, {}, in_attrib);
}

// chown(2): "When the owner or group of an executable file is changed by an unprivileged user,
// the S_ISUID and S_ISGID mode bits are cleared." Linux clears them for root too (except a
// set-group-ID bit without group execute, which marks mandatory locking), so we do as well.
void Inode::set_owner(uint32_t uid, uint32_t gid)
{
    m_uid = uid;
    m_gid = gid;
    if (!is_directory()) {
        m_mode &= ~uint32_t(S_ISUID);
        if (m_mode & S_IXGRP)
            m_mode &= ~uint32_t(S_ISGID);
    }
    touch_change_time();
    notify_file(*this, nullptr, {}, in_attrib);
}

void Inode::fill_stat(LinuxStat& stat) const
{
    memset(&stat, 0, sizeof(stat));
    stat.st_dev = encode_device(m_file_system.device_major(), m_file_system.device_minor());
    stat.st_ino = m_number;
    stat.st_nlink = link_count();
    stat.st_mode = m_mode;
    stat.st_uid = m_uid;
    stat.st_gid = m_gid;
    stat.st_rdev = m_device_number;
    stat.st_size = int64_t(size());
    stat.st_blksize = 4096;
    stat.st_blocks = int64_t(allocated_blocks());
    stat.st_atime_seconds = uint64_t(m_access_time.seconds);
    stat.st_atime_nanoseconds = uint64_t(m_access_time.nanoseconds);
    stat.st_mtime_seconds = uint64_t(m_modification_time.seconds);
    stat.st_mtime_nanoseconds = uint64_t(m_modification_time.nanoseconds);
    stat.st_ctime_seconds = uint64_t(m_change_time.seconds);
    stat.st_ctime_nanoseconds = uint64_t(m_change_time.nanoseconds);
}

void Inode::fill_statx(LinuxStatx& statx) const
{
    auto timestamp = [](Timespec time) { return LinuxStatxTimestamp { time.seconds, uint32_t(time.nanoseconds), 0 }; };
    memset(&statx, 0, sizeof(statx));
    // Everything basic is always filled; a birth time is not kept, so STATX_BTIME stays clear.
    statx.stx_mask = STATX_BASIC_STATS;
    statx.stx_blksize = 4096;
    statx.stx_nlink = link_count();
    statx.stx_uid = m_uid;
    statx.stx_gid = m_gid;
    statx.stx_mode = uint16_t(m_mode);
    statx.stx_ino = m_number;
    statx.stx_size = size();
    statx.stx_blocks = allocated_blocks();
    statx.stx_atime = timestamp(m_access_time);
    statx.stx_ctime = timestamp(m_change_time);
    statx.stx_mtime = timestamp(m_modification_time);
    // The inverse of new_encode_dev().
    statx.stx_rdev_major = uint32_t((m_device_number & 0xfff00) >> 8);
    statx.stx_rdev_minor = uint32_t((m_device_number & 0xff) | ((m_device_number >> 12) & 0xfff00));
    statx.stx_dev_major = m_file_system.device_major();
    statx.stx_dev_minor = m_file_system.device_minor();
}

}
