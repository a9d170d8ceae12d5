#include "test_support.h"

class FdTableTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        write_file("/f", "0123456789");
        m_table = MUST(fs::FdTable::create());
    }
    RefPtr<fs::OpenFileDescription> description() { return MUST(open("/f", O_RDONLY)); }
    RefPtr<fs::FdTable> m_table;
};

TEST_F(FdTableTest, LowestFreeNumber)
{
    EXPECT_EQ(MUST(m_table->allocate(description(), false)), 0);
    EXPECT_EQ(MUST(m_table->allocate(description(), false)), 1);
    EXPECT_EQ(MUST(m_table->allocate(description(), false)), 2);
    MUST(m_table->close(1));
    EXPECT_EQ(MUST(m_table->allocate(description(), false)), 1);
    EXPECT_EQ(MUST(m_table->allocate(description(), false, 10)), 10);
    EXPECT_EQ(MUST(m_table->allocate(description(), false, 5)), 5);
    EXPECT_EQ(m_table->open_count(), 5u);
    EXPECT_EQ(error_of(m_table->close(7)), EBADF);
    EXPECT_EQ(error_of(m_table->close(-1)), EBADF);
    EXPECT_EQ(error_of(m_table->get(4)), EBADF);
}

TEST_F(FdTableTest, SharedDescriptionSharesOffset)
{
    int fd = MUST(m_table->allocate(description(), false));
    int copy = MUST(m_table->duplicate_to(fd, 7, false));
    EXPECT_EQ(copy, 7);
    char bytes[3];
    auto buffer = fs::IoBuffer::kernel(bytes, 3);
    MUST(MUST(m_table->get(fd))->read(buffer));
    EXPECT_EQ(MUST(m_table->get(7))->offset(), 3u);
}

TEST_F(FdTableTest, Dup2OntoItselfAndOntoOpenDescriptor)
{
    int a = MUST(m_table->allocate(description(), false));
    int b = MUST(m_table->allocate(MUST(open("/", O_RDONLY)), true));
    // duplicate_to with the same fd keeps the description and sets the flag.
    EXPECT_EQ(MUST(m_table->duplicate_to(a, a, false)), a);
    EXPECT_TRUE(MUST(m_table->get(a))->inode().is_regular_file());
    // Onto an open one: the old description is closed, close-on-exec comes from the call.
    MUST(m_table->duplicate_to(a, b, false));
    EXPECT_TRUE(MUST(m_table->get(b))->inode().is_regular_file());
    EXPECT_FALSE(MUST(m_table->close_on_exec(b)));
    EXPECT_EQ(error_of(m_table->duplicate_to(a, 1024, false)), EBADF);
    EXPECT_EQ(error_of(m_table->duplicate_to(a, -1, false)), EBADF);
    EXPECT_EQ(error_of(m_table->duplicate_to(50, 3, false)), EBADF);
}

TEST_F(FdTableTest, CloseOnExec)
{
    int keep = MUST(m_table->allocate(description(), false));
    int drop = MUST(m_table->allocate(description(), true));
    int later = MUST(m_table->allocate(description(), false));
    MUST(m_table->set_close_on_exec(later, true));
    EXPECT_TRUE(MUST(m_table->close_on_exec(drop)));
    m_table->close_on_exec_all();
    EXPECT_EQ(error_of(m_table->get(keep)), 0);
    EXPECT_EQ(error_of(m_table->get(drop)), EBADF);
    EXPECT_EQ(error_of(m_table->get(later)), EBADF);
    // The freed numbers are reused without the flag.
    int reused = MUST(m_table->allocate(description(), false));
    EXPECT_EQ(reused, drop);
    EXPECT_FALSE(MUST(m_table->close_on_exec(reused)));
}

TEST_F(FdTableTest, LimitGivesEmfile)
{
    m_table->set_limit(4);
    for (int index = 0; index < 4; ++index)
        MUST(m_table->allocate(description(), false));
    EXPECT_EQ(error_of(m_table->allocate(description(), false)), EMFILE);
    EXPECT_EQ(error_of(m_table->check_can_allocate()), EMFILE);
    EXPECT_EQ(error_of(m_table->allocate(description(), false, 4)), EINVAL);
    MUST(m_table->close(2));
    EXPECT_EQ(error_of(m_table->check_can_allocate()), 0);
    EXPECT_EQ(MUST(m_table->allocate(description(), false)), 2);
}

TEST_F(FdTableTest, DefaultLimitIs1024)
{
    EXPECT_EQ(m_table->limit(), 1024u);
    auto shared = description();
    for (int index = 0; index < 1024; ++index)
        EXPECT_EQ(MUST(m_table->allocate(shared, false)), index);
    EXPECT_EQ(error_of(m_table->allocate(shared, false)), EMFILE);
}

TEST_F(FdTableTest, CloneSharesDescriptionsAndFlags)
{
    int a = MUST(m_table->allocate(description(), false));
    int b = MUST(m_table->allocate(description(), true));
    m_table->set_limit(100);
    auto clone = MUST(m_table->try_clone());
    EXPECT_EQ(clone->limit(), 100u);
    EXPECT_EQ(MUST(clone->get(a)), MUST(m_table->get(a)));
    EXPECT_TRUE(MUST(clone->close_on_exec(b)));
    MUST(clone->close(a));
    EXPECT_EQ(error_of(m_table->get(a)), 0);
}

TEST_F(FdTableTest, CloseRange)
{
    for (int index = 0; index < 6; ++index)
        MUST(m_table->allocate(description(), false));
    m_table->close_range(1, 2, true);
    EXPECT_TRUE(MUST(m_table->close_on_exec(1)));
    EXPECT_FALSE(MUST(m_table->close_on_exec(3)));
    m_table->close_range(3, ~0u, false);
    EXPECT_EQ(m_table->open_count(), 3u);
}

TEST_F(FdTableTest, LastCloseReleasesDescription)
{
    auto shared = description();
    auto* raw = shared.ptr();
    int fd = MUST(m_table->allocate(shared, false));
    int copy = MUST(m_table->allocate(shared, false));
    shared = nullptr;
    MUST(m_table->close(fd));
    EXPECT_EQ(raw->ref_count(), 1u);
    MUST(m_table->close(copy));
}
