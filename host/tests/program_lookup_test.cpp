#include "cli/program_lookup.h"
#include "common/failure.h"
#include "tests/temporary_directory.h"

#include <filesystem>
#include <gtest/gtest.h>

using namespace unifork::cli;
using unifork::Failure;
using unifork::initrd::InitrdTree;
using unifork::testing::TemporaryDirectory;

namespace {

int failure_status(auto&& function)
{
    try {
        function();
    } catch (Failure const& failure) {
        return failure.exit_status();
    }
    return -1;
}

}

TEST(HostProgram, SearchesPathLikeAShell)
{
    TemporaryDirectory host;
    host.write_file("first/tool", "not executable", 0644);
    host.write_file("second/tool", "executable", 0755);
    auto path = host / "missing" + ":" + host / "first" + ":" + host / "second";
    auto found = find_host_program("tool", path, "/");
    EXPECT_EQ(found.host_path, host / "second/tool");
    EXPECT_EQ(found.guest_path, host / "second/tool");
}

TEST(HostProgram, EmptyPathEntryMeansTheWorkingDirectory)
{
    TemporaryDirectory host;
    host.write_file("tool", "x", 0755);
    auto found = find_host_program("tool", "/nonexistent:", host.path());
    EXPECT_EQ(found.guest_path, host / "tool");
}

TEST(HostProgram, ANameWithASlashIsAPathMadeAbsolute)
{
    TemporaryDirectory host;
    host.write_file("sub/prog", "x", 0755);
    auto found = find_host_program("./sub/../sub/prog", "", host.path());
    EXPECT_EQ(found.guest_path, host / "sub/prog");
    found = find_host_program(host / "sub/prog", "", "/");
    EXPECT_EQ(found.host_path, host / "sub/prog");
}

TEST(HostProgram, NotFoundIs127AndNotExecutableIs126)
{
    TemporaryDirectory host;
    host.write_file("plain", "x", 0644);
    std::filesystem::create_directories(host / "directory");
    EXPECT_EQ(failure_status([&] { find_host_program("absent", host.path(), "/"); }), 127);
    EXPECT_EQ(failure_status([&] { find_host_program(host / "absent", "", "/"); }), 127);
    EXPECT_EQ(failure_status([&] { find_host_program("", host.path(), "/"); }), 127);
    EXPECT_EQ(failure_status([&] { find_host_program("plain", host.path(), "/"); }), 126);
    EXPECT_EQ(failure_status([&] { find_host_program(host / "plain", "", "/"); }), 126);
    EXPECT_EQ(failure_status([&] { find_host_program(host / "directory", "", "/"); }), 126);
    // A directory in PATH named like the program is skipped, as by a shell.
    EXPECT_EQ(failure_status([&] { find_host_program("directory", host.path(), "/"); }), 127);
}

TEST(GuestProgram, SearchesTheGuestBinDirectories)
{
    InitrdTree tree;
    tree.add_inline_file("/usr/bin/busybox", "bb", 0755, 0);
    tree.add_symlink("/bin", "usr/bin", 0);
    tree.add_symlink("/usr/sbin/ls", "../bin/busybox", 0);
    tree.add_inline_file("/sbin/data", "d", 0644, 0);
    EXPECT_EQ(find_guest_program(tree, "busybox"), "/bin/busybox");
    EXPECT_EQ(find_guest_program(tree, "ls"), "/usr/sbin/ls");
    EXPECT_EQ(find_guest_program(tree, "/usr/bin/busybox"), "/usr/bin/busybox");
    EXPECT_EQ(find_guest_program(tree, "usr/bin/../bin/busybox"), "/usr/bin/busybox");
    EXPECT_EQ(failure_status([&] { find_guest_program(tree, "cat"); }), 127);
    EXPECT_EQ(failure_status([&] { find_guest_program(tree, "/bin/cat"); }), 127);
    EXPECT_EQ(failure_status([&] { find_guest_program(tree, "data"); }), 126);
    EXPECT_EQ(failure_status([&] { find_guest_program(tree, "/usr"); }), 126);
}
