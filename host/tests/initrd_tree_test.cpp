#include "common/failure.h"
#include "initrd/initrd_tree.h"
#include "tests/cpio_reader.h"
#include "tests/temporary_directory.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using unifork::initrd::CpioWriter;
using unifork::initrd::InitrdTree;
using unifork::testing::read_cpio;
using unifork::testing::TemporaryDirectory;
using Kind = InitrdTree::Kind;

namespace {

std::vector<unifork::testing::CpioEntry> archive_of(InitrdTree const& tree)
{
    std::ostringstream output;
    CpioWriter writer(output);
    tree.write_to(writer);
    writer.finish();
    return read_cpio(output.str());
}

std::vector<std::string> names_of(std::vector<unifork::testing::CpioEntry> const& entries)
{
    std::vector<std::string> names;
    for (auto const& entry : entries)
        names.push_back(entry.name);
    return names;
}

auto ignore_warnings = [](std::string const&) {};

}

TEST(InitrdTree, CopiesAHostDirectoryKeepingModesAndLinks)
{
    TemporaryDirectory root;
    root.write_file("bin/tool", "ELF-ish", 0755);
    root.write_file("etc/secret", "s", 0600);
    std::filesystem::create_directories(root / "empty");
    ::chmod((root / "empty").c_str(), 0711);
    ASSERT_EQ(::symlink("tool", (root / "bin/alias").c_str()), 0);
    ASSERT_EQ(::symlink("/nowhere", (root / "dangling").c_str()), 0);
    ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0644), 0);

    std::vector<std::string> warnings;
    InitrdTree tree;
    tree.add_host_path(root.path(), "/", [&](std::string const& warning) { warnings.push_back(warning); });
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("fifo"), std::string::npos);

    auto entries = archive_of(tree);
    EXPECT_EQ(names_of(entries), (std::vector<std::string> { "bin", "bin/alias", "bin/tool", "dangling", "empty", "etc", "etc/secret", "TRAILER!!!" }));
    EXPECT_EQ(entries[1].mode, S_IFLNK | 0777u);
    EXPECT_EQ(entries[1].data, "tool");
    EXPECT_EQ(entries[2].mode, S_IFREG | 0755u);
    EXPECT_EQ(entries[2].data, "ELF-ish");
    EXPECT_EQ(entries[3].data, "/nowhere");
    EXPECT_EQ(entries[4].mode, S_IFDIR | 0711u);
    EXPECT_EQ(entries[6].mode, S_IFREG | 0600u);
    EXPECT_EQ(entries[6].uid, 0u);
    struct stat status {};
    ::stat((root / "bin/tool").c_str(), &status);
    EXPECT_EQ(entries[2].mtime, static_cast<std::uint32_t>(status.st_mtime));
}

TEST(InitrdTree, AddsAFileAtADeepPathWithImplicitParents)
{
    TemporaryDirectory host;
    auto file = host.write_file("data.txt", "payload");
    InitrdTree tree(77);
    tree.add_host_path(file, "/srv/app/data.txt", ignore_warnings);
    auto entries = archive_of(tree);
    EXPECT_EQ(names_of(entries), (std::vector<std::string> { "srv", "srv/app", "srv/app/data.txt", "TRAILER!!!" }));
    EXPECT_EQ(entries[0].mode, S_IFDIR | 0755u);
    EXPECT_EQ(entries[0].mtime, 77u);
    EXPECT_EQ(entries[2].data, "payload");
}

TEST(InitrdTree, TheNamedHostPathIsFollowedWhenItIsALink)
{
    TemporaryDirectory host;
    host.write_file("real", "contents", 0700);
    ASSERT_EQ(::symlink("real", (host / "link").c_str()), 0);
    InitrdTree tree;
    tree.add_host_path(host / "link", "/copied", ignore_warnings);
    auto const* entry = tree.find("/copied");
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->kind, Kind::HostFile);
    EXPECT_EQ(entry->permissions, 0700u);
}

TEST(InitrdTree, LaterAdditionsReplaceEarlierOnes)
{
    InitrdTree tree;
    tree.add_inline_file("/etc/hosts", "old", 0644, 0);
    tree.add_inline_file("/etc/hosts", "new", 0600, 0);
    EXPECT_EQ(tree.find("/etc/hosts")->data, "new");

    tree.add_inline_file("/opt/dir/a", "a", 0644, 0);
    tree.add_inline_file("/opt/dir/b", "b", 0644, 0);
    tree.add_inline_file("/opt/dir", "now a file", 0644, 0);
    EXPECT_FALSE(tree.find("/opt/dir/a"));
    EXPECT_EQ(tree.find("/opt/dir")->kind, Kind::InlineFile);

    tree.add_directory("/etc", 0700, 5);
    EXPECT_EQ(tree.find("/etc")->permissions, 0700u);
    EXPECT_TRUE(tree.find("/etc/hosts"));
}

TEST(InitrdTree, AdditionsGoThroughDirectoryLinks)
{
    InitrdTree tree;
    tree.add_directory("/usr/bin", 0755, 0);
    tree.add_symlink("/bin", "usr/bin", 0);
    tree.add_inline_file("/bin/tool", "t", 0755, 0);
    EXPECT_EQ(tree.find("/bin")->kind, Kind::Symlink);
    EXPECT_TRUE(tree.find("/usr/bin/tool"));
    EXPECT_FALSE(tree.find("/bin/tool"));

    // A directory merged onto the link keeps the link.
    tree.add_directory("/bin", 0700, 0);
    EXPECT_EQ(tree.find("/bin")->kind, Kind::Symlink);

    auto names = names_of(archive_of(tree));
    EXPECT_EQ(names, (std::vector<std::string> { "bin", "usr", "usr/bin", "usr/bin/tool", "TRAILER!!!" }));
}

TEST(InitrdTree, CannotPlaceBelowAFile)
{
    InitrdTree tree;
    tree.add_inline_file("/file", "x", 0644, 0);
    EXPECT_THROW(tree.add_inline_file("/file/inside", "y", 0644, 0), unifork::Failure);
    EXPECT_THROW(tree.add_inline_file("/a/../b", "y", 0644, 0), unifork::Failure);
    EXPECT_THROW(tree.add_inline_file("/", "y", 0644, 0), unifork::Failure);
}

TEST(InitrdTree, ResolvesLinksLikeTheGuestWill)
{
    InitrdTree tree;
    tree.add_inline_file("/usr/bin/busybox", "bb", 0755, 0);
    tree.add_symlink("/bin", "usr/bin", 0);
    tree.add_symlink("/usr/bin/sh", "busybox", 0);
    tree.add_symlink("/usr/bin/abs", "/bin/sh", 0);
    tree.add_symlink("/usr/bin/up", "../../usr/./bin/busybox", 0);
    tree.add_symlink("/usr/bin/beyond", "../../../../usr/bin/busybox", 0);
    tree.add_symlink("/loop1", "loop2", 0);
    tree.add_symlink("/loop2", "loop1", 0);
    tree.add_symlink("/dangling", "missing", 0);

    for (auto const* path : { "/bin/sh", "/usr/bin/abs", "/bin/up", "/bin/beyond", "bin//./sh" }) {
        auto resolved = tree.resolve(path);
        ASSERT_TRUE(resolved) << path;
        EXPECT_EQ(resolved->path, "/usr/bin/busybox") << path;
        EXPECT_EQ(resolved->entry->kind, Kind::InlineFile);
    }
    auto directory = tree.resolve("/bin");
    ASSERT_TRUE(directory);
    EXPECT_EQ(directory->path, "/usr/bin");
    EXPECT_EQ(tree.resolve("/")->entry->kind, Kind::Directory);
    EXPECT_FALSE(tree.resolve("/loop1"));
    EXPECT_FALSE(tree.resolve("/dangling"));
    EXPECT_FALSE(tree.resolve("/bin/sh/x"));
    EXPECT_FALSE(tree.resolve("/nothing"));
}

TEST(InitrdTree, MissingHostPathIsAnError)
{
    TemporaryDirectory host;
    InitrdTree tree;
    EXPECT_THROW(tree.add_host_path(host / "absent", "/x", ignore_warnings), unifork::Failure);
}

TEST(InitrdTree, StreamsHostFilesWhenWritten)
{
    TemporaryDirectory host;
    std::string contents;
    for (int index = 0; index < 300000; ++index)
        contents += static_cast<char>(index % 251);
    auto file = host.write_file("blob", contents, 0640);
    InitrdTree tree;
    tree.add_host_path(file, "/blob", ignore_warnings);
    auto entries = archive_of(tree);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].data, contents);
    EXPECT_EQ(entries[0].mode, S_IFREG | 0640u);
}
