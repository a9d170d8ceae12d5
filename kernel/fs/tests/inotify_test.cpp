// inotify: the event queue's records, padding, coalescing, overflow and short buffers, and
// watches on a ramfs tree reporting the VFS operations' events.
#include <cstdint>
#include <string>
#include <vector>

#include <fs/inotify.h>
#include <fs/open_file_description.h>

#include "fake_sched.h"
#include "test_support.h"

namespace {

using fs::InotifyEventQueue;

struct Record {
    int32_t wd;
    uint32_t mask;
    uint32_t cookie;
    uint32_t length;
    std::string name;
};

std::vector<Record> parse(uint8_t const* bytes, size_t size)
{
    std::vector<Record> records;
    size_t offset = 0;
    while (offset + 16 <= size) {
        Record record;
        std::memcpy(&record.wd, bytes + offset, 4);
        std::memcpy(&record.mask, bytes + offset + 4, 4);
        std::memcpy(&record.cookie, bytes + offset + 8, 4);
        std::memcpy(&record.length, bytes + offset + 12, 4);
        record.name = std::string(reinterpret_cast<char const*>(bytes + offset + 16), strnlen(reinterpret_cast<char const*>(bytes + offset + 16), record.length));
        offset += 16 + record.length;
        records.push_back(record);
    }
    EXPECT_EQ(offset, size);
    return records;
}

std::vector<Record> drain(InotifyEventQueue& queue)
{
    uint8_t bytes[4096];
    auto buffer = fs::IoBuffer::kernel(bytes, sizeof(bytes));
    if (queue.is_empty())
        return {};
    return parse(bytes, MUST(queue.read(buffer)));
}

TEST(InotifyEventQueue, RecordsArePaddedToSixteenBytes)
{
    InotifyEventQueue queue;
    queue.enqueue(1, fs::in_create, 0, "a");
    queue.enqueue(1, fs::in_create, 0, "0123456789abcdef");
    queue.enqueue(2, fs::in_delete_self, 0, {});
    EXPECT_EQ(queue.pending_bytes(), 32u + 48u + 16u);
    auto records = drain(queue);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].length, 16u);
    EXPECT_EQ(records[0].name, "a");
    EXPECT_EQ(records[1].length, 32u);
    EXPECT_EQ(records[1].name, "0123456789abcdef");
    EXPECT_EQ(records[2].length, 0u);
    EXPECT_EQ(records[2].wd, 2);
    EXPECT_EQ(queue.pending_bytes(), 0u);
}

TEST(InotifyEventQueue, IdenticalConsecutiveEventsCoalesce)
{
    InotifyEventQueue queue;
    queue.enqueue(1, fs::in_modify, 0, "f");
    queue.enqueue(1, fs::in_modify, 0, "f");
    queue.enqueue(1, fs::in_modify, 0, "g");
    queue.enqueue(1, fs::in_modify, 0, "f");
    queue.enqueue(2, fs::in_modify, 0, "f");
    queue.enqueue(2, fs::in_ignored, 0, {});
    queue.enqueue(2, fs::in_ignored, 0, {});
    EXPECT_EQ(queue.event_count(), 6u);
}

TEST(InotifyEventQueue, OverflowQueuesOneEvent)
{
    InotifyEventQueue queue(3);
    for (int index = 0; index < 10; ++index)
        queue.enqueue(1, fs::in_open, 0, std::to_string(index));
    auto records = drain(queue);
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[3].wd, -1);
    EXPECT_EQ(records[3].mask, fs::in_q_overflow);
    queue.enqueue(1, fs::in_open, 0, "x");
    EXPECT_EQ(drain(queue).size(), 1u);
}

TEST(InotifyEventQueue, ShortBufferIsEinvalAndPartialReadsTakeWholeRecords)
{
    InotifyEventQueue queue;
    queue.enqueue(1, fs::in_create, 0, "name");
    queue.enqueue(1, fs::in_delete, 0, "name");
    uint8_t bytes[64];
    auto small = fs::IoBuffer::kernel(bytes, 31);
    EXPECT_EQ(queue.read(small).error().code(), EINVAL);
    auto one = fs::IoBuffer::kernel(bytes, 40);
    EXPECT_EQ(MUST(queue.read(one)), 32u);
    EXPECT_EQ(queue.event_count(), 1u);
}

class InotifyTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
        m_description = MUST(fs::create_inotify(O_NONBLOCK));
    }
    void TearDown() override
    {
        m_description = nullptr;
        fake_sched::reset();
        FsTest::TearDown();
    }
    fs::InotifyInstance& instance() { return *fs::InotifyInstance::from(m_description->inode()); }
    int watch(std::string_view path, uint32_t mask) { return MUST(instance().add_watch(*MUST(resolve(path)), mask)); }
    std::vector<Record> events()
    {
        uint8_t bytes[4096];
        auto buffer = fs::IoBuffer::kernel(bytes, sizeof(bytes));
        auto count = m_description->read(buffer);
        if (count.is_error()) {
            EXPECT_EQ(count.error().code(), EAGAIN);
            return {};
        }
        return parse(bytes, count.value());
    }

    RefPtr<fs::OpenFileDescription> m_description;
};

TEST_F(InotifyTest, DirectoryWatchSeesEntriesByName)
{
    MUST(mkdir("/d"));
    int wd = watch("/d", fs::in_all_events);
    EXPECT_EQ(wd, 1);
    EXPECT_EQ(m_description->inode().poll_events(*m_description), 0u);
    {
        auto file = MUST(open("/d/f", O_CREAT | O_WRONLY));
        auto buffer = fs::IoBuffer::kernel("hi", 2);
        MUST(file->write(buffer));
    }
    EXPECT_NE(m_description->inode().poll_events(*m_description) & fs::poll_in, 0u);
    MUST(mkdir("/d/sub"));
    MUST(rename("/d/f", "/d/g"));
    MUST(unlink("/d/g"));
    MUST(rmdir("/d/sub"));
    auto records = events();
    std::vector<std::pair<uint32_t, std::string>> seen;
    for (auto& record : records) {
        EXPECT_EQ(record.wd, wd);
        seen.emplace_back(record.mask, record.name);
    }
    std::vector<std::pair<uint32_t, std::string>> expected {
        { fs::in_create, "f" }, { fs::in_open, "f" }, { fs::in_modify, "f" }, { fs::in_close_write, "f" },
        { fs::in_create | fs::in_isdir, "sub" }, { fs::in_moved_from, "f" }, { fs::in_moved_to, "g" },
        { fs::in_delete, "g" }, { fs::in_delete | fs::in_isdir, "sub" }
    };
    EXPECT_EQ(seen, expected);
    ASSERT_EQ(records.size(), expected.size());
    EXPECT_NE(records[5].cookie, 0u);
    EXPECT_EQ(records[5].cookie, records[6].cookie);
}

TEST_F(InotifyTest, FileWatchSelfEventsAndIgnored)
{
    write_file("/f", "x");
    events();
    int wd = watch("/f", fs::in_attrib | fs::in_delete_self | fs::in_move_self);
    EXPECT_EQ(watch("/f", fs::in_modify | fs::in_mask_add), wd);
    EXPECT_EQ(error_of(instance().add_watch(*MUST(resolve("/f")), fs::in_modify | fs::in_mask_create)), EEXIST);
    MUST(rename("/f", "/g"));
    MUST(unlink("/g"));
    auto records = events();
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[0].mask, fs::in_move_self);
    EXPECT_EQ(records[1].mask, fs::in_attrib);
    EXPECT_EQ(records[2].mask, fs::in_delete_self);
    EXPECT_EQ(records[3].mask, fs::in_ignored);
    EXPECT_EQ(instance().watch_count(), 0u);
    EXPECT_EQ(error_of(instance().remove_watch(wd)), EINVAL);
}

TEST_F(InotifyTest, OneshotAndRemoveWatch)
{
    write_file("/f", "x");
    int wd = watch("/f", fs::in_open | fs::in_oneshot);
    { auto file = MUST(open("/f", O_RDONLY)); }
    { auto file = MUST(open("/f", O_RDONLY)); }
    auto records = events();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].mask, fs::in_open);
    EXPECT_EQ(records[1].mask, fs::in_ignored);
    EXPECT_EQ(records[1].wd, wd);
    int again = watch("/f", fs::in_open);
    EXPECT_GT(again, wd);
    MUST(instance().remove_watch(again));
    records = events();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].mask, fs::in_ignored);
}

TEST_F(InotifyTest, ClosingTheInstanceDropsItsWatches)
{
    write_file("/f", "x");
    auto inode = MUST(resolve("/f"));
    watch("/f", fs::in_all_events);
    EXPECT_NE(inode->notify_marks(), nullptr);
    m_description = nullptr;
    EXPECT_EQ(inode->notify_marks(), nullptr);
}

}
