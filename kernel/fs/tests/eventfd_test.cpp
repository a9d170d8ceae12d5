// eventfd: the counter's rules (whole reads, semaphore reads, the maximum), the argument
// checks of read and write, non-blocking EAGAIN, readiness, and blocking paths played through
// the fake scheduler.
#include <cstdint>

#include <fs/eventfd.h>
#include <fs/open_file_description.h>
#include <fs/poll.h>

#include "fake_sched.h"
#include "test_support.h"

namespace {

using fs::EventCounter;

class EventFdTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
    }
    void TearDown() override
    {
        fake_sched::reset();
        FsTest::TearDown();
    }

    static ErrorOr<size_t> write_value(fs::OpenFileDescription& description, uint64_t value, size_t size = sizeof(uint64_t))
    {
        unsigned char bytes[16] = {};
        std::memcpy(bytes, &value, sizeof(value));
        auto buffer = fs::IoBuffer::kernel(bytes, size);
        return description.write(buffer);
    }
    static ErrorOr<uint64_t> read_value(fs::OpenFileDescription& description, size_t size = sizeof(uint64_t))
    {
        unsigned char bytes[16] = {};
        auto buffer = fs::IoBuffer::kernel(bytes, size);
        auto count = description.read(buffer);
        if (count.is_error())
            return count.error();
        EXPECT_EQ(count.value(), sizeof(uint64_t));
        uint64_t value;
        std::memcpy(&value, bytes, sizeof(value));
        return value;
    }
    static uint32_t events_of(fs::OpenFileDescription& description) { return description.inode().poll_events(description); }
    static fs::EventFd& eventfd_of(fs::OpenFileDescription& description) { return static_cast<fs::EventFd&>(description.inode()); }
};

class RecordingListener final : public fs::PollListener {
public:
    ~RecordingListener() = default;
    void readiness_changed(uint32_t events) override
    {
        ++notifications;
        last_events = events;
    }
    int notifications { 0 };
    uint32_t last_events { 0 };
};

}

TEST(EventCounter, ReadsTakeEverythingOrOneInSemaphoreMode)
{
    EventCounter counter(5, false);
    EXPECT_TRUE(counter.can_take());
    EXPECT_EQ(counter.take(), 5u);
    EXPECT_FALSE(counter.can_take());

    EventCounter semaphore(2, true);
    EXPECT_EQ(semaphore.take(), 1u);
    EXPECT_EQ(semaphore.take(), 1u);
    EXPECT_FALSE(semaphore.can_take());
}

TEST(EventCounter, AddsUpToTheMaximum)
{
    EventCounter counter(0, false);
    EXPECT_TRUE(counter.can_add(EventCounter::maximum));
    EXPECT_FALSE(counter.can_add(EventCounter::maximum + 1));
    counter.add(EventCounter::maximum - 1);
    EXPECT_TRUE(counter.can_add(1));
    EXPECT_FALSE(counter.can_add(2));
    counter.add(1);
    EXPECT_EQ(counter.value(), EventCounter::maximum);
    EXPECT_FALSE(counter.can_add(1));
    EXPECT_TRUE(counter.can_add(0));
}

TEST_F(EventFdTest, DescriptionIsReadWriteWithItsFlags)
{
    auto description = MUST(fs::create_eventfd(3, O_NONBLOCK | fs::efd_semaphore));
    EXPECT_EQ(description->flags(), O_RDWR | O_NONBLOCK);
    EXPECT_TRUE(eventfd_of(*description).counter().is_semaphore());
    EXPECT_EQ(eventfd_of(*description).counter().value(), 3u);
    EXPECT_EQ(std::string(MUST(description->inode().anonymous_path()).view()), "anon_inode:[eventfd]");

    fs::LinuxStat stat;
    description->inode().fill_stat(stat);
    EXPECT_EQ(stat.st_mode, 0600u);
    EXPECT_EQ(stat.st_nlink, 1u);
}

TEST_F(EventFdTest, ReadAndWriteCheckTheirArguments)
{
    auto description = MUST(fs::create_eventfd(1, O_NONBLOCK));
    EXPECT_EQ(error_of(read_value(*description, 7)), EINVAL);
    EXPECT_EQ(error_of(write_value(*description, 1, 7)), EINVAL);
    EXPECT_EQ(error_of(write_value(*description, ~uint64_t(0))), EINVAL);
    // Longer buffers read 8 bytes; writes take exactly 8.
    EXPECT_EQ(error_of(write_value(*description, 2, 16)), EINVAL);
    MUST(write_value(*description, 2));
    EXPECT_EQ(MUST(read_value(*description, 16)), 3u);
}

TEST_F(EventFdTest, NonBlockingEmptyReadAndFullWriteAreEagain)
{
    auto description = MUST(fs::create_eventfd(0, O_NONBLOCK));
    EXPECT_EQ(error_of(read_value(*description)), EAGAIN);
    EXPECT_EQ(events_of(*description), fs::poll_out | fs::poll_wrnorm);
    MUST(write_value(*description, EventCounter::maximum));
    EXPECT_EQ(events_of(*description), fs::poll_in | fs::poll_rdnorm);
    EXPECT_EQ(error_of(write_value(*description, 1)), EAGAIN);
    // Adding nothing always fits.
    EXPECT_EQ(MUST(write_value(*description, 0)), 8u);
    EXPECT_EQ(MUST(read_value(*description)), EventCounter::maximum);
    EXPECT_EQ(fake_sched::wait_count, 0u);
}

TEST_F(EventFdTest, BlockingReadWaitsForAWrite)
{
    auto description = MUST(fs::create_eventfd(0, 0));
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        MUST(write_value(*description, 7));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(read_value(*description)), 7u);
    EXPECT_EQ(fake_sched::wait_count, 1u);
}

TEST_F(EventFdTest, BlockingWriteWaitsForRoom)
{
    auto description = MUST(fs::create_eventfd(0, 0));
    MUST(write_value(*description, EventCounter::maximum - 1));
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        MUST(read_value(*description));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(write_value(*description, 2)), 8u);
    EXPECT_EQ(fake_sched::wait_count, 1u);
    EXPECT_EQ(eventfd_of(*description).counter().value(), 2u);
}

TEST_F(EventFdTest, InterruptedWaitsAreEintr)
{
    auto description = MUST(fs::create_eventfd(0, 0));
    EXPECT_EQ(error_of(read_value(*description)), EINTR);
    MUST(write_value(*description, EventCounter::maximum));
    EXPECT_EQ(error_of(write_value(*description, 1)), EINTR);
    EXPECT_EQ(eventfd_of(*description).counter().value(), EventCounter::maximum);
}

TEST_F(EventFdTest, ReadsAndWritesNotifyPollers)
{
    auto description = MUST(fs::create_eventfd(0, O_NONBLOCK));
    RecordingListener listener;
    listener.listen(*description->inode().poll_queue());
    MUST(write_value(*description, 1));
    EXPECT_EQ(listener.notifications, 1);
    EXPECT_TRUE(listener.last_events & fs::poll_in);
    MUST(read_value(*description));
    EXPECT_EQ(listener.notifications, 2);
    EXPECT_TRUE(listener.last_events & fs::poll_out);
    listener.stop_listening();
}
