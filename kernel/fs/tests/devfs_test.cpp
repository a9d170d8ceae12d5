#include "test_support.h"

class DevfsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake_platform::reset();
        m_vfs = MUST(fs::Vfs::create());
        m_table = MUST(fs::FdTable::create());
    }
    RefPtr<fs::OpenFileDescription> open(std::string_view path, int flags)
    {
        auto& context = m_vfs->kernel_context();
        return MUST(fs::open(context, context.root(), path, flags, 0));
    }
    int error_of(ErrorOr<long> const& result) { return result.is_error() ? result.error().code() : 0; }
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

    fake_platform::input = "typed";
    char bytes[16];
    auto buffer = fs::IoBuffer::kernel(bytes, sizeof(bytes));
    EXPECT_EQ(MUST(MUST(m_table->get(0))->read(buffer)), 5u);
    EXPECT_EQ(std::string(bytes, 5), "typed");
    EXPECT_EQ(MUST(MUST(m_table->get(0))->read(buffer)), 0u);

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
