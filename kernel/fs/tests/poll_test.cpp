// poll_descriptors(), the core of poll(2) and select(2): readiness of files of every kind,
// POLLNVAL, immediate and timed waits, wakeups through a file's poll queue.
#include <vector>

#include <fs/devfs.h>
#include <fs/pipe.h>
#include <fs/poll.h>

#include "fake_sched.h"
#include "test_support.h"

namespace {

class PollTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
        m_table = MUST(fs::FdTable::create());
        auto ends = MUST(fs::create_pipe(0));
        m_read_fd = MUST(m_table->allocate(ends.read_end, false));
        m_write_fd = MUST(m_table->allocate(ends.write_end, false));
        write_file("/file", "data");
        m_file_fd = MUST(m_table->allocate(MUST(open("/file", O_RDONLY)), false));
    }
    void TearDown() override
    {
        m_table = nullptr;
        fake_sched::reset();
        FsTest::TearDown();
    }

    fs::PipeInode& pipe() { return static_cast<fs::PipeInode&>(MUST(m_table->get(m_read_fd))->inode()); }
    void write_to_pipe(char const* bytes)
    {
        auto buffer = fs::IoBuffer::kernel(bytes, strlen(bytes));
        MUST(MUST(m_table->get(m_write_fd))->write(buffer));
    }
    ErrorOr<size_t> poll(std::vector<fs::PollRequest>& requests, fs::PollDeadline deadline = fs::PollDeadline::never())
    {
        return fs::poll_descriptors(*m_table, { requests.data(), requests.size() }, deadline);
    }

    RefPtr<fs::FdTable> m_table;
    int m_read_fd { -1 };
    int m_write_fd { -1 };
    int m_file_fd { -1 };
};

}

TEST_F(PollTest, RegularFilesAreAlwaysReady)
{
    std::vector<fs::PollRequest> requests { { m_file_fd, fs::poll_in | fs::poll_out | fs::poll_pri, 0 } };
    EXPECT_EQ(MUST(poll(requests)), 1u);
    // Readable and writable whatever the access mode, never "priority".
    EXPECT_EQ(requests[0].revents, fs::poll_in | fs::poll_out);
    EXPECT_EQ(fake_sched::wait_count, 0u);
}

TEST_F(PollTest, ClosedAndNegativeDescriptors)
{
    std::vector<fs::PollRequest> requests {
        { -1, fs::poll_in, 77 },
        { 100, fs::poll_in, 0 },
        { m_write_fd, fs::poll_out, 0 },
    };
    EXPECT_EQ(MUST(poll(requests)), 2u);
    EXPECT_EQ(requests[0].revents, 0u);
    EXPECT_EQ(requests[1].revents, fs::poll_nval);
    EXPECT_EQ(requests[2].revents, fs::poll_out);

    int path_fd = MUST(m_table->allocate(MUST(open("/file", O_PATH)), false));
    std::vector<fs::PollRequest> path_request { { path_fd, fs::poll_in, 0 } };
    EXPECT_EQ(MUST(poll(path_request)), 1u);
    EXPECT_EQ(path_request[0].revents, fs::poll_nval);
}

TEST_F(PollTest, ImmediateDoesNotWait)
{
    std::vector<fs::PollRequest> requests { { m_read_fd, fs::poll_in, 0 } };
    EXPECT_EQ(MUST(poll(requests, fs::PollDeadline::immediate())), 0u);
    EXPECT_EQ(requests[0].revents, 0u);
    EXPECT_EQ(fake_sched::wait_count, 0u);
}

TEST_F(PollTest, WakesWhenDataArrives)
{
    std::vector<fs::PollRequest> requests {
        { m_file_fd, fs::poll_pri, 0 }, // never ready: files have no priority data
        { m_read_fd, fs::poll_in, 0 },
    };
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        // Both descriptors' queues are listened to while waiting (the file has none).
        EXPECT_TRUE(pipe().poll_queue()->has_listeners());
        write_to_pipe("x");
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(poll(requests)), 1u);
    EXPECT_EQ(requests[0].revents, 0u);
    EXPECT_EQ(requests[1].revents, fs::poll_in);
    EXPECT_EQ(fake_sched::wait_count, 1u);
    EXPECT_FALSE(pipe().poll_queue()->has_listeners());
}

TEST_F(PollTest, HangupIsReportedUnasked)
{
    std::vector<fs::PollRequest> requests { { m_read_fd, 0, 0 } };
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        MUST(m_table->close(m_write_fd));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(poll(requests)), 1u);
    EXPECT_EQ(requests[0].revents, fs::poll_hup);
}

TEST_F(PollTest, ErrorOnAWriteEndWithoutReaders)
{
    MUST(m_table->close(m_read_fd));
    std::vector<fs::PollRequest> requests { { m_write_fd, fs::poll_out, 0 } };
    EXPECT_EQ(MUST(poll(requests)), 1u);
    EXPECT_EQ(requests[0].revents, fs::poll_out | fs::poll_err);
}

TEST_F(PollTest, TimesOutAfterALastLook)
{
    std::vector<fs::PollRequest> requests { { m_read_fd, fs::poll_in, 0 } };
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t deadline) {
        EXPECT_NE(deadline, 0u);
        // Data that came at the last moment is still reported.
        write_to_pipe("late");
        return sched::WakeReason::TimedOut;
    };
    EXPECT_EQ(MUST(poll(requests, fs::PollDeadline::after(1'000'000))), 1u);

    char bytes[16];
    auto buffer = fs::IoBuffer::kernel(bytes, sizeof(bytes));
    EXPECT_EQ(MUST(MUST(m_table->get(m_read_fd))->read(buffer)), 4u);
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) { return sched::WakeReason::TimedOut; };
    EXPECT_EQ(MUST(poll(requests, fs::PollDeadline::after(1'000'000))), 0u);
}

TEST_F(PollTest, InterruptedIsEintr)
{
    std::vector<fs::PollRequest> requests { { m_read_fd, fs::poll_in, 0 } };
    EXPECT_EQ(error_of(poll(requests)), EINTR);
    EXPECT_FALSE(pipe().poll_queue()->has_listeners());
}

TEST_F(PollTest, DescriptorsAreLookedUpAgainAfterEachWait)
{
    std::vector<fs::PollRequest> requests { { m_read_fd, fs::poll_in, 0 } };
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        MUST(m_table->close(m_read_fd));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(poll(requests)), 1u);
    EXPECT_EQ(requests[0].revents, fs::poll_nval);
}

TEST_F(PollTest, ListenersIgnoreOtherKindsOfChange)
{
    // A reader waiting for input is not woken by room appearing for writers.
    std::vector<fs::PollRequest> requests { { m_read_fd, fs::poll_in, 0 } };
    int waits = 0;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        ++waits;
        size_t wakes = fake_sched::wake_count;
        pipe().poll_queue()->notify(fs::poll_out);
        EXPECT_EQ(fake_sched::wake_count, wakes);
        pipe().poll_queue()->notify(fs::poll_in);
        EXPECT_EQ(fake_sched::wake_count, wakes + 1);
        return waits == 1 ? sched::WakeReason::Woken : sched::WakeReason::TimedOut;
    };
    EXPECT_EQ(MUST(poll(requests, fs::PollDeadline::after(1'000'000))), 0u);
    EXPECT_EQ(waits, 2);
}

TEST_F(PollTest, DeadlineArithmetic)
{
    EXPECT_TRUE(fs::PollDeadline::immediate().is_immediate());
    EXPECT_TRUE(fs::PollDeadline::after(0).is_immediate());
    EXPECT_FALSE(fs::PollDeadline::never().has_deadline);
    EXPECT_EQ(fs::PollDeadline::never().wait_argument(), 0u);
    auto deadline = fs::PollDeadline::after(5'000);
    EXPECT_EQ(deadline.nanoseconds, fake_platform::realtime + 5'000);
    EXPECT_EQ(deadline.remaining(), 5'000u);
    fake_platform::realtime += 10'000;
    EXPECT_EQ(deadline.remaining(), 0u);
    // Far enough away is never.
    EXPECT_FALSE(fs::PollDeadline::after(UINT64_MAX - 1).has_deadline);
}
