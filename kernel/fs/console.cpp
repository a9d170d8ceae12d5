#include <algorithm>
#include <cstring>
#include <new>

#include <fs/devfs.h>
#include <lib/user_memory.h>

namespace fs {

namespace {

// The console the host's input goes to.
Console* s_input_console;

void input_received(char const* bytes, size_t length)
{
    if (s_input_console)
        s_input_console->input_received(bytes, length);
}

void input_answered(size_t count)
{
    if (s_input_console)
        s_input_console->input_answered(count);
}

}

ErrorOr<RefPtr<Console>> Console::create()
{
    auto* pointer = new (std::nothrow) Console();
    if (!pointer)
        return Error(ENOMEM);
    s_input_console = pointer;
    plat::set_console_input_handler({ fs::input_received, fs::input_answered });
    return RefPtr<Console>::adopt(pointer);
}

Console::~Console()
{
    if (s_input_console == this)
        s_input_console = nullptr;
}

void Console::request_input(size_t wanted)
{
    if (size_t most = input.start_request(wanted))
        plat::console_request_input(most);
}

void Console::input_received(char const* bytes, size_t length)
{
    input.receive(bytes, length);
    input_queue.wake_all();
    poll_queue.notify(poll_in | poll_rdnorm);
}

void Console::input_answered(size_t count)
{
    input.answer(count);
    input_queue.wake_all();
    poll_queue.notify(poll_in | poll_rdnorm);
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

ErrorOr<RefPtr<ConsoleDevice>> ConsoleDevice::create(FileSystem& file_system, RefPtr<Console> console, plat::ConsoleStream stream, uint64_t device_number, uint32_t permissions, bool terminal)
{
    auto* pointer = new (std::nothrow) ConsoleDevice(file_system, std::move(console), stream, device_number, permissions, terminal);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<ConsoleDevice>::adopt(pointer);
}

// n_tty_read() as the host's terminal (or pipe, or file) feeds it: what has arrived, at least a
// byte, without waiting for more; 0 once the host reports the end of input.
ErrorOr<size_t> ConsoleDevice::read(OpenFileDescription& description, uint64_t, IoBuffer& buffer)
{
    if (buffer.size() == 0)
        return size_t(0);
    auto& input = m_console->input;
    for (;;) {
        if (size_t available = input.available()) {
            size_t count = std::min(buffer.size(), available);
            auto first = input.first_piece();
            size_t from_first = std::min(count, first.length);
            TRY(buffer.write(0, first.bytes, from_first));
            if (count > from_first)
                TRY(buffer.write(from_first, input.second_piece().bytes, count - from_first));
            input.consume(count);
            return count;
        }
        if (input.at_end()) {
            input.take_end();
            return size_t(0);
        }
        m_console->request_input(buffer.size());
        if (description.is_nonblocking())
            return Error(EAGAIN);
        if (m_console->input_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
}

// Readable once input has arrived or its end has been reported; looking for input asks the
// host for it, as a reader would. Output never waits.
uint32_t ConsoleDevice::poll_events(OpenFileDescription const& description) const
{
    uint32_t events = 0;
    if (description.is_readable()) {
        auto& input = m_console->input;
        if (input.available() || input.at_end())
            events |= poll_in | poll_rdnorm;
        else
            m_console->request_input(ConsoleInput::capacity);
    }
    if (description.is_writable())
        events |= poll_out | poll_wrnorm;
    return events;
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

// ioctl_tty(2). The console keeps its settings but does not apply them: the host's terminal
// does the line editing and the echo, and output goes out as it is written.
ErrorOr<long> ConsoleDevice::ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument)
{
    if (request == FIONREAD) {
        TRY(UserPtr<int>(argument).write(int(m_console->input.available())));
        return 0;
    }
    if (!m_terminal)
        return Error(ENOTTY);
    switch (request) {
    case TCGETS:
        TRY(UserPtr<LinuxTermios>(argument).write(m_console->termios));
        return 0;
    case TCSETS:
    case TCSETSW:
        m_console->termios = TRY(UserPtr<LinuxTermios>(argument).read());
        return 0;
    case TCSETSF:
        m_console->termios = TRY(UserPtr<LinuxTermios>(argument).read());
        m_console->input.discard();
        return 0;
    case TCSBRK:
        // tcdrain(3) and tcsendbreak(3): output is never buffered, and a break means nothing.
        return 0;
    case TCFLSH:
        if (argument > 2)
            return Error(EINVAL);
        // Output is never buffered, so only input has anything to flush.
        if (argument == 0 || argument == 2)
            m_console->input.discard();
        return 0;
    case TIOCGWINSZ:
        TRY(UserPtr<LinuxWinsize>(argument).write(m_console->window_size));
        return 0;
    case TIOCSWINSZ:
        m_console->window_size = TRY(UserPtr<LinuxWinsize>(argument).read());
        return 0;
    default:
        // Job control (TIOCGPGRP, TIOCSPGRP, TIOCSCTTY) waits for a controlling terminal.
        return Error(ENOTTY);
    }
}

}
