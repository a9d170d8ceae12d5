#pragma once

// The Linux x86_64 file system ABI: flag values and the structures applications exchange with
// the kernel. Host builds (unit tests) take the constants from the C library, whose values are
// Linux's; freestanding kernel builds define them here with the same values, the way
// lib/errno.h does for errno codes. Structures carry our own names so they never collide with
// the C library's (glibc's struct stat and struct termios differ from the kernel's).

#include <cstddef>
#include <cstdint>

#if __STDC_HOSTED__
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

// open(2) flags.
#ifndef O_ACCMODE
#define O_ACCMODE 0003
#endif
#ifndef O_RDONLY
#define O_RDONLY 00
#endif
#ifndef O_WRONLY
#define O_WRONLY 01
#endif
#ifndef O_RDWR
#define O_RDWR 02
#endif
#ifndef O_CREAT
#define O_CREAT 0100
#endif
#ifndef O_EXCL
#define O_EXCL 0200
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0400
#endif
#ifndef O_TRUNC
#define O_TRUNC 01000
#endif
#ifndef O_APPEND
#define O_APPEND 02000
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 04000
#endif
#ifndef O_DSYNC
#define O_DSYNC 010000
#endif
#ifndef O_ASYNC
#define O_ASYNC 020000
#endif
#ifndef O_DIRECT
#define O_DIRECT 040000
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0200000
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0400000
#endif
#ifndef O_NOATIME
#define O_NOATIME 01000000
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 02000000
#endif
#ifndef O_SYNC
#define O_SYNC 04010000
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

// *at(2) conventions.
#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif
#ifndef AT_SYMLINK_NOFOLLOW
#define AT_SYMLINK_NOFOLLOW 0x100
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif
#ifndef AT_SYMLINK_FOLLOW
#define AT_SYMLINK_FOLLOW 0x400
#endif
#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_STATX_SYNC_TYPE
#define AT_STATX_SYNC_TYPE 0x6000
#endif

// File types and permission bits.
#ifndef S_IFMT
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IXGRP 00010
#endif

// access(2).
#ifndef F_OK
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#endif

// lseek(2).
#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif

// fcntl(2).
#ifndef F_DUPFD
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif
#ifndef FD_CLOEXEC
#define FD_CLOEXEC 1
#endif
// Record locks: the commands and struct flock's l_type.
#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif
#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif

// renameat2(2).
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

// utimensat(2).
#ifndef UTIME_NOW
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif

// ioctl(2) requests of the terminal and generic file layers.
#ifndef TCGETS
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCFLSH 0x540B
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#endif

// statx(2) mask bits.
#ifndef STATX_TYPE
#define STATX_TYPE 0x00000001U
#define STATX_MODE 0x00000002U
#define STATX_NLINK 0x00000004U
#define STATX_UID 0x00000008U
#define STATX_GID 0x00000010U
#define STATX_ATIME 0x00000020U
#define STATX_MTIME 0x00000040U
#define STATX_CTIME 0x00000080U
#define STATX_INO 0x00000100U
#define STATX_SIZE 0x00000200U
#define STATX_BLOCKS 0x00000400U
#define STATX_BASIC_STATS 0x000007ffU
#define STATX_BTIME 0x00000800U
#define STATX__RESERVED 0x80000000U
#endif

namespace fs {

// What the syscall layer has that the C library spells differently on the host.
constexpr int linux_o_largefile = 0100000; // glibc defines O_LARGEFILE as 0 on 64-bit hosts
constexpr int close_range_unshare = 1 << 1;
constexpr int close_range_cloexec = 1 << 2;
constexpr uint64_t ramfs_magic = 0x858458f6;
constexpr size_t path_max = 4096; // including the terminating NUL
constexpr size_t name_max = 255;
constexpr int max_symlink_follows = 40;
constexpr size_t io_vector_max = 1024;
// Linux clamps one read or write to INT_MAX rounded down to a page (MAX_RW_COUNT).
constexpr size_t max_transfer_size = 0x7ffff000;

// The device numbers stat(2) reports: Linux's new_encode_dev().
constexpr uint64_t encode_device(uint32_t major, uint32_t minor)
{
    return (minor & 0xff) | (uint64_t(major & 0xfff) << 8) | (uint64_t(minor & ~0xffu) << 12);
}

struct Timespec {
    int64_t seconds { 0 };
    int64_t nanoseconds { 0 };
};

// struct stat of the x86_64 kernel (arch/x86/include/uapi/asm/stat.h).
struct LinuxStat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    int32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    uint64_t st_atime_seconds;
    uint64_t st_atime_nanoseconds;
    uint64_t st_mtime_seconds;
    uint64_t st_mtime_nanoseconds;
    uint64_t st_ctime_seconds;
    uint64_t st_ctime_nanoseconds;
    int64_t reserved[3];
};
static_assert(sizeof(LinuxStat) == 144);
static_assert(offsetof(LinuxStat, st_rdev) == 40);
static_assert(offsetof(LinuxStat, st_atime_seconds) == 72);

// struct statx (include/uapi/linux/stat.h).
struct LinuxStatxTimestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct LinuxStatx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    LinuxStatxTimestamp stx_atime;
    LinuxStatxTimestamp stx_btime;
    LinuxStatxTimestamp stx_ctime;
    LinuxStatxTimestamp stx_mtime;
    uint32_t stx_rdev_major;
    uint32_t stx_rdev_minor;
    uint32_t stx_dev_major;
    uint32_t stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align;
    uint32_t stx_dio_offset_align;
    uint64_t spare3[12];
};
static_assert(sizeof(LinuxStatx) == 256);
static_assert(offsetof(LinuxStatx, stx_atime) == 64);
static_assert(offsetof(LinuxStatx, stx_rdev_major) == 128);

// struct flock of x86_64 (struct flock64 is the same).
struct LinuxFlock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};
static_assert(sizeof(LinuxFlock) == 32);
static_assert(offsetof(LinuxFlock, l_pid) == 24);

// struct statfs of x86_64 (include/uapi/asm-generic/statfs.h with 64-bit longs).
struct LinuxStatfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};
static_assert(sizeof(LinuxStatfs) == 120);

// The kernel's struct termios (include/uapi/asm-generic/termbits.h), what TCGETS copies: not
// the C library's, which is larger.
struct LinuxTermios {
    uint32_t c_iflag;
    uint32_t c_oflag;
    uint32_t c_cflag;
    uint32_t c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};
static_assert(sizeof(LinuxTermios) == 36);

struct LinuxWinsize {
    uint16_t ws_row;
    uint16_t ws_col;
    uint16_t ws_xpixel;
    uint16_t ws_ypixel;
};

// d_type values of getdents64(2).
enum class DirectoryEntryType : uint8_t {
    Unknown = 0,
    Fifo = 1,
    CharacterDevice = 2,
    Directory = 4,
    BlockDevice = 6,
    Regular = 8,
    Symlink = 10,
    Socket = 12,
};

constexpr DirectoryEntryType directory_entry_type_of(uint32_t mode)
{
    return DirectoryEntryType((mode & S_IFMT) >> 12);
}

}
