#pragma once

#include <cstdint>

#include <fs/fd_table.h>
#include <fs/inode.h>
#include <fs/poll.h>
#include <fs/ramfs.h>
#include <plat/console.h>

namespace fs {

// Linux's device numbers, so that programs comparing st_rdev see what they expect.
namespace device_numbers {
constexpr uint64_t null = encode_device(1, 3);
constexpr uint64_t zero = encode_device(1, 5);
constexpr uint64_t full = encode_device(1, 7);
constexpr uint64_t random = encode_device(1, 8);
constexpr uint64_t urandom = encode_device(1, 9);
constexpr uint64_t tty = encode_device(5, 0);
constexpr uint64_t console = encode_device(5, 1);
}

// The terminal settings of the console, shared by every inode that reaches it, so that a
// TCSETS through standard error is seen by TCGETS through standard input.
class Console : public RefCounted<Console> {
public:
    static ErrorOr<RefPtr<Console>> create();
    LinuxTermios termios;
    LinuxWinsize window_size { 24, 80, 0, 0 };
    // Readiness listeners (epoll). Input ends at once and output never waits, so the console is
    // always readable and writable and nothing is ever announced here.
    PollQueue poll_queue;

private:
    Console();
};

// A character device node that is a terminal on the host's console. Reads take what the host
// sends as standard input; writes go to `stream`: /dev/console writes the application's
// standard output, and a second inode of the same kind, used for the initial descriptor 2,
// writes standard error. Both look like /dev/console (5:1) to stat(2) and isatty(3).
class ConsoleDevice final : public Inode {
public:
    static ErrorOr<RefPtr<ConsoleDevice>> create(FileSystem&, RefPtr<Console>, plat::ConsoleStream, uint64_t device_number = device_numbers::console, uint32_t permissions = 0600);

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<long> ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument) override;
    bool is_seekable() const override { return false; }
    bool is_terminal() const override { return true; }
    PollQueue* poll_queue() override { return &m_console->poll_queue; }

private:
    ConsoleDevice(FileSystem& file_system, RefPtr<Console> console, plat::ConsoleStream stream, uint64_t device_number, uint32_t permissions)
        : Inode(file_system, S_IFCHR | permissions, device_number)
        , m_console(std::move(console))
        , m_stream(stream)
    {
    }
    RefPtr<Console> m_console;
    plat::ConsoleStream m_stream;
};

// /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom.
class MemoryDevice final : public Inode {
public:
    enum class Kind {
        Null,
        Zero,
        Full,
        Random,
    };
    static ErrorOr<RefPtr<MemoryDevice>> create(FileSystem&, Kind, uint64_t device_number);

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    bool seeks_to_zero() const override { return true; }

private:
    MemoryDevice(FileSystem& file_system, Kind kind, uint64_t device_number)
        : Inode(file_system, S_IFCHR | 0666, device_number)
        , m_kind(kind)
    {
    }
    Kind m_kind;
};

// Fills /dev: console, tty, null, zero, full, random, urandom and an empty shm directory.
// With procfs, /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr are symlinks into
// /proc/self/fd, as udev makes them.
ErrorOr<void> populate_devfs(RamDirectory& dev, RefPtr<Console>);

class Vfs;

// Descriptors 0, 1 and 2 of a fresh table on the console: 0 and 1 share one read-write
// description of /dev/console (standard output), 2 is a read-write description of the console
// twin that writes standard error.
ErrorOr<void> open_console_descriptors(FdTable&);
ErrorOr<void> open_console_descriptors(FdTable&, Vfs&);

}
