#include "common/failure.h"
#include "qemu/virtual_machine.h"
#include "tests/temporary_directory.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace unifork::qemu;
using unifork::testing::TemporaryDirectory;

namespace {

// Stands in for qemu-system-x86_64: it finds the serial ports' descriptors in its arguments the
// way QEMU does and plays the guest's part, chosen by $FAKE_QEMU_SCRIPT.
constexpr char const* fake_qemu = R"(#!/bin/bash
for argument in "$@"; do
    case "$argument" in
        socket,id=out,fd=*) out=${argument##*=} ;;
        socket,id=err,fd=*) err=${argument##*=} ;;
        socket,id=ctl,fd=*) ctl=${argument##*=} ;;
    esac
done
eval "$FAKE_QEMU_SCRIPT"
)";

class VirtualMachine : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_qemu = m_directory.write_file("qemu-system-x86_64", fake_qemu, 0755);
        m_output = open_sink("stdout");
        m_error = open_sink("stderr");
    }
    void TearDown() override
    {
        ::close(m_output);
        ::close(m_error);
        ::unsetenv("FAKE_QEMU_SCRIPT");
    }

    int open_sink(std::string const& name)
    {
        return ::open((m_directory / name).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    }

    std::string read_sink(std::string const& name)
    {
        std::ifstream stream(m_directory / name, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(stream), {});
    }

    RunOutcome run(std::string const& script, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
        std::chrono::milliseconds grace = std::chrono::milliseconds(2000), std::chrono::milliseconds stop_timeout = std::chrono::milliseconds(10000))
    {
        ::setenv("FAKE_QEMU_SCRIPT", script.c_str(), 1);
        RunSettings settings;
        settings.configuration.qemu_path = m_qemu;
        settings.configuration.kernel_path = "kernel";
        settings.configuration.initrd_path = "initrd";
        settings.output_sink = m_output;
        settings.error_sink = m_error;
        settings.timeout = timeout;
        settings.exit_grace = grace;
        settings.stop_timeout = stop_timeout;
        settings.warn = [this](std::string const& warning) { m_warnings.push_back(warning); };
        return run_virtual_machine(settings);
    }

    TemporaryDirectory m_directory;
    std::string m_qemu;
    int m_output { -1 };
    int m_error { -1 };
    std::vector<std::string> m_warnings;
};

}

TEST_F(VirtualMachine, RelaysBothStreamsAndReadsTheExitRecord)
{
    auto outcome = run(R"(printf 'out\000\377 bytes\n' >&$out; printf 'err line\n' >&$err; printf 'exited 42\n' >&$ctl; exit 85)");
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Exited, 42 }));
    EXPECT_EQ(exit_status_for(*outcome.record), 42);
    EXPECT_EQ(read_sink("stdout"), std::string("out\0\377 bytes\n", 12));
    EXPECT_EQ(read_sink("stderr"), "err line\n");
    EXPECT_FALSE(outcome.timed_out);
    EXPECT_EQ(outcome.interrupted_by, 0);
    EXPECT_TRUE(WIFEXITED(outcome.qemu_wait_status));
    EXPECT_EQ(WEXITSTATUS(outcome.qemu_wait_status), 85);
    EXPECT_TRUE(m_warnings.empty());
}

TEST_F(VirtualMachine, RelaysLargeOutputByteForByte)
{
    std::string contents;
    for (int index = 0; index < (1 << 20); ++index)
        contents += static_cast<char>((index * 31) ^ (index >> 8));
    auto input = m_directory.write_file("input", contents);
    auto outcome = run("cat '" + input + "' >&$out; cat '" + input + "' >&$err; printf 'signaled 9\\n' >&$ctl");
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(exit_status_for(*outcome.record), 137);
    EXPECT_TRUE(read_sink("stdout") == contents);
    EXPECT_TRUE(read_sink("stderr") == contents);
}

TEST_F(VirtualMachine, WarnsAboutGarbageAndKeepsTheFirstFinalRecord)
{
    auto outcome = run(R"(printf 'hello\nexited 300\npanic\nexited 1\n' >&$ctl)");
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(outcome.record->kind, ControlRecord::Kind::Panic);
    ASSERT_EQ(m_warnings.size(), 3u);
    EXPECT_NE(m_warnings[0].find("hello"), std::string::npos);
    EXPECT_NE(m_warnings[1].find("exited 300"), std::string::npos);
    EXPECT_NE(m_warnings[2].find("after the final"), std::string::npos);
}

TEST_F(VirtualMachine, NoRecordKeepsQemusOwnMessages)
{
    auto outcome = run(R"(echo "qemu-system-x86_64: could not load kernel" >&2; printf 'partial' >&$ctl; exit 1)");
    EXPECT_FALSE(outcome.record);
    EXPECT_EQ(outcome.qemu_diagnostics, "qemu-system-x86_64: could not load kernel\n");
    ASSERT_EQ(m_warnings.size(), 1u);
    EXPECT_NE(m_warnings[0].find("partial"), std::string::npos);
}

TEST_F(VirtualMachine, TimeoutStopsTheVm)
{
    auto start = std::chrono::steady_clock::now();
    auto outcome = run("printf 'started\\n' >&$out; exec sleep 30", std::chrono::milliseconds(300));
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(outcome.timed_out);
    EXPECT_FALSE(outcome.record);
    EXPECT_LT(elapsed, std::chrono::seconds(10));
    EXPECT_TRUE(WIFSIGNALED(outcome.qemu_wait_status));
    EXPECT_EQ(read_sink("stdout"), "started\n");
}

TEST_F(VirtualMachine, AVmThatLingersAfterItsRecordIsStopped)
{
    auto outcome = run("printf 'exited 0\\n' >&$ctl; exec sleep 30", std::nullopt, std::chrono::milliseconds(200));
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(exit_status_for(*outcome.record), 0);
    EXPECT_FALSE(outcome.timed_out);
    EXPECT_TRUE(WIFSIGNALED(outcome.qemu_wait_status));
}

// The fake guest signals the CLI (its parent, this test) itself, as a user at a terminal or a
// supervisor would, and echoes on COM1 what arrived on COM3.
TEST_F(VirtualMachine, PassesTheFirstSignalToTheGuest)
{
    auto outcome = run(R"(kill -TERM $PPID; read -r line <&$ctl; printf '%s\n' "$line" >&$out; printf 'exited 0\n' >&$ctl)");
    EXPECT_EQ(read_sink("stdout"), "signal 15\n");
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Exited, 0 }));
    EXPECT_EQ(outcome.interrupted_by, SIGTERM);
    EXPECT_FALSE(outcome.forced_stop);
    EXPECT_TRUE(WIFEXITED(outcome.qemu_wait_status));
    EXPECT_TRUE(m_warnings.empty());
}

TEST_F(VirtualMachine, PassesOnSigintSighupAndSigquitToo)
{
    for (int signal : { SIGINT, SIGHUP, SIGQUIT }) {
        auto outcome = run("kill -" + std::to_string(signal) + R"( $PPID; read -r line <&$ctl; printf '%s\n' "$line" >&$out; printf 'signaled %s\n' "${line#signal }" >&$ctl)");
        ASSERT_TRUE(outcome.record) << signal;
        EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Signaled, signal }));
        EXPECT_EQ(outcome.interrupted_by, signal);
        EXPECT_FALSE(outcome.forced_stop);
    }
    EXPECT_EQ(read_sink("stdout"), "signal 2\nsignal 1\nsignal 3\n");
}

TEST_F(VirtualMachine, ASecondSignalStopsTheVm)
{
    auto start = std::chrono::steady_clock::now();
    auto outcome = run(R"(kill -INT $PPID; read -r line <&$ctl; printf '%s\n' "$line" >&$out; kill -INT $PPID; exec sleep 30)");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
    EXPECT_EQ(read_sink("stdout"), "signal 2\n");
    EXPECT_FALSE(outcome.record);
    EXPECT_EQ(outcome.interrupted_by, SIGINT);
    EXPECT_TRUE(outcome.forced_stop);
    EXPECT_EQ(outcome.forced_by, SIGINT);
    EXPECT_TRUE(WIFSIGNALED(outcome.qemu_wait_status));
}

TEST_F(VirtualMachine, TheStopTimeoutStopsTheVm)
{
    auto start = std::chrono::steady_clock::now();
    auto outcome = run(R"(kill -TERM $PPID; read -r line <&$ctl; printf '%s\n' "$line" >&$out; exec sleep 30)", std::nullopt,
        std::chrono::milliseconds(2000), std::chrono::milliseconds(300));
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, std::chrono::milliseconds(300));
    EXPECT_LT(elapsed, std::chrono::seconds(8));
    EXPECT_EQ(read_sink("stdout"), "signal 15\n");
    EXPECT_EQ(outcome.interrupted_by, SIGTERM);
    EXPECT_TRUE(outcome.forced_stop);
    EXPECT_EQ(outcome.forced_by, 0);
    EXPECT_TRUE(WIFSIGNALED(outcome.qemu_wait_status));
}

TEST_F(VirtualMachine, OutputAfterTheSignalIsStillRelayed)
{
    auto outcome = run(R"(kill -TERM $PPID; read -r line <&$ctl; head -c 200000 /dev/zero >&$out; printf 'bye\n' >&$err; printf 'exited 0\n' >&$ctl)");
    EXPECT_EQ(read_sink("stdout"), std::string(200000, '\0'));
    EXPECT_EQ(read_sink("stderr"), "bye\n");
    ASSERT_TRUE(outcome.record);
    EXPECT_FALSE(outcome.forced_stop);
}

TEST_F(VirtualMachine, SignalsAfterTheExitRecordLeaveItsStatus)
{
    auto outcome = run(R"(printf 'exited 3\n' >&$ctl; sleep 0.2; kill -QUIT $PPID
        if read -t 0.5 -r line <&$ctl; then printf 'got %s\n' "$line" >&$out; fi
        kill -QUIT $PPID; exec sleep 30)");
    EXPECT_EQ(read_sink("stdout"), "");
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Exited, 3 }));
    EXPECT_FALSE(outcome.forced_stop);
    EXPECT_TRUE(WIFSIGNALED(outcome.qemu_wait_status));
}

TEST_F(VirtualMachine, ASignalTheCliIgnoresStaysIgnored)
{
    struct sigaction ignore {}, previous {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGHUP, &ignore, &previous);
    auto outcome = run(R"(kill -HUP $PPID; if read -t 0.3 -r line <&$ctl; then printf 'got %s\n' "$line" >&$out; fi; printf 'exited 0\n' >&$ctl)");
    struct sigaction after {};
    ::sigaction(SIGHUP, &previous, &after);
    EXPECT_EQ(after.sa_handler, SIG_IGN);
    EXPECT_EQ(read_sink("stdout"), "");
    EXPECT_EQ(outcome.interrupted_by, 0);
    ASSERT_TRUE(outcome.record);
}

TEST_F(VirtualMachine, QemuRunsInItsOwnProcessGroup)
{
    auto outcome = run(R"(read -r -a fields < /proc/$$/stat; echo "${fields[4]}" >&$out; printf 'exited 0\n' >&$ctl)");
    auto group = std::stol(read_sink("stdout"));
    EXPECT_NE(group, static_cast<long>(::getpgrp()));
}

TEST_F(VirtualMachine, MissingQemuIsAFailureOf125)
{
    RunSettings settings;
    settings.configuration.qemu_path = m_directory / "no-such-qemu";
    try {
        run_virtual_machine(settings);
        FAIL() << "expected a failure";
    } catch (unifork::Failure const& failure) {
        EXPECT_EQ(failure.exit_status(), 125);
    }
}
