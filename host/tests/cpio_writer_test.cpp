#include "initrd/cpio_writer.h"
#include "tests/cpio_reader.h"

#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>

using unifork::initrd::CpioError;
using unifork::initrd::CpioWriter;
using unifork::testing::read_cpio;

TEST(CpioWriter, EmptyArchiveIsOnlyTheTrailer)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.finish();
    std::string expected = "070701"
                           "00000000" "00000000" "00000000" "00000000" "00000001" "00000000" "00000000"
                           "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
                           "TRAILER!!!";
    expected.append(4, '\0'); // the name's NUL, then padding from 110 + 11 up to 124
    EXPECT_EQ(output.str(), expected);
    EXPECT_EQ(writer.bytes_written(), 124u);
}

TEST(CpioWriter, HeaderIsUpperCaseHexWithRootOwnership)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_file("/hello", 0644, 0x5f5e100, "hi");
    auto archive = output.str();
    std::string expected_header = "070701"
                                  "00000001" "000081A4" "00000000" "00000000" "00000001" "05F5E100" "00000002"
                                  "00000000" "00000000" "00000000" "00000000" "00000006" "00000000";
    ASSERT_GE(archive.size(), 110u);
    EXPECT_EQ(archive.substr(0, 110), expected_header);
    // 110 + "hello\0" = 116, already aligned; then "hi" padded to 4.
    EXPECT_EQ(archive.substr(110), std::string("hello\0hi\0\0", 10));
}

TEST(CpioWriter, NamesAndDataArePaddedToFourBytes)
{
    for (std::size_t name_length = 1; name_length <= 9; ++name_length) {
        for (std::size_t data_length = 0; data_length <= 5; ++data_length) {
            std::ostringstream output;
            CpioWriter writer(output);
            std::string name(name_length, 'n');
            std::string data(data_length, 'd');
            writer.add_file(name, 0600, 0, data);
            writer.finish();
            auto entries = read_cpio(output.str());
            ASSERT_EQ(entries.size(), 2u);
            EXPECT_EQ(entries[0].name, name);
            EXPECT_EQ(entries[0].data, data);
            EXPECT_EQ(output.str().size() % 4, 0u);
        }
    }
}

TEST(CpioWriter, DeepFileCreatesParentsFirst)
{
    std::ostringstream output;
    CpioWriter writer(output, 1234);
    writer.add_file("/usr/local/bin/tool", 0755, 99, "#!");
    writer.finish();
    auto entries = read_cpio(output.str());
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].name, "usr");
    EXPECT_EQ(entries[1].name, "usr/local");
    EXPECT_EQ(entries[2].name, "usr/local/bin");
    for (int index = 0; index < 3; ++index) {
        EXPECT_EQ(entries[index].mode, S_IFDIR | 0755u);
        EXPECT_EQ(entries[index].nlink, 2u);
        EXPECT_EQ(entries[index].mtime, 1234u);
    }
    EXPECT_EQ(entries[3].name, "usr/local/bin/tool");
    EXPECT_EQ(entries[3].mode, S_IFREG | 0755u);
    EXPECT_EQ(entries[3].nlink, 1u);
    EXPECT_EQ(entries[3].mtime, 99u);
    EXPECT_EQ(entries[4].name, "TRAILER!!!");
}

TEST(CpioWriter, InodesIncreaseMonotonically)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_directory("a", 0700, 0);
    writer.add_file("a/one", 0600, 0, "1");
    writer.add_symlink("a/two", "one", 0);
    writer.add_file("b/three", 0600, 0, "3");
    writer.finish();
    auto entries = read_cpio(output.str());
    ASSERT_EQ(entries.size(), 6u);
    for (std::size_t index = 0; index + 1 < entries.size(); ++index)
        EXPECT_EQ(entries[index].inode, index + 1);
    EXPECT_EQ(entries.back().inode, 0u);
}

TEST(CpioWriter, ExplicitDirectoryKeepsItsModeAndReAddingIsIgnored)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_directory("/tmp", 01777, 5);
    writer.add_directory("/tmp/", 0700, 6);
    writer.add_file("tmp/x", 0600, 0, "");
    writer.finish();
    auto entries = read_cpio(output.str());
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].mode, S_IFDIR | 01777u);
    EXPECT_EQ(entries[0].mtime, 5u);
    EXPECT_EQ(entries[1].name, "tmp/x");
}

TEST(CpioWriter, SymlinkDataIsTheTargetWithoutNul)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_symlink("/bin", "usr/bin", 7);
    writer.finish();
    auto entries = read_cpio(output.str());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].mode, S_IFLNK | 0777u);
    EXPECT_EQ(entries[0].data, "usr/bin");
}

TEST(CpioWriter, StreamsFileContents)
{
    std::string contents;
    for (int index = 0; index < 200000; ++index)
        contents += static_cast<char>(index * 7);
    std::istringstream input(contents);
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_file("big", 0644, 0, input, contents.size());
    writer.finish();
    auto entries = read_cpio(output.str());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].data, contents);
}

TEST(CpioWriter, ShortStreamIsAnError)
{
    std::istringstream input("abc");
    std::ostringstream output;
    CpioWriter writer(output);
    EXPECT_THROW(writer.add_file("short", 0644, 0, input, 10), CpioError);
}

TEST(CpioWriter, RejectsConflictingEntries)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_file("/etc/passwd", 0644, 0, "root");
    EXPECT_THROW(writer.add_file("etc/passwd", 0644, 0, "again"), CpioError);
    EXPECT_THROW(writer.add_directory("etc/passwd", 0755, 0), CpioError);
    EXPECT_THROW(writer.add_file("etc/passwd/inside", 0644, 0, ""), CpioError);
    writer.finish();
    EXPECT_THROW(writer.add_file("late", 0644, 0, ""), CpioError);
    EXPECT_THROW(writer.finish(), CpioError);
}

TEST(CpioWriter, TimesOutsideTheFieldAreClamped)
{
    std::ostringstream output;
    CpioWriter writer(output);
    writer.add_file("old", 0644, -5, "");
    writer.add_file("future", 0644, 0x1'0000'0000ll, "");
    writer.finish();
    auto entries = read_cpio(output.str());
    EXPECT_EQ(entries[0].mtime, 0u);
    EXPECT_EQ(entries[1].mtime, 0xffffffffu);
}

TEST(CpioWriter, NormalizesPaths)
{
    EXPECT_EQ(CpioWriter::normalize_path("/a//b/./c/"), "a/b/c");
    EXPECT_EQ(CpioWriter::normalize_path("./x"), "x");
    EXPECT_EQ(CpioWriter::normalize_path("name with spaces/ü"), "name with spaces/ü");
    EXPECT_THROW(CpioWriter::normalize_path("/"), CpioError);
    EXPECT_THROW(CpioWriter::normalize_path(""), CpioError);
    EXPECT_THROW(CpioWriter::normalize_path("a/../b"), CpioError);
    EXPECT_THROW(CpioWriter::normalize_path(std::string_view("a\0b", 3)), CpioError);
}
