#include "fake_sched.h"
#include "test_support.h"

class DevfsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake_platform::reset();
        fake_sched::reset();
        m_vfs = MUST(fs::Vfs::create());
        m_table = MUST(fs::FdTable::create());
    }
    RefPtr<fs::OpenFileDescription> open(std::string_view path, int flags)
    {
        auto& context = m_vfs->kernel_context();
        return MUST(fs::open(context, context.root(), path, flags, 0));
    }
    int error_of(ErrorOr<long> const& result) { return result.is_error() ? result.error().code() : 0; }
    // The host's side of the next wait: it sends `text` and answers with its length (an empty
    // text is the end of input).
    void host_answers_with(std::string text)
    {
        fake_sched::on_wait = [text](sched::WaitQueue&, uint64_t) {
            auto sent = text; // resetting on_wait destroys this lambda and its capture
            fake_sched::on_wait = nullptr;
            fake_platform::input_handler.received(sent.data(), sent.size());
            fake_platform::input_handler.answered(sent.size());
            return sched::WakeReason::Woken;
        };
    }
    // Reads at most `most` bytes from descriptor `fd`; "<errno N>" on failure.
    std::string read_input(int fd, size_t most)
    {
        std::string bytes(most, '\0');
        auto buffer = fs::IoBuffer::kernel(bytes.data(), most);
        auto result = MUST(m_table->get(fd))->read(buffer);
        if (result.is_error())
            return "<errno " + std::to_string(result.error().code()) + ">";
        bytes.resize(result.value());
        return bytes;
    }
    OwnPtr<fs::Vfs> m_vfs;
    RefPtr<fs::FdTable> m_table;
};

TEST_F(DevfsTest, DeviceNumbersAndModes)
{
    struct Expected {
        char const* path;
        uint32_t major, minor, permissions;
    };
    Expected const devices[] = {
        { "/dev/null", 1, 3, 0666 },
        { "/dev/zero", 1, 5, 0666 },
        { "/dev/full", 1, 7, 0666 },
        { "/dev/random", 1, 8, 0666 },
        { "/dev/urandom", 1, 9, 0666 },
        { "/dev/tty", 5, 0, 0666 },
        { "/dev/console", 5, 1, 0600 },
    };
    for (auto const& device : devices) {
        auto description = open(device.path, O_RDONLY);
        fs::LinuxStat stat;
        description->inode().fill_stat(stat);
        EXPECT_EQ(stat.st_mode, S_IFCHR | device.permissions) << device.path;
        EXPECT_EQ(stat.st_rdev, fs::encode_device(device.major, device.minor)) << device.path;
        fs::LinuxStatx statx;
        description->inode().fill_statx(statx);
        EXPECT_EQ(statx.stx_rdev_major, device.major) << device.path;
        EXPECT_EQ(statx.stx_rdev_minor, device.minor) << device.path;
    }
    EXPECT_EQ(fs::encode_device(5, 1), 0x501u);
    EXPECT_EQ(fs::encode_device(1, 3), 0x103u);
}

TEST_F(DevfsTest, NullZeroFullRandom)
{
    char bytes[8];
    memset(bytes, 'x', sizeof(bytes));
    auto buffer = fs::IoBuffer::kernel(bytes, sizeof(bytes));
    auto null = open("/dev/null", O_RDWR);
    EXPECT_EQ(MUST(null->read(buffer)), 0u);
    EXPECT_EQ(MUST(null->write(buffer)), 8u);
    EXPECT_EQ(MUST(null->seek(100, SEEK_SET)), 0u);
    auto zero = open("/dev/zero", O_RDWR);
    EXPECT_EQ(MUST(zero->read(buffer)), 8u);
    EXPECT_EQ(std::string(bytes, 8), std::string(8, '\0'));
    auto full = open("/dev/full", O_RDWR);
    EXPECT_EQ(full->write(buffer).error().code(), ENOSPC);
    auto random = open("/dev/urandom", O_RDONLY);
    EXPECT_EQ(MUST(random->read(buffer)), 8u);
    EXPECT_EQ(std::string(bytes, 8), std::string(8, '\xa5'));
    EXPECT_EQ(error_of(null->ioctl(TCGETS, reinterpret_cast<uintptr_t>(bytes))), ENOTTY);
    EXPECT_FALSE(null->inode().can_sync());
}

TEST_F(DevfsTest, ConsoleDescriptors)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs));
    EXPECT_EQ(m_table->open_count(), 3u);
    EXPECT_EQ(MUST(m_table->get(0)), MUST(m_table->get(1)));
    auto write = [&](int fd, std::string_view text) {
        auto buffer = fs::IoBuffer::kernel(text.data(), text.size());
        return MUST(MUST(m_table->get(fd))->write(buffer));
    };
    EXPECT_EQ(write(1, "out"), 3u);
    EXPECT_EQ(write(2, "err"), 3u);
    EXPECT_EQ(write(0, "!"), 1u);
    EXPECT_EQ(fake_platform::output, "out!");
    EXPECT_EQ(fake_platform::error, "err");

    // A read with nothing waiting asks the host and waits; here the host sends a line.
    host_answers_with("typed");
    EXPECT_EQ(read_input(0, 16), "typed");
    EXPECT_EQ(fake_platform::input_requests, std::vector<size_t> { 16 });

    // Standard error looks like the console.
    fs::LinuxStat out_stat, error_stat;
    MUST(m_table->get(1))->inode().fill_stat(out_stat);
    MUST(m_table->get(2))->inode().fill_stat(error_stat);
    EXPECT_EQ(out_stat.st_rdev, error_stat.st_rdev);
    EXPECT_EQ(out_stat.st_mode, error_stat.st_mode);
    EXPECT_TRUE(MUST(m_table->get(2))->inode().is_terminal());
    EXPECT_EQ(MUST(m_table->get(2))->seek(0, SEEK_CUR).error().code(), ESPIPE);
}

TEST_F(DevfsTest, TerminalIoctls)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs));
    auto out = MUST(m_table->get(1));
    auto error = MUST(m_table->get(2));
    fs::LinuxTermios termios;
    MUST(out->ioctl(TCGETS, reinterpret_cast<uintptr_t>(&termios)));
    EXPECT_EQ(termios.c_lflag & 2, 2u); // ICANON
    EXPECT_EQ(termios.c_cc[0], 3); // VINTR is ^C
    termios.c_lflag &= ~2u;
    MUST(error->ioctl(TCSETSW, reinterpret_cast<uintptr_t>(&termios)));
    fs::LinuxTermios again;
    MUST(out->ioctl(TCGETS, reinterpret_cast<uintptr_t>(&again)));
    EXPECT_EQ(again.c_lflag & 2, 0u);
    fs::LinuxWinsize size;
    MUST(out->ioctl(TIOCGWINSZ, reinterpret_cast<uintptr_t>(&size)));
    EXPECT_EQ(size.ws_row, 24);
    EXPECT_EQ(size.ws_col, 80);
    EXPECT_EQ(error_of(out->ioctl(TIOCGPGRP, reinterpret_cast<uintptr_t>(&size))), ENOTTY);
    EXPECT_EQ(error_of(out->ioctl(TCGETS, 16)), EFAULT);
    EXPECT_EQ(error_of(out->ioctl(0x1234, 0)), ENOTTY);
}

TEST_F(DevfsTest, ShmDirectoryExists)
{
    auto description = open("/dev/shm", O_RDONLY | O_DIRECTORY);
    EXPECT_EQ(description->inode().permissions(), 01777u);
}

TEST_F(DevfsTest, InputIsAskedForAndEndsWhenTheHostSaysSo)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs));
    // The host sends less than asked; the reader gets what came, without waiting for more.
    host_answers_with("ab");
    EXPECT_EQ(read_input(0, 100), "ab");
    // Each read asks for what it wants, so the host's input is consumed no faster than the
    // application reads it.
    host_answers_with("cde");
    EXPECT_EQ(read_input(0, 3), "cde");
    host_answers_with("fg");
    EXPECT_EQ(read_input(0, 3), "fg");
    EXPECT_EQ(fake_platform::input_requests, (std::vector<size_t> { 100, 3, 3 }));
    host_answers_with("hij");
    EXPECT_EQ(read_input(0, 50), "hij");
    fake_platform::input_requests.clear();
    // The end of input reaches one read; the next asks the host again, as a terminal's does.
    host_answers_with("");
    EXPECT_EQ(read_input(0, 8), "");
    host_answers_with("more");
    EXPECT_EQ(read_input(0, 8), "more");
    EXPECT_EQ(fake_platform::input_requests, (std::vector<size_t> { 8, 8 }));
    // Requests never exceed the kernel's buffer; a signal interrupts the wait.
    EXPECT_EQ(read_input(0, 100000), "<errno " + std::to_string(EINTR) + ">");
    EXPECT_EQ(fake_platform::input_requests.back(), fs::ConsoleInput::capacity);
}

TEST_F(DevfsTest, TheEndOfInputWaitsForBytesStillOnTheirWay)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs));
    // The answer overtakes its bytes: the reader waits for them and asks for nothing more.
    fake_sched::on_wait = [](sched::WaitQueue&, uint64_t) {
        fake_platform::input_handler.answered(3);
        fake_sched::on_wait = [](sched::WaitQueue&, uint64_t) {
            fake_platform::input_handler.received("xy", 2);
            fake_sched::on_wait = nullptr;
            return sched::WakeReason::Woken;
        };
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(read_input(0, 10), "xy");
    fake_sched::on_wait = [](sched::WaitQueue&, uint64_t) {
        fake_platform::input_handler.received("z", 1);
        fake_sched::on_wait = nullptr;
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(read_input(0, 10), "z");
    EXPECT_EQ(fake_platform::input_requests, std::vector<size_t> { 10 });
    // More than was asked for breaks the protocol and is dropped.
    fake_sched::on_wait = [](sched::WaitQueue&, uint64_t) {
        fake_platform::input_handler.received("123456", 6);
        fake_platform::input_handler.answered(6);
        fake_sched::on_wait = nullptr;
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(read_input(0, 4), "1234");
    host_answers_with("");
    EXPECT_EQ(read_input(0, 4), "");
}

TEST_F(DevfsTest, NonBlockingReadsPollAndFionread)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs));
    auto input = MUST(m_table->get(0));
    input->set_status_flags(O_NONBLOCK);
    // Not readable yet, but looking asks the host for a whole buffer.
    EXPECT_EQ(input->inode().poll_events(*input) & fs::poll_in, 0u);
    EXPECT_EQ(fake_platform::input_requests, std::vector<size_t> { fs::ConsoleInput::capacity });
    EXPECT_EQ(read_input(0, 8), "<errno " + std::to_string(EAGAIN) + ">");
    EXPECT_EQ(fake_platform::input_requests.size(), 1u);
    fake_platform::input_handler.received("hello", 5);
    fake_platform::input_handler.answered(5);
    EXPECT_NE(input->inode().poll_events(*input) & fs::poll_in, 0u);
    int waiting = -1;
    MUST(input->ioctl(FIONREAD, reinterpret_cast<uintptr_t>(&waiting)));
    EXPECT_EQ(waiting, 5);
    // tcflush(TCIFLUSH) drops it.
    MUST(input->ioctl(TCFLSH, 0));
    MUST(input->ioctl(FIONREAD, reinterpret_cast<uintptr_t>(&waiting)));
    EXPECT_EQ(waiting, 0);
    EXPECT_EQ(error_of(input->ioctl(TCFLSH, 3)), EINVAL);
    // The end of input is readable too.
    EXPECT_EQ(input->inode().poll_events(*input) & fs::poll_in, 0u);
    fake_platform::input_handler.answered(0);
    EXPECT_NE(input->inode().poll_events(*input) & fs::poll_in, 0u);
    EXPECT_EQ(read_input(0, 8), "");
}

TEST_F(DevfsTest, RedirectedStreamsAreNotTerminals)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs, { .input_terminal = false, .output_terminal = false, .error_terminal = false }));
    auto input = MUST(m_table->get(0));
    auto output = MUST(m_table->get(1));
    auto error = MUST(m_table->get(2));
    EXPECT_NE(input, output);
    for (auto const& description : { input, output, error }) {
        EXPECT_FALSE(description->inode().is_terminal());
        fs::LinuxTermios termios;
        EXPECT_EQ(error_of(description->ioctl(TCGETS, reinterpret_cast<uintptr_t>(&termios))), ENOTTY);
        fs::LinuxStat stat;
        description->inode().fill_stat(stat);
        EXPECT_EQ(stat.st_rdev, fs::encode_device(5, 1));
    }
    // Like a pipe's ends: standard input only reads, the others only write.
    char byte = 'x';
    auto one = fs::IoBuffer::kernel(&byte, 1);
    EXPECT_EQ(input->write(one).error().code(), EBADF);
    EXPECT_EQ(output->read(one).error().code(), EBADF);
    EXPECT_EQ(error->read(one).error().code(), EBADF);
    EXPECT_EQ(MUST(output->write(one)), 1u);
    EXPECT_EQ(MUST(error->write(one)), 1u);
    EXPECT_EQ(fake_platform::output, "x");
    EXPECT_EQ(fake_platform::error, "x");
    int waiting = -1;
    MUST(input->ioctl(FIONREAD, reinterpret_cast<uintptr_t>(&waiting)));
    EXPECT_EQ(waiting, 0);
    host_answers_with("piped");
    EXPECT_EQ(read_input(0, 16), "piped");
}

TEST_F(DevfsTest, OnlyStandardInputATerminal)
{
    MUST(fs::open_console_descriptors(*m_table, *m_vfs, { .input_terminal = true, .output_terminal = false, .error_terminal = true }));
    EXPECT_NE(MUST(m_table->get(0)), MUST(m_table->get(1)));
    EXPECT_TRUE(MUST(m_table->get(0))->inode().is_terminal());
    EXPECT_FALSE(MUST(m_table->get(1))->inode().is_terminal());
    EXPECT_TRUE(MUST(m_table->get(2))->inode().is_terminal());
    fs::LinuxWinsize size;
    MUST(MUST(m_table->get(0))->ioctl(TIOCGWINSZ, reinterpret_cast<uintptr_t>(&size)));
    EXPECT_EQ(size.ws_col, 80);
}
