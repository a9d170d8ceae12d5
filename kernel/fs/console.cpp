#include <algorithm>
#include <cstring>
#include <new>

#include <fs/devfs.h>
#include <lib/user_memory.h>

namespace fs {

ErrorOr<RefPtr<Console>> Console::create()
{
    auto* pointer = new (std::nothrow) Console();
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<Console>::adopt(pointer);
}

// Linux's tty_std_termios: ICRNL|IXON in, OPOST|ONLCR out, B38400|CS8|CREAD|HUPCL, and
// ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, with the INIT_C_CC control characters
// (^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V).
Console::Console()
{
    memset(&termios, 0, sizeof(termios));
    termios.c_iflag = 0000400 | 0002000;
    termios.c_oflag = 0000001 | 0000004;
    termios.c_cflag = 0000017 | 0000060 | 0000200 | 0002000;
    termios.c_lflag = 0000001 | 0000002 | 0000010 | 0000020 | 0000040 | 0001000 | 0004000 | 0100000;
    uint8_t const control_characters[] = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0 };
    memcpy(termios.c_cc, control_characters, sizeof(control_characters));
}

ErrorOr<RefPtr<ConsoleDevice>> ConsoleDevice::create(FileSystem& file_system, RefPtr<Console> console, plat::ConsoleStream stream, uint64_t device_number, uint32_t permissions)
{
    auto* pointer = new (std::nothrow) ConsoleDevice(file_system, std::move(console), stream, device_number, permissions);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<ConsoleDevice>::adopt(pointer);
}

ErrorOr<size_t> ConsoleDevice::read(OpenFileDescription&, uint64_t, IoBuffer& buffer)
{
    char bytes[256];
    size_t wanted = std::min(buffer.size(), sizeof(bytes));
    if (wanted == 0)
        return size_t(0);
    size_t count = plat::console_read(bytes, wanted);
    TRY(buffer.write(0, bytes, count));
    return count;
}

ErrorOr<size_t> ConsoleDevice::write(OpenFileDescription&, uint64_t, IoBuffer& buffer)
{
    char bytes[256];
    size_t done = 0;
    while (done < buffer.size()) {
        size_t chunk = std::min(buffer.size() - done, sizeof(bytes));
        if (auto result = buffer.read(done, bytes, chunk); result.is_error())
            return done ? ErrorOr<size_t>(done) : ErrorOr<size_t>(result.error());
        plat::console_write(m_stream, bytes, chunk);
        done += chunk;
    }
    touch_modification_and_change_time();
    return done;
}

// ioctl_tty(2). The console keeps its settings but does not apply them: input is whatever the
// host relays, with no line discipline yet.
ErrorOr<long> ConsoleDevice::ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument)
{
    switch (request) {
    case TCGETS:
        TRY(UserPtr<LinuxTermios>(argument).write(m_console->termios));
        return 0;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        // Nothing is buffered, so draining output (W) and flushing input (F) are done already.
        m_console->termios = TRY(UserPtr<LinuxTermios>(argument).read());
        return 0;
    case TIOCGWINSZ:
        TRY(UserPtr<LinuxWinsize>(argument).write(m_console->window_size));
        return 0;
    case TIOCSWINSZ:
        m_console->window_size = TRY(UserPtr<LinuxWinsize>(argument).read());
        return 0;
    case FIONREAD:
        // Input is not queued in the kernel yet: nothing is known to be waiting.
        TRY(UserPtr<int>(argument).write(0));
        return 0;
    default:
        // Job control (TIOCGPGRP, TIOCSPGRP, TIOCSCTTY) waits for process groups.
        return Error(ENOTTY);
    }
}

}
