#include "cli/run_command.h"
#include "common/failure.h"
#include "tests/cpio_reader.h"
#include "tests/temporary_directory.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <unistd.h>

using namespace unifork::cli;
using unifork::Failure;
using unifork::testing::read_cpio;
using unifork::testing::TemporaryDirectory;

namespace {

// Plays QEMU: keeps a copy of the initrd it was given, then runs $FAKE_QEMU_SCRIPT as the guest.
constexpr char const* fake_qemu = R"(#!/bin/bash
previous=
for argument in "$@"; do
    case "$argument" in
        socket,id=out,fd=*) out=${argument##*=} ;;
        socket,id=err,fd=*) err=${argument##*=} ;;
        socket,id=ctl,fd=*) ctl=${argument##*=} ;;
    esac
    [ "$previous" = -initrd ] && cp "$argument" "$FAKE_QEMU_INITRD_COPY"
    previous=$argument
done
eval "$FAKE_QEMU_SCRIPT"
)";

class RunCommand : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_directory.write_file("bin/qemu-system-x86_64", fake_qemu, 0755);
        m_directory.write_file("build/unifork-kernel", "kernel image");
        m_program = m_directory.write_file("programs/hello", "\177ELF pretend", 0755);
        m_host.path_variable = m_directory / "bin" + ":" + m_directory / "programs";
        m_host.working_directory = m_directory.path();
        m_host.executable_directory = m_directory / "build";
        m_host.temporary_directory = m_directory.path();
        ::setenv("FAKE_QEMU_INITRD_COPY", (m_directory / "initrd-copy").c_str(), 1);
    }
    void TearDown() override
    {
        ::unsetenv("FAKE_QEMU_SCRIPT");
        ::unsetenv("FAKE_QEMU_INITRD_COPY");
    }

    int run(RunOptions const& options, std::string const& script)
    {
        ::setenv("FAKE_QEMU_SCRIPT", script.c_str(), 1);
        std::ostringstream err;
        int status = run_program(options, m_host, err);
        m_err = err.str();
        return status;
    }

    std::vector<unifork::testing::CpioEntry> initrd_entries()
    {
        std::ifstream stream(m_directory / "initrd-copy", std::ios::binary);
        std::string archive(std::istreambuf_iterator<char>(stream), {});
        return read_cpio(archive);
    }

    std::string file_in_initrd(std::string const& name)
    {
        for (auto const& entry : initrd_entries())
            if (entry.name == name)
                return entry.data;
        ADD_FAILURE() << name << " is not in the initrd";
        return {};
    }

    TemporaryDirectory m_directory;
    HostContext m_host;
    std::string m_program;
    std::string m_err;
};

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

TEST_F(RunCommand, ReturnsTheProgramsStatusAndPacksTheLaunchFile)
{
    RunOptions options;
    options.program = "hello";
    options.arguments = { "-l", "" };
    options.environment = { "A=1" };
    EXPECT_EQ(run(options, "printf 'exited 42\\n' >&$ctl"), 42);
    auto launch = file_in_initrd(".unifork/launch");
    auto expected_path = m_directory / "programs/hello";
    EXPECT_EQ(launch, "unifork-launch 1\nargc 3\nenvc 1\n\n" + expected_path + std::string("\0hello\0-l\0\0A=1\0", 15));
    EXPECT_EQ(file_in_initrd(expected_path.substr(1)), "\177ELF pretend");
    EXPECT_EQ(file_in_initrd("tmp"), "");
    // The temporary initrd is gone.
    for (auto const& item : std::filesystem::directory_iterator(m_directory.path()))
        EXPECT_EQ(item.path().filename().string().find("unifork-initrd"), std::string::npos);
}

TEST_F(RunCommand, MapsEachOutcomeToItsStatus)
{
    RunOptions options;
    options.program = m_program;
    EXPECT_EQ(run(options, "printf 'signaled 15\\n' >&$ctl"), 143);
    EXPECT_EQ(run(options, "printf 'panic\\n' >&$ctl"), 123);

    EXPECT_EQ(run(options, "echo 'qemu: something broke' >&2; exit 1"), 123);
    EXPECT_NE(m_err.find("qemu: something broke\n"), std::string::npos);
    EXPECT_NE(m_err.find("unifork: the VM stopped without reporting an exit status"), std::string::npos);

    options.timeout_seconds = 0.2;
    EXPECT_EQ(run(options, "exec sleep 30"), 124);
    EXPECT_NE(m_err.find("unifork: timed out after 0.2 s"), std::string::npos);
}

// The fake guest sends the CLI (its parent, this test) the signals itself.
TEST_F(RunCommand, SignalsToTheCliReachTheProgramOrStopTheVm)
{
    RunOptions options;
    options.program = m_program;
    // The program handles the signal and exits on its own, or dies of it.
    EXPECT_EQ(run(options, R"(kill -TERM $PPID; read -r line <&$ctl; [ "$line" = "signal 15" ] && printf 'exited 0\n' >&$ctl)"), 0);
    EXPECT_EQ(m_err, "");
    EXPECT_EQ(run(options, R"(kill -INT $PPID; read -r line <&$ctl; printf 'signaled %s\n' "${line#signal }" >&$ctl)"), 130);

    // A second signal stops the VM: 128 + the first one.
    EXPECT_EQ(run(options, R"(kill -TERM $PPID; read -r line <&$ctl; kill -INT $PPID; exec sleep 30)"), 143);
    EXPECT_NE(m_err.find("unifork: SIGINT again: stopped the VM"), std::string::npos) << m_err;

    // So does the stop timeout.
    options.stop_timeout_seconds = 0.2;
    EXPECT_EQ(run(options, R"(kill -INT $PPID; exec sleep 30)"), 130);
    EXPECT_NE(m_err.find("unifork: the program did not exit within 0.2 s of SIGINT: stopped the VM"), std::string::npos) << m_err;
}

TEST_F(RunCommand, TraceSyscallsAndKeepInitrd)
{
    RunOptions options;
    options.program = m_program;
    options.trace_syscalls = true;
    options.keep_initrd = m_directory / "kept.cpio";
    EXPECT_EQ(run(options, "printf 'exited 0\\n' >&$ctl"), 0);
    EXPECT_TRUE(std::filesystem::exists(*options.keep_initrd));
    EXPECT_EQ(file_in_initrd(".unifork/launch").rfind("unifork-launch 1\ntrace-syscalls 1\nargc 1\n", 0), 0u);
}

TEST_F(RunCommand, TellsTheKernelWhichStreamsAreTerminals)
{
    RunOptions options;
    options.program = "hello";
    m_host.stdin_terminal = true;
    m_host.stdout_terminal = true;
    m_host.window_size = { 40, 120 };
    EXPECT_EQ(run(options, "printf 'exited 0\\n' >&$ctl"), 0);
    EXPECT_EQ(file_in_initrd(".unifork/launch").rfind("unifork-launch 1\nstdin-terminal 1\nstdout-terminal 1\nwindow-size 40 120\nargc 1\n", 0), 0u);

    m_host.stdin_terminal = m_host.stdout_terminal = false;
    m_host.stderr_terminal = true;
    m_host.window_size.reset();
    EXPECT_EQ(run(options, "printf 'exited 0\\n' >&$ctl"), 0);
    EXPECT_EQ(file_in_initrd(".unifork/launch").rfind("unifork-launch 1\nstderr-terminal 1\nargc 1\n", 0), 0u);
}

// The program's standard input is the CLI's own, passed on as the guest asks for it.
TEST_F(RunCommand, RelaysTheCliStandardInput)
{
    int descriptors[2];
    ASSERT_EQ(::pipe(descriptors), 0);
    ASSERT_EQ(::write(descriptors[1], "typed\n", 6), 6);
    ::close(descriptors[1]);
    int saved = ::dup(0);
    ASSERT_GE(saved, 0);
    ::dup2(descriptors[0], 0);
    ::close(descriptors[0]);
    RunOptions options;
    options.program = "hello";
    auto status = run(options, R"(printf 'read 100\n' >&$ctl; IFS= read -r -t 5 line <&$ctl
        IFS= read -r -N "${line#input }" -t 5 data <&$out; [ "$line" = "input 6" ] && [ "$data" = typed$'\n' ] && printf 'exited 7\n' >&$ctl)");
    ::dup2(saved, 0);
    ::close(saved);
    EXPECT_EQ(status, 7);
}

TEST_F(RunCommand, RootfsAndAdditions)
{
    m_directory.write_file("root/usr/bin/tool", "tool", 0755);
    std::filesystem::create_symlink("usr/bin", m_directory / "root/bin");
    m_directory.write_file("extra/conf", "setting", 0644);
    RunOptions options;
    options.rootfs = m_directory / "root";
    options.additions = { { m_directory / "extra", "/etc/app" } };
    options.program = "tool";
    EXPECT_EQ(run(options, "printf 'exited 0\\n' >&$ctl"), 0);
    EXPECT_NE(file_in_initrd(".unifork/launch").find(std::string("\n\n/bin/tool\0tool\0", 17)), std::string::npos);
    EXPECT_EQ(file_in_initrd("etc/app/conf"), "setting");
    EXPECT_EQ(file_in_initrd("bin"), "usr/bin");

    options.program = "missing";
    EXPECT_EQ(failure_status([&] { run(options, ""); }), 127);

    options.program = "tool";
    options.additions = { { m_directory / "absent", "/x" } };
    EXPECT_EQ(failure_status([&] { run(options, ""); }), 125);

    options.additions.clear();
    options.rootfs = m_directory / "extra/conf";
    EXPECT_EQ(failure_status([&] { run(options, ""); }), 125);
}

TEST_F(RunCommand, MissingProgramOnTheHostIs127)
{
    RunOptions options;
    options.program = "no-such-program";
    EXPECT_EQ(failure_status([&] { run(options, ""); }), 127);
}

TEST_F(RunCommand, LocatesTheKernel)
{
    EXPECT_EQ(locate_kernel(std::nullopt, m_host), m_directory / "build/unifork-kernel");

    auto installed = m_host;
    installed.executable_directory = m_directory / "build/bin";
    std::filesystem::create_directories(installed.executable_directory);
    EXPECT_EQ(locate_kernel(std::nullopt, installed), m_directory / "build/bin/../unifork-kernel");

    auto from_variable = m_host;
    from_variable.kernel_variable = m_directory.write_file("other-kernel", "k");
    EXPECT_EQ(locate_kernel(std::nullopt, from_variable), m_directory / "other-kernel");
    EXPECT_EQ(locate_kernel(m_directory / "build/unifork-kernel", from_variable), m_directory / "build/unifork-kernel");

    from_variable.kernel_variable = m_directory / "absent";
    EXPECT_EQ(failure_status([&] { locate_kernel(std::nullopt, from_variable); }), 125);
    EXPECT_EQ(failure_status([&] { locate_kernel(m_directory / "absent", m_host); }), 125);
    auto nowhere = m_host;
    nowhere.executable_directory = m_directory / "programs";
    EXPECT_EQ(failure_status([&] { locate_kernel(std::nullopt, nowhere); }), 125);
}

TEST_F(RunCommand, LocatesQemu)
{
    EXPECT_EQ(locate_qemu(std::nullopt, m_host), m_directory / "bin/qemu-system-x86_64");
    auto without = m_host;
    without.path_variable = m_directory / "programs";
    try {
        locate_qemu(std::nullopt, without);
        FAIL();
    } catch (Failure const& failure) {
        EXPECT_EQ(failure.exit_status(), 125);
        EXPECT_STREQ(failure.what(), "QEMU not found (install qemu-system-x86)");
    }
}
