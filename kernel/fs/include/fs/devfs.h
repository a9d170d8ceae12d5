#pragma once

#include <cstdint>

#include <fs/console_input.h>
#include <fs/fd_table.h>
#include <fs/inode.h>
#include <fs/poll.h>
#include <fs/ramfs.h>
#include <plat/console.h>
#include <sched/wait_queue.h>

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

// The console's state, shared by every inode that reaches it: the terminal settings, so that
// a TCSETS through standard error is seen by TCGETS through standard input, and standard
// input with its readers. The most recently created console receives the host's input.
class Console : public RefCounted<Console> {
public:
    static ErrorOr<RefPtr<Console>> create();
    ~Console();
    LinuxTermios termios;
    LinuxWinsize window_size { 24, 80, 0, 0 };
    ConsoleInput input;
    // Readers waiting for input, and readiness listeners (epoll). Output never waits, so only
    // input is ever announced.
    sched::WaitQueue input_queue;
    PollQueue poll_queue;

    // Asks the host for input on behalf of a reader that wants `wanted` bytes, unless input is
    // waiting or already asked for.
    void request_input(size_t wanted);
    // The interrupt path's side: bytes and answers from the host.
    void input_received(char const* bytes, size_t length);
    void input_answered(size_t count);

private:
    Console();
};

// A character device node on the host's console. Reads take what the host sends as standard
// input; writes go to `stream`: /dev/console writes the application's standard output, and a
// second inode of the same kind, used for the initial descriptor 2, writes standard error.
// All look like /dev/console (5:1) to stat(2). An inode that is not a `terminal` stands for a
// standard stream the host redirected (a pipe or a file there): terminal ioctls fail with
// ENOTTY, so isatty(3) answers as it would natively.
class ConsoleDevice final : public Inode {
public:
    static ErrorOr<RefPtr<ConsoleDevice>> create(FileSystem&, RefPtr<Console>, plat::ConsoleStream, uint64_t device_number = device_numbers::console, uint32_t permissions = 0600, bool terminal = true);

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer&) override;
    ErrorOr<long> ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument) override;
    bool is_seekable() const override { return false; }
    bool is_terminal() const override { return m_terminal; }
    uint32_t poll_events(OpenFileDescription const&) const override;
    PollQueue* poll_queue() override { return &m_console->poll_queue; }
    Console& console() const { return *m_console; }

private:
    ConsoleDevice(FileSystem& file_system, RefPtr<Console> console, plat::ConsoleStream stream, uint64_t device_number, uint32_t permissions, bool terminal)
        : Inode(file_system, S_IFCHR | permissions, device_number)
        , m_console(std::move(console))
        , m_stream(stream)
        , m_terminal(terminal)
    {
    }
    RefPtr<Console> m_console;
    plat::ConsoleStream m_stream;
    bool m_terminal;
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

// Which of the application's standard streams are terminals: those the CLI's own are
// (docs/protocol.md, "The standard streams").
struct ConsoleSetup {
    bool input_terminal { true };
    bool output_terminal { true };
    bool error_terminal { true };
};

// Descriptors 0, 1 and 2 of a fresh table on the console. With standard input and output both
// terminals, 0 and 1 share one read-write description of /dev/console, as after a login;
// otherwise 0 is a read-only description and 1 a write-only one, each of an inode that is a
// terminal or not as `setup` says. 2 is a description of the console twin that writes
// standard error, read-write as a terminal and write-only otherwise.
ErrorOr<void> open_console_descriptors(FdTable&, ConsoleSetup const& = {});
// The size TIOCGWINSZ reports: the host terminal's.
void set_console_window_size(uint16_t rows, uint16_t columns);
ErrorOr<void> open_console_descriptors(FdTable&, Vfs&, ConsoleSetup const& = {});

}
