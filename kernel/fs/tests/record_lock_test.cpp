#include <fs/record_lock.h>

#include "fake_sched.h"
#include "test_support.h"

namespace {

using fs::RecordLockOwner;
using fs::RecordLockRange;
using fs::RecordLockType;
constexpr int64_t to_end = fs::record_lock_offset_max;
constexpr auto Read = RecordLockType::Read;
constexpr auto Write = RecordLockType::Write;
constexpr auto Unlock = RecordLockType::Unlock;

}

// Two processes (each a descriptor table with its own pid) with the file /f open.
class RecordLockTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
        write_file("/f", "0123456789");
        m_first_table = MUST(fs::FdTable::create());
        m_second_table = MUST(fs::FdTable::create());
        m_first_fd = MUST(m_first_table->allocate(MUST(open("/f", O_RDWR)), false));
        m_second_fd = MUST(m_second_table->allocate(MUST(open("/f", O_RDWR)), false));
        m_inode = MUST(resolve("/f"));
    }
    void TearDown() override
    {
        fake_sched::reset();
        m_first_table = nullptr;
        m_second_table = nullptr;
        EXPECT_FALSE(fs::has_record_locks(*m_inode));
        m_inode = nullptr;
        FsTest::TearDown();
    }

    RecordLockOwner first() const { return RecordLockOwner::process(*m_first_table, 100); }
    RecordLockOwner second() const { return RecordLockOwner::process(*m_second_table, 200); }
    fs::Inode& inode() { return *m_inode; }

    int set(RecordLockOwner owner, RecordLockType type, int64_t start, int64_t end, bool wait = false)
    {
        return error_of(fs::set_record_lock(inode(), owner, type, { start, end }, wait));
    }
    // The owner's locks as "R0-4 W5-9" (E for the end of the file).
    std::string locks(RecordLockOwner owner)
    {
        std::string text;
        for (auto const& lock : MUST(fs::record_locks_of(inode(), owner))) {
            if (!text.empty())
                text += ' ';
            text += lock.type == Write ? 'W' : 'R';
            text += std::to_string(lock.range.start) + '-' + (lock.range.end == to_end ? std::string("E") : std::to_string(lock.range.end));
        }
        return text;
    }

    RefPtr<fs::FdTable> m_first_table;
    RefPtr<fs::FdTable> m_second_table;
    int m_first_fd { -1 };
    int m_second_fd { -1 };
    RefPtr<fs::Inode> m_inode;
};

TEST(RecordLockRangeTest, WhenceStartAndLength)
{
    auto range = [](int whence, int64_t start, int64_t length) { return MUST(fs::record_lock_range(whence, start, length, 10, 100)); };
    EXPECT_EQ(range(SEEK_SET, 5, 10), (RecordLockRange { 5, 14 }));
    EXPECT_EQ(range(SEEK_CUR, 5, 1), (RecordLockRange { 15, 15 }));
    EXPECT_EQ(range(SEEK_END, -10, 0), (RecordLockRange { 90, to_end }));
    EXPECT_EQ(range(SEEK_SET, 0, 0), (RecordLockRange { 0, to_end }));
    // A negative length covers the bytes before the start.
    EXPECT_EQ(range(SEEK_SET, 10, -5), (RecordLockRange { 5, 9 }));
    EXPECT_EQ(range(SEEK_CUR, 0, -10), (RecordLockRange { 0, 9 }));
    EXPECT_EQ(range(SEEK_SET, to_end, 1), (RecordLockRange { to_end, to_end }));
    EXPECT_EQ(fs::record_lock_length({ 5, 9 }), 5);
    EXPECT_EQ(fs::record_lock_length({ 5, to_end }), 0);
}

TEST(RecordLockRangeTest, ErrorsAsLinux)
{
    auto error = [](int whence, int64_t start, int64_t length) {
        auto result = fs::record_lock_range(whence, start, length, 10, 100);
        return result.is_error() ? result.error().code() : 0;
    };
    EXPECT_EQ(error(3, 0, 0), EINVAL);
    EXPECT_EQ(error(-1, 0, 0), EINVAL);
    EXPECT_EQ(error(SEEK_SET, -1, 1), EINVAL);
    EXPECT_EQ(error(SEEK_CUR, -11, 1), EINVAL);
    EXPECT_EQ(error(SEEK_SET, 3, -4), EINVAL);
    EXPECT_EQ(error(SEEK_SET, 3, INT64_MIN), EINVAL);
    EXPECT_EQ(error(SEEK_END, to_end, 1), EOVERFLOW);
    EXPECT_EQ(error(SEEK_SET, to_end, 2), EOVERFLOW);
    EXPECT_EQ(error(SEEK_SET, 2, to_end), EOVERFLOW);
    EXPECT_EQ(error(SEEK_SET, 1, to_end), 0);
    EXPECT_EQ(error(SEEK_SET, 0, to_end), 0);
    EXPECT_EQ(error(SEEK_END, INT64_MIN, 1), EINVAL);
}

TEST_F(RecordLockTest, ReadLocksShareWriteLocksExclude)
{
    EXPECT_EQ(set(first(), Read, 0, 9), 0);
    EXPECT_EQ(set(second(), Read, 5, 9), 0);
    EXPECT_EQ(set(second(), Write, 20, to_end), 0);
    EXPECT_EQ(set(first(), Write, 9, 9), EAGAIN);
    EXPECT_EQ(set(first(), Write, 10, 19), 0);
    EXPECT_EQ(set(first(), Read, 30, 30), EAGAIN);
    EXPECT_EQ(locks(first()), "R0-9 W10-19");
    EXPECT_EQ(locks(second()), "R5-9 W20-E");

    auto conflict = fs::test_record_lock(inode(), first(), Read, { 25, 25 });
    ASSERT_TRUE(conflict);
    EXPECT_EQ(conflict->type, Write);
    EXPECT_EQ(conflict->range, (RecordLockRange { 20, to_end }));
    EXPECT_EQ(conflict->pid, 200);
    // An owner's own locks never conflict.
    EXPECT_FALSE(fs::test_record_lock(inode(), second(), Write, { 20, to_end }));
    EXPECT_FALSE(fs::test_record_lock(inode(), first(), Read, { 0, 19 }));
    conflict = fs::test_record_lock(inode(), first(), Write, { 0, 19 });
    ASSERT_TRUE(conflict);
    EXPECT_EQ(conflict->type, Read);
    EXPECT_EQ(conflict->pid, 200);
}

TEST_F(RecordLockTest, UnlockSplitsAndTrims)
{
    EXPECT_EQ(set(first(), Write, 0, 99), 0);
    EXPECT_EQ(set(first(), Unlock, 40, 59), 0);
    EXPECT_EQ(locks(first()), "W0-39 W60-99");
    EXPECT_EQ(set(second(), Write, 40, 59), 0);
    EXPECT_EQ(set(first(), Unlock, 30, 69), 0);
    EXPECT_EQ(locks(first()), "W0-29 W70-99");
    EXPECT_EQ(set(first(), Unlock, 0, to_end), 0);
    EXPECT_EQ(locks(first()), "");
    // Unlocking what is not locked is no error.
    EXPECT_EQ(set(first(), Unlock, 5, 5), 0);
    EXPECT_EQ(set(second(), Unlock, 0, to_end), 0);
}

TEST_F(RecordLockTest, AdjacentAndOverlappingRangesOfOneTypeMerge)
{
    EXPECT_EQ(set(first(), Read, 10, 19), 0);
    EXPECT_EQ(set(first(), Read, 20, 29), 0);
    EXPECT_EQ(locks(first()), "R10-29");
    EXPECT_EQ(set(first(), Read, 0, 9), 0);
    EXPECT_EQ(locks(first()), "R0-29");
    EXPECT_EQ(set(first(), Read, 40, to_end), 0);
    EXPECT_EQ(set(first(), Read, 25, 45), 0);
    EXPECT_EQ(locks(first()), "R0-E");
    // A range of another type does not merge.
    EXPECT_EQ(set(first(), Unlock, 0, to_end), 0);
    EXPECT_EQ(set(first(), Read, 0, 9), 0);
    EXPECT_EQ(set(first(), Write, 10, 19), 0);
    EXPECT_EQ(locks(first()), "R0-9 W10-19");
    EXPECT_EQ(set(first(), Unlock, 0, to_end), 0);
}

TEST_F(RecordLockTest, ConversionReplacesTheRangeAtomically)
{
    EXPECT_EQ(set(first(), Write, 0, 99), 0);
    EXPECT_EQ(set(first(), Read, 20, 29), 0);
    EXPECT_EQ(locks(first()), "W0-19 R20-29 W30-99");
    EXPECT_EQ(set(second(), Read, 25, 25), 0);
    // Upgrading back conflicts with the other reader and changes nothing.
    EXPECT_EQ(set(first(), Write, 0, 99), EAGAIN);
    EXPECT_EQ(locks(first()), "W0-19 R20-29 W30-99");
    EXPECT_EQ(set(second(), Unlock, 0, to_end), 0);
    EXPECT_EQ(set(first(), Write, 15, 35), 0);
    EXPECT_EQ(locks(first()), "W0-99");
    EXPECT_EQ(set(first(), Read, 0, 99), 0);
    EXPECT_EQ(locks(first()), "R0-99");
    EXPECT_EQ(set(first(), Unlock, 0, to_end), 0);
}

TEST_F(RecordLockTest, CloseOfAnyDescriptorDropsTheProcessLocks)
{
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    // A second descriptor of the same file, and one of another file.
    write_file("/g", "x");
    int other_file = MUST(m_first_table->allocate(MUST(open("/g", O_RDONLY)), false));
    int same_file = MUST(m_first_table->allocate(MUST(open("/f", O_RDONLY)), false));
    MUST(m_first_table->close(other_file));
    EXPECT_EQ(locks(first()), "W0-9");
    MUST(m_first_table->close(same_file));
    EXPECT_EQ(locks(first()), "");

    // dup2 over a descriptor of the file closes it too.
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    int copy = MUST(m_first_table->allocate(MUST(m_first_table->get(m_first_fd)), false));
    MUST(m_first_table->duplicate_to(m_first_fd, copy, false));
    EXPECT_EQ(locks(first()), "");

    // Another process closing its descriptor leaves them.
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    EXPECT_EQ(set(second(), Write, 20, 29), 0);
    MUST(m_second_table->close(m_second_fd));
    EXPECT_EQ(locks(first()), "W0-9");
    EXPECT_EQ(locks(second()), "");
    // A table going away (exit) drops them.
    m_first_table = nullptr;
    EXPECT_FALSE(fs::has_record_locks(inode()));
}

TEST_F(RecordLockTest, ForkedTableDoesNotInherit)
{
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    auto child = MUST(m_first_table->try_clone());
    auto child_owner = RecordLockOwner::process(*child, 300);
    EXPECT_EQ(locks(child_owner), "");
    EXPECT_EQ(set(child_owner, Read, 0, 0), EAGAIN);
    // The child's close leaves the parent's locks alone.
    child = nullptr;
    EXPECT_EQ(locks(first()), "W0-9");
    MUST(m_first_table->close(m_first_fd));
}

TEST_F(RecordLockTest, CloseOnExecDropsOnlyThoseFiles)
{
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    write_file("/g", "x");
    int other = MUST(m_first_table->allocate(MUST(open("/g", O_RDWR)), true));
    auto other_owner = first();
    auto other_inode = MUST(resolve("/g"));
    MUST(fs::set_record_lock(*other_inode, other_owner, Write, { 0, 0 }, false));
    m_first_table->close_on_exec_all();
    EXPECT_EQ(locks(first()), "W0-9");
    EXPECT_FALSE(fs::has_record_locks(*other_inode));
    EXPECT_EQ(error_of(m_first_table->get(other)), EBADF);
}

TEST_F(RecordLockTest, DescriptionLocksBelongToTheDescription)
{
    auto description = MUST(m_first_table->get(m_first_fd));
    auto ofd = RecordLockOwner::description(*description);
    EXPECT_EQ(set(ofd, Write, 0, 9), 0);
    // The process's own POSIX lock conflicts with its description's lock.
    EXPECT_EQ(set(first(), Write, 5, 5), EAGAIN);
    auto conflict = fs::test_record_lock(inode(), second(), Read, { 0, 0 });
    ASSERT_TRUE(conflict);
    EXPECT_EQ(conflict->pid, -1);
    // A copy of the table (fork) shares the description and so the lock; closing a descriptor
    // does not end it while another refers to the description.
    auto child = MUST(m_first_table->try_clone());
    EXPECT_EQ(set(ofd, Read, 0, 9), 0);
    EXPECT_EQ(locks(ofd), "R0-9");
    int same_file = MUST(m_first_table->allocate(MUST(open("/f", O_RDONLY)), false));
    MUST(m_first_table->close(same_file));
    MUST(m_first_table->close(m_first_fd));
    EXPECT_EQ(locks(ofd), "R0-9");
    description = nullptr;
    child = nullptr;
    EXPECT_FALSE(fs::has_record_locks(inode()));
}

TEST_F(RecordLockTest, WaitEndsWhenTheHolderUnlocks)
{
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        EXPECT_EQ(set(first(), Unlock, 0, 4), 0);
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(set(second(), Write, 2, 3, true), 0);
    EXPECT_EQ(fake_sched::wait_count, 1u);
    EXPECT_EQ(locks(second()), "W2-3");
    EXPECT_EQ(locks(first()), "W5-9");
    MUST(m_first_table->close(m_first_fd));
    MUST(m_second_table->close(m_second_fd));
}

TEST_F(RecordLockTest, WaitEndsWhenTheHolderCloses)
{
    EXPECT_EQ(set(first(), Read, 0, 9), 0);
    int wakes = 0;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        // A spurious wakeup first: the request looks again and sleeps again.
        if (++wakes == 2)
            MUST(m_first_table->close(m_first_fd));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(set(second(), Write, 0, to_end, true), 0);
    EXPECT_EQ(wakes, 2);
    fake_sched::on_wait = nullptr;
    MUST(m_second_table->close(m_second_fd));
}

TEST_F(RecordLockTest, SignalInterruptsTheWait)
{
    EXPECT_EQ(set(first(), Write, 0, 9), 0);
    // Without a callback the fake wait is interrupted.
    EXPECT_EQ(set(second(), Read, 0, 0, true), EINTR);
    EXPECT_EQ(locks(second()), "");
    MUST(m_first_table->close(m_first_fd));
}

TEST_F(RecordLockTest, TwoProcessDeadlockIsDetected)
{
    EXPECT_EQ(set(first(), Write, 0, 0), 0);
    EXPECT_EQ(set(second(), Write, 1, 1), 0);
    // The second process sleeps for byte 0; meanwhile the first asks for byte 1.
    int first_result = -1;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        first_result = set(first(), Write, 1, 1, true);
        // The first gives up byte 0, which wakes the second.
        EXPECT_EQ(set(first(), Unlock, 0, 0), 0);
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(set(second(), Write, 0, 0, true), 0);
    EXPECT_EQ(first_result, EDEADLK);
    EXPECT_EQ(locks(second()), "W0-1");
    MUST(m_first_table->close(m_first_fd));
    MUST(m_second_table->close(m_second_fd));
}

TEST_F(RecordLockTest, DeadlockThroughAThirdProcess)
{
    auto third_table = MUST(fs::FdTable::create());
    MUST(third_table->allocate(MUST(open("/f", O_RDWR)), false));
    auto third = RecordLockOwner::process(*third_table, 300);
    EXPECT_EQ(set(first(), Write, 0, 0), 0);
    EXPECT_EQ(set(second(), Write, 1, 1), 0);
    EXPECT_EQ(set(third, Write, 2, 2), 0);
    int third_result = -1;
    int first_result = -1;
    // second waits for first's byte 0; then third waits for second's byte 1; then first asks
    // for third's byte 2: first -> third -> second -> first.
    int waits = 0;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        ++waits;
        if (waits == 1) {
            third_result = set(third, Write, 1, 1, true);
        } else if (waits == 2) {
            first_result = set(first(), Write, 2, 2, true);
            // No cycle for a description's request, which sleeps (and is interrupted).
            auto description = MUST(m_first_table->get(m_first_fd));
            EXPECT_EQ(error_of(fs::set_record_lock(inode(), RecordLockOwner::description(*description), Write, { 2, 2 }, true)), EINTR);
            MUST(m_first_table->close(m_first_fd));
        } else {
            return sched::WakeReason::Interrupted;
        }
        return sched::WakeReason::Woken;
    };
    // The first's close wakes both: third still finds byte 1 taken and sleeps again (and is
    // interrupted), second gets byte 0.
    EXPECT_EQ(set(second(), Write, 0, 0, true), 0);
    EXPECT_EQ(first_result, EDEADLK);
    EXPECT_EQ(third_result, EINTR);
    third_table = nullptr;
    MUST(m_second_table->close(m_second_fd));
}

TEST_F(RecordLockTest, NoDeadlockWithoutACycle)
{
    EXPECT_EQ(set(first(), Write, 0, 0), 0);
    EXPECT_EQ(set(second(), Write, 1, 1), 0);
    int result = -1;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        // The second waits for byte 0; the first asking for a free byte is fine.
        result = set(first(), Write, 2, 2, true);
        MUST(m_first_table->close(m_first_fd));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(set(second(), Write, 0, 0, true), 0);
    EXPECT_EQ(result, 0);
    MUST(m_second_table->close(m_second_fd));
}
