// epoll instances: the interest list's rules, level- and edge-triggered reporting, one-shot
// items, items ending with their description, nesting and loops, and waiting.
#include <string>
#include <vector>

#include <fs/epoll.h>
#include <fs/pipe.h>

#include "fake_sched.h"
#include "test_support.h"

namespace {

class EpollTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
        m_epoll = MUST(fs::EpollInstance::create());
        m_pipe = MUST(fs::create_pipe(O_NONBLOCK));
    }
    void TearDown() override
    {
        m_pipe = {};
        m_epoll = nullptr;
        fake_sched::reset();
        FsTest::TearDown();
    }

    void write_to_pipe(std::string const& bytes)
    {
        auto buffer = fs::IoBuffer::kernel(bytes.data(), bytes.size());
        MUST(m_pipe.write_end->write(buffer));
    }
    void read_from_pipe(size_t size)
    {
        std::string bytes(size, '\0');
        auto buffer = fs::IoBuffer::kernel(bytes.data(), bytes.size());
        MUST(m_pipe.read_end->read(buffer));
    }
    std::vector<fs::EpollEvent> collect(fs::EpollInstance& epoll, size_t max = 16)
    {
        std::vector<fs::EpollEvent> events(max);
        events.resize(epoll.collect({ events.data(), events.size() }));
        return events;
    }
    std::vector<fs::EpollEvent> collect(size_t max = 16) { return collect(*m_epoll, max); }

    RefPtr<fs::EpollInstance> m_epoll;
    fs::PipeEnds m_pipe;
};

}

TEST_F(EpollTest, InterestListRules)
{
    auto& read_end = *m_pipe.read_end;
    MUST(m_epoll->add(3, read_end, fs::poll_in, 1));
    EXPECT_EQ(error_of(m_epoll->add(3, read_end, fs::poll_in, 1)), EEXIST);
    // The same description under another number is another item.
    MUST(m_epoll->add(4, read_end, fs::poll_in, 2));
    EXPECT_EQ(m_epoll->item_count(), 2u);
    EXPECT_EQ(error_of(m_epoll->modify(5, read_end, fs::poll_in, 1)), ENOENT);
    EXPECT_EQ(error_of(m_epoll->remove(5, read_end)), ENOENT);
    MUST(m_epoll->remove(4, read_end));
    EXPECT_EQ(m_epoll->item_count(), 1u);

    write_file("/file", "x");
    auto file = MUST(open("/file", O_RDONLY));
    EXPECT_EQ(error_of(m_epoll->add(6, *file, fs::poll_in, 0)), EPERM);

    auto self = MUST(fs::OpenFileDescription::create(m_epoll, O_RDWR));
    EXPECT_EQ(error_of(m_epoll->add(7, *self, fs::poll_in, 0)), EINVAL);
}

TEST_F(EpollTest, LevelTriggeredReportsWhileReady)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in, 42));
    MUST(m_epoll->add(4, *m_pipe.write_end, fs::poll_out, 43));
    auto events = collect();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].events, fs::poll_out);
    EXPECT_EQ(events[0].data, 43u);

    write_to_pipe("x");
    events = collect();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].data, 43u);
    EXPECT_EQ(events[1].data, 42u);
    EXPECT_EQ(events[1].events, fs::poll_in);
    // Still ready, still reported.
    EXPECT_EQ(collect().size(), 2u);
    read_from_pipe(1);
    events = collect();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, 43u);
}

TEST_F(EpollTest, EdgeTriggeredReportsChanges)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in | fs::epoll_et, 1));
    EXPECT_EQ(collect().size(), 0u);
    write_to_pipe("x");
    EXPECT_EQ(collect().size(), 1u);
    EXPECT_EQ(collect().size(), 0u);
    // Every write is a change, even to a pipe that was readable already (as Linux's pipes).
    write_to_pipe("y");
    EXPECT_EQ(collect().size(), 1u);
    // Reading is not a change a reader's item hears of.
    read_from_pipe(1);
    EXPECT_EQ(collect().size(), 0u);
}

TEST_F(EpollTest, EdgeTriggeredWriterHearsOfRoomOnlyAfterFull)
{
    MUST(m_epoll->add(4, *m_pipe.write_end, fs::poll_out | fs::epoll_et, 1));
    EXPECT_EQ(collect().size(), 1u);
    write_to_pipe("x");
    read_from_pipe(1);
    EXPECT_EQ(collect().size(), 0u);
    write_to_pipe(std::string(65536, 'z'));
    EXPECT_EQ(collect().size(), 0u);
    read_from_pipe(4096);
    EXPECT_EQ(collect().size(), 1u);
}

TEST_F(EpollTest, OneShotFiresOnceUntilModified)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in | fs::epoll_oneshot, 1));
    write_to_pipe("x");
    EXPECT_EQ(collect().size(), 1u);
    EXPECT_EQ(collect().size(), 0u);
    write_to_pipe("y");
    EXPECT_EQ(collect().size(), 0u);
    MUST(m_epoll->modify(3, *m_pipe.read_end, fs::poll_in | fs::epoll_oneshot, 2));
    auto events = collect();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, 2u);
}

TEST_F(EpollTest, HangupAndErrorAreAlwaysReported)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, 0, 1));
    EXPECT_EQ(collect().size(), 0u);
    m_pipe.write_end = nullptr;
    auto events = collect();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].events, fs::poll_hup);
}

TEST_F(EpollTest, ItemGoesWithItsDescription)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in, 1));
    write_to_pipe("x");
    auto shared = m_pipe.read_end; // another descriptor of the same description
    m_pipe.read_end = nullptr;
    EXPECT_EQ(m_epoll->item_count(), 1u);
    EXPECT_EQ(collect().size(), 1u);
    shared = nullptr;
    EXPECT_EQ(m_epoll->item_count(), 0u);
    EXPECT_EQ(collect().size(), 0u);
    // The epoll item did not keep the read end open: the writer sees no reader.
    EXPECT_EQ(static_cast<fs::PipeInode&>(m_pipe.write_end->inode()).readers(), 0u);
}

TEST_F(EpollTest, InstanceGoingRemovesItsItems)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in, 1));
    EXPECT_TRUE(m_pipe.read_end->inode().poll_queue()->has_listeners());
    m_epoll = nullptr;
    EXPECT_FALSE(m_pipe.read_end->inode().poll_queue()->has_listeners());
    write_to_pipe("x");
}

TEST_F(EpollTest, MaxEventsTakesTurns)
{
    auto second = MUST(fs::create_pipe(O_NONBLOCK));
    MUST(m_epoll->add(3, *m_pipe.write_end, fs::poll_out, 1));
    MUST(m_epoll->add(4, *second.write_end, fs::poll_out, 2));
    auto events = collect(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, 1u);
    events = collect(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, 2u);
    events = collect(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, 1u);
}

TEST_F(EpollTest, NestedInstances)
{
    auto outer = MUST(fs::EpollInstance::create());
    auto inner_description = MUST(fs::OpenFileDescription::create(m_epoll, O_RDWR));
    auto outer_description = MUST(fs::OpenFileDescription::create(outer, O_RDWR));
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in, 1));
    MUST(outer->add(5, *inner_description, fs::poll_in, 9));
    EXPECT_EQ(inner_description->inode().poll_events(*inner_description), 0u);
    EXPECT_EQ(collect(*outer).size(), 0u);
    write_to_pipe("x");
    EXPECT_EQ(inner_description->inode().poll_events(*inner_description), fs::poll_in | fs::poll_rdnorm);
    auto events = collect(*outer);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, 9u);
    EXPECT_EQ(events[0].events, fs::poll_in);
    // A loop is refused.
    EXPECT_EQ(error_of(m_epoll->add(6, *outer_description, fs::poll_in, 0)), ELOOP);
}

TEST_F(EpollTest, NestingDepthIsLimited)
{
    std::vector<RefPtr<fs::EpollInstance>> chain { m_epoll };
    std::vector<RefPtr<fs::OpenFileDescription>> descriptions { MUST(fs::OpenFileDescription::create(m_epoll, O_RDWR)) };
    int refused_at = -1;
    for (int level = 1; level < 8 && refused_at < 0; ++level) {
        auto next = MUST(fs::EpollInstance::create());
        auto added = next->add(3, *descriptions.back(), fs::poll_in, 0);
        if (added.is_error()) {
            EXPECT_EQ(added.error().code(), ELOOP);
            refused_at = level;
        }
        descriptions.push_back(MUST(fs::OpenFileDescription::create(next, O_RDWR)));
        chain.push_back(next);
    }
    // Five instances in a row are allowed (EP_MAX_NESTS 4 below the top), the sixth is not.
    EXPECT_EQ(refused_at, 5);
}

TEST_F(EpollTest, WaitSleepsUntilReady)
{
    MUST(m_epoll->add(3, *m_pipe.read_end, fs::poll_in, 7));
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        write_to_pipe("x");
        return sched::WakeReason::Woken;
    };
    fs::EpollEvent events[4];
    EXPECT_EQ(MUST(m_epoll->wait(events, fs::PollDeadline::never())), 1u);
    EXPECT_EQ(events[0].data, 7u);
    EXPECT_EQ(fake_sched::wait_count, 1u);

    read_from_pipe(1);
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) { return sched::WakeReason::TimedOut; };
    EXPECT_EQ(MUST(m_epoll->wait(events, fs::PollDeadline::after(1000))), 0u);
    fake_sched::on_wait = nullptr;
    EXPECT_EQ(error_of(m_epoll->wait(events, fs::PollDeadline::never())), EINTR);
    size_t waits = fake_sched::wait_count;
    EXPECT_EQ(MUST(m_epoll->wait(events, fs::PollDeadline::immediate())), 0u);
    EXPECT_EQ(fake_sched::wait_count, waits);
}

TEST_F(EpollTest, FromKnowsEpollInstances)
{
    EXPECT_EQ(fs::EpollInstance::from(*m_epoll), m_epoll.ptr());
    EXPECT_EQ(fs::EpollInstance::from(m_pipe.read_end->inode()), nullptr);
    fs::LinuxStat stat;
    m_epoll->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, 0600u);
}
