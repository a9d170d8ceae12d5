#include <cstdio>
#include <string>
#include <vector>

#include <fs/cpio.h>

#include "test_support.h"

namespace {

// Builds newc archives the way the host packer does.
class ArchiveBuilder {
public:
    ArchiveBuilder& add(std::string const& name, uint32_t mode, std::string const& data = "", uint32_t mtime = 1234, uint32_t inode = 0, uint32_t links = 1, char const* magic = "070701")
    {
        char header[111];
        snprintf(header, sizeof(header), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic,
            inode ? inode : ++m_next_inode, mode, 0u, 0u, links, mtime, unsigned(data.size()), 0u, 0u, 0u, 0u,
            unsigned(name.size() + 1), 0u);
        m_bytes.append(header, 110);
        m_bytes.append(name);
        m_bytes.push_back('\0');
        pad();
        m_bytes.append(data);
        pad();
        return *this;
    }
    ArchiveBuilder& trailer() { return add("TRAILER!!!", 0); }
    std::string& bytes() { return m_bytes; }
    std::span<uint8_t const> span() const { return { reinterpret_cast<uint8_t const*>(m_bytes.data()), m_bytes.size() }; }

private:
    void pad()
    {
        while (m_bytes.size() % 4)
            m_bytes.push_back('\0');
    }
    std::string m_bytes;
    uint32_t m_next_inode { 100 };
};

}

class CpioTest : public FsTest {
protected:
    ErrorOr<void> unpack(std::span<uint8_t const> bytes)
    {
        m_reason = nullptr;
        auto result = fs::unpack_cpio(root(), bytes, &m_reason);
        if (result.is_error())
            EXPECT_NE(m_reason, nullptr);
        return result;
    }
    ErrorOr<void> unpack(std::string const& bytes) { return unpack({ reinterpret_cast<uint8_t const*>(bytes.data()), bytes.size() }); }
    char const* m_reason { nullptr };
};

TEST_F(CpioTest, UnpacksAllEntryKinds)
{
    ArchiveBuilder archive;
    archive.add(".", S_IFDIR | 0755)
        .add("bin", S_IFDIR | 0755, "", 5000)
        .add("bin/busybox", S_IFREG | 0755, std::string("\x7f" "ELF and more", 13), 6000)
        .add("bin/sh", S_IFLNK | 0777, "busybox")
        .add("./etc/passwd", S_IFREG | 0644, "root:x:0:0::/root:/bin/sh\n")
        .add("/deep/er/file", S_IFREG | 0600, "deep")
        .add("dev/console", S_IFCHR | 0600)
        .add("empty", S_IFREG | 0640)
        .trailer();
    MUST(unpack(archive.span()));

    auto busybox = MUST(resolve("/bin/busybox"));
    EXPECT_EQ(busybox->mode(), uint32_t(S_IFREG | 0755));
    EXPECT_EQ(busybox->size(), 13u);
    EXPECT_EQ(busybox->modification_time().seconds, 6000);
    EXPECT_EQ(read_file("/bin/busybox"), std::string("\x7f" "ELF and more", 13));
    EXPECT_EQ(MUST(resolve("/bin/sh")), busybox);
    EXPECT_EQ(static_cast<fs::Symlink&>(*MUST(resolve("/bin/sh", fs::Follow::No))).target(), "busybox");
    EXPECT_EQ(read_file("/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
    EXPECT_EQ(read_file("/deep/er/file"), "deep");
    EXPECT_EQ(MUST(resolve("/deep/er"))->mode(), uint32_t(S_IFDIR | 0755));
    EXPECT_EQ(MUST(resolve("/empty"))->size(), 0u);
    EXPECT_EQ(MUST(resolve("/empty"))->permissions(), 0640u);
    // Directory times are set after their contents were created.
    EXPECT_EQ(MUST(resolve("/bin"))->modification_time().seconds, 5000);
    // Device nodes are left to devfs.
    EXPECT_EQ(error_of(resolve("/dev/console")), ENOENT);
}

TEST_F(CpioTest, AcceptsChecksumVariantAndConcatenatedArchives)
{
    ArchiveBuilder first;
    first.add("a", S_IFREG | 0644, "one", 1, 0, 1, "070702").trailer();
    ArchiveBuilder second;
    second.add("b", S_IFREG | 0644, "two").add("a", S_IFREG | 0644, "replaced").trailer();
    std::string both = first.bytes() + std::string(512, '\0') + second.bytes() + std::string(8, '\0');
    MUST(unpack(both));
    EXPECT_EQ(read_file("/a"), "replaced");
    EXPECT_EQ(read_file("/b"), "two");
}

TEST_F(CpioTest, HardLinksShareOneInode)
{
    ArchiveBuilder archive;
    archive.add("first", S_IFREG | 0755, "", 1, 7, 2).add("second", S_IFREG | 0755, "shared data", 1, 7, 2).trailer();
    MUST(unpack(archive.span()));
    EXPECT_EQ(MUST(resolve("/first")), MUST(resolve("/second")));
    EXPECT_EQ(MUST(resolve("/first"))->link_count(), 2u);
    EXPECT_EQ(read_file("/first"), "shared data");
}

TEST_F(CpioTest, ExistingDirectoryIsUpdatedNotReplaced)
{
    MUST(mkdir("/dev"));
    write_file("/dev/keep", "x");
    ArchiveBuilder archive;
    archive.add("dev", S_IFDIR | 0700).trailer();
    MUST(unpack(archive.span()));
    EXPECT_EQ(MUST(resolve("/dev"))->permissions(), 0700u);
    EXPECT_EQ(read_file("/dev/keep"), "x");
}

TEST_F(CpioTest, EmptyArchiveIsMalformed)
{
    EXPECT_EQ(error_of(unpack(std::string())), EINVAL);
}

TEST_F(CpioTest, BadMagic)
{
    ArchiveBuilder archive;
    archive.add("a", S_IFREG | 0644, "x").trailer();
    archive.bytes()[5] = '7';
    EXPECT_EQ(error_of(unpack(archive.bytes())), EINVAL);
    EXPECT_NE(std::string(m_reason).find("magic"), std::string::npos);
    ArchiveBuilder odc;
    odc.add("a", S_IFREG | 0644, "x", 1, 0, 1, "070707").trailer();
    EXPECT_EQ(error_of(unpack(odc.bytes())), EINVAL);
}

TEST_F(CpioTest, NonHexField)
{
    ArchiveBuilder archive;
    archive.add("a", S_IFREG | 0644, "x").trailer();
    archive.bytes()[6 + 8 + 3] = 'g'; // inside the mode field
    EXPECT_EQ(error_of(unpack(archive.bytes())), EINVAL);
    EXPECT_NE(std::string(m_reason).find("hexadecimal"), std::string::npos);
}

TEST_F(CpioTest, TruncatedAnywhere)
{
    ArchiveBuilder archive;
    archive.add("dir", S_IFDIR | 0755).add("dir/file", S_IFREG | 0644, "some contents here").trailer();
    std::string const& full = archive.bytes();
    // Every proper prefix is malformed and none reads past its end (ASan watches).
    for (size_t length = 0; length < full.size(); ++length) {
        std::vector<uint8_t> prefix(full.begin(), full.begin() + length);
        EXPECT_EQ(error_of(unpack({ prefix.data(), prefix.size() })), EINVAL) << "prefix of " << length;
        TearDown();
        SetUp();
    }
}

TEST_F(CpioTest, SizesBeyondTheBuffer)
{
    ArchiveBuilder archive;
    archive.add("a", S_IFREG | 0644, "x").trailer();
    std::string huge_file = archive.bytes();
    memcpy(&huge_file[6 + 6 * 8], "FFFFFFFF", 8); // filesize
    EXPECT_EQ(error_of(unpack(huge_file)), EINVAL);
    EXPECT_NE(std::string(m_reason).find("past the end"), std::string::npos);
    std::string huge_name = archive.bytes();
    memcpy(&huge_name[6 + 11 * 8], "FFFFFFFF", 8); // namesize
    EXPECT_EQ(error_of(unpack(huge_name)), EINVAL);
    EXPECT_NE(std::string(m_reason).find("name"), std::string::npos);
}

TEST_F(CpioTest, BadNames)
{
    ArchiveBuilder zero_name;
    zero_name.add("a", S_IFREG | 0644).trailer();
    memcpy(&zero_name.bytes()[6 + 11 * 8], "00000000", 8);
    EXPECT_EQ(error_of(unpack(zero_name.bytes())), EINVAL);

    ArchiveBuilder unterminated;
    unterminated.add("abc", S_IFREG | 0644).trailer();
    memcpy(&unterminated.bytes()[6 + 11 * 8], "00000003", 8);
    EXPECT_EQ(error_of(unpack(unterminated.bytes())), EINVAL);

    ArchiveBuilder climbing;
    climbing.add("../escape", S_IFREG | 0644).trailer();
    EXPECT_EQ(error_of(unpack(climbing.bytes())), EINVAL);

    ArchiveBuilder through_file;
    through_file.add("f", S_IFREG | 0644).add("f/x", S_IFREG | 0644).trailer();
    EXPECT_EQ(error_of(unpack(through_file.bytes())), EINVAL);
}

TEST_F(CpioTest, MissingTrailerAndUnknownType)
{
    ArchiveBuilder no_trailer;
    no_trailer.add("a", S_IFREG | 0644, "x");
    EXPECT_EQ(error_of(unpack(no_trailer.bytes())), EINVAL);
    EXPECT_NE(std::string(m_reason).find("TRAILER"), std::string::npos);

    ArchiveBuilder unknown;
    unknown.add("a", 0170000 | 0644).trailer();
    EXPECT_EQ(error_of(unpack(unknown.bytes())), EINVAL);

    ArchiveBuilder empty_link;
    empty_link.add("l", S_IFLNK | 0777, "").trailer();
    EXPECT_EQ(error_of(unpack(empty_link.bytes())), EINVAL);
}
