#include <map>
#include <set>
#include <vector>

#include "test_support.h"

namespace {

struct ListedEntry {
    uint64_t inode;
    int64_t next;
    uint8_t type;
    std::string name;
};

// Parses linux_dirent64 records.
std::vector<ListedEntry> parse64(uint8_t const* bytes, size_t length)
{
    std::vector<ListedEntry> entries;
    size_t position = 0;
    while (position < length) {
        ListedEntry entry;
        uint16_t record_length;
        memcpy(&entry.inode, bytes + position, 8);
        memcpy(&entry.next, bytes + position + 8, 8);
        memcpy(&record_length, bytes + position + 16, 2);
        entry.type = bytes[position + 18];
        entry.name = reinterpret_cast<char const*>(bytes + position + 19);
        EXPECT_EQ(record_length % 8, 0);
        EXPECT_GE(record_length, 19 + entry.name.size() + 1);
        entries.push_back(entry);
        position += record_length;
    }
    EXPECT_EQ(position, length);
    return entries;
}

}

class GetdentsTest : public FsTest {
protected:
    std::vector<ListedEntry> list(fs::OpenFileDescription& description, size_t buffer_size)
    {
        std::vector<ListedEntry> all;
        std::vector<uint8_t> buffer(buffer_size);
        while (true) {
            auto io = fs::IoBuffer::kernel(buffer.data(), buffer.size());
            size_t length = MUST(description.read_directory_entries(io, fs::DirectoryEntryFormat::Linux64));
            if (length == 0)
                return all;
            auto entries = parse64(buffer.data(), length);
            all.insert(all.end(), entries.begin(), entries.end());
        }
    }
};

TEST_F(GetdentsTest, ListsDotsAndEntriesWithTypes)
{
    MUST(mkdir("/d"));
    MUST(mkdir("/d/sub"));
    write_file("/d/file", "x");
    MUST(symlink("file", "/d/link"));
    auto description = MUST(open("/d", O_RDONLY | O_DIRECTORY));
    auto entries = list(*description, 4096);
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].name, ".");
    EXPECT_EQ(entries[0].inode, MUST(resolve("/d"))->number());
    EXPECT_EQ(entries[1].name, "..");
    EXPECT_EQ(entries[1].inode, root().number());
    EXPECT_EQ(entries[2].name, "sub");
    EXPECT_EQ(entries[2].type, 4);
    EXPECT_EQ(entries[3].name, "file");
    EXPECT_EQ(entries[3].type, 8);
    EXPECT_EQ(entries[4].name, "link");
    EXPECT_EQ(entries[4].type, 10);
    // The root's ".." is itself.
    auto root_entries = list(*MUST(open("/", O_RDONLY)), 4096);
    EXPECT_EQ(root_entries[1].inode, root().number());
}

TEST_F(GetdentsTest, SmallBuffersReturnEachEntryOnce)
{
    MUST(mkdir("/d"));
    std::set<std::string> expected { ".", ".." };
    for (int index = 0; index < 50; ++index) {
        std::string name = "entry-with-a-longish-name-" + std::to_string(index);
        write_file("/d/" + name, "");
        expected.insert(name);
    }
    for (size_t buffer_size : { 48, 64, 100, 333, 4096 }) {
        auto description = MUST(open("/d", O_RDONLY));
        auto entries = list(*description, buffer_size);
        std::multiset<std::string> names;
        for (auto& entry : entries)
            names.insert(entry.name);
        EXPECT_EQ(names.size(), expected.size()) << buffer_size;
        EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), expected) << buffer_size;
    }
}

TEST_F(GetdentsTest, BufferTooSmallForOneEntryIsEinval)
{
    auto description = MUST(open("/", O_RDONLY));
    uint8_t buffer[16];
    auto io = fs::IoBuffer::kernel(buffer, sizeof(buffer));
    EXPECT_EQ(error_of(description->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64)), EINVAL);
}

TEST_F(GetdentsTest, OffsetsSurviveChangesBetweenCalls)
{
    MUST(mkdir("/d"));
    for (char name : std::string("abcdef"))
        write_file(std::string("/d/") + name, "");
    auto description = MUST(open("/d", O_RDONLY));
    // Read ".", "..", "a", "b" with a buffer that holds exactly four small records.
    std::vector<uint8_t> buffer(4 * 24);
    auto io = fs::IoBuffer::kernel(buffer.data(), buffer.size());
    auto first = parse64(buffer.data(), MUST(description->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64)));
    ASSERT_EQ(first.size(), 4u);
    EXPECT_EQ(first[3].name, "b");
    // Remove one already listed and one not yet listed; add a new one.
    MUST(unlink("/d/a"));
    MUST(unlink("/d/d"));
    write_file("/d/g", "");
    auto rest = list(*description, 4096);
    std::vector<std::string> names;
    for (auto& entry : rest)
        names.push_back(entry.name);
    EXPECT_EQ(names, (std::vector<std::string> { "c", "e", "f", "g" }));

    // Seeking back to a reported d_off resumes there; 0 restarts.
    MUST(description->seek(first[3].next, SEEK_SET));
    EXPECT_EQ(list(*description, 4096).front().name, "c");
    MUST(description->seek(0, SEEK_SET));
    EXPECT_EQ(list(*description, 4096).front().name, ".");
    EXPECT_EQ(error_of(description->seek(0, SEEK_END)), EINVAL);
}

TEST_F(GetdentsTest, OldFormatHasTypeInLastByte)
{
    write_file("/f", "");
    auto description = MUST(open("/", O_RDONLY));
    uint8_t buffer[4096];
    auto io = fs::IoBuffer::kernel(buffer, sizeof(buffer));
    size_t length = MUST(description->read_directory_entries(io, fs::DirectoryEntryFormat::Linux));
    size_t position = 0;
    std::map<std::string, uint8_t> types;
    while (position < length) {
        uint16_t record_length;
        memcpy(&record_length, buffer + position + 16, 2);
        types[reinterpret_cast<char const*>(buffer + position + 18)] = buffer[position + record_length - 1];
        position += record_length;
    }
    EXPECT_EQ(position, length);
    EXPECT_EQ(types["."], 4);
    EXPECT_EQ(types["f"], 8);
}

TEST_F(GetdentsTest, NotADirectoryAndPathOnly)
{
    write_file("/f", "");
    uint8_t buffer[512];
    auto io = fs::IoBuffer::kernel(buffer, sizeof(buffer));
    EXPECT_EQ(error_of(MUST(open("/f", O_RDONLY))->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64)), ENOTDIR);
    EXPECT_EQ(error_of(MUST(open("/", O_PATH))->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64)), EBADF);
    char byte;
    auto one = fs::IoBuffer::kernel(&byte, 1);
    EXPECT_EQ(error_of(MUST(open("/", O_RDONLY))->read(one)), EISDIR);
}

TEST_F(FsTest, BaseForDirfd)
{
    auto table = MUST(fs::FdTable::create());
    MUST(mkdir("/d"));
    write_file("/d/f", "x");
    int directory_fd = MUST(table->allocate(MUST(open("/d", O_RDONLY)), false));
    int file_fd = MUST(table->allocate(MUST(open("/d/f", O_RDONLY)), false));
    auto base = MUST(fs::base_for(*table, context(), directory_fd, "f"));
    EXPECT_TRUE(MUST(fs::resolve_path(context(), *base, "f", fs::Follow::Yes))->is_regular_file());
    EXPECT_EQ(MUST(fs::base_for(*table, context(), AT_FDCWD, "f")).ptr(), &context().cwd());
    EXPECT_EQ(error_of(fs::base_for(*table, context(), 99, "f")), EBADF);
    // An absolute path ignores dirfd, even a bad one.
    EXPECT_EQ(MUST(fs::base_for(*table, context(), 99, "/d")).ptr(), &root());
    auto file_base = MUST(fs::base_for(*table, context(), file_fd, "x"));
    EXPECT_EQ(error_of(fs::resolve_path(context(), *file_base, "x", fs::Follow::Yes)), ENOTDIR);
}
