#include "common/failure.h"
#include "qemu/virtual_machine.h"
#include "tests/temporary_directory.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <fstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <thread>
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
        for (int descriptor : m_opened)
            ::close(descriptor);
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
        settings.input_source = m_input;
        settings.timeout = timeout;
        settings.exit_grace = grace;
        settings.stop_timeout = stop_timeout;
        settings.warn = [this](std::string const& warning) { m_warnings.push_back(warning); };
        return run_virtual_machine(settings);
    }

    // A pipe holding `contents` becomes the VM's standard input; its write end is returned,
    // or closed (and -1 returned) when `end_of_input`.
    int pipe_as_input(std::string const& contents, bool end_of_input)
    {
        int descriptors[2];
        EXPECT_EQ(::pipe2(descriptors, O_CLOEXEC), 0);
        EXPECT_EQ(::write(descriptors[1], contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
        m_input = descriptors[0];
        m_opened.push_back(descriptors[0]);
        if (end_of_input) {
            ::close(descriptors[1]);
            return -1;
        }
        m_opened.push_back(descriptors[1]);
        return descriptors[1];
    }

    int unread_input()
    {
        int count = -1;
        EXPECT_EQ(::ioctl(m_input, FIONREAD, &count), 0);
        return count;
    }

    // Waits (at most 5 s) for the relayed standard output to hold `text`.
    bool wait_for_output(std::string const& text)
    {
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (read_sink("stdout").find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() > give_up)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    TemporaryDirectory m_directory;
    std::string m_qemu;
    int m_output { -1 };
    int m_error { -1 };
    int m_input { -1 };
    std::vector<int> m_opened;
    std::vector<std::string> m_warnings;
};

// A guest that asks for standard input `size` bytes at a time until its end, showing each
// answer on COM1 as [K:bytes].
std::string reader_guest(int size)
{
    return "size=" + std::to_string(size) + R"(
while :; do
    printf 'read %s\n' "$size" >&$ctl
    IFS= read -r -t 5 line <&$ctl || { echo 'no answer' >&$err; break; }
    count=${line#input }
    data=
    if [ "$count" -gt 0 ]; then IFS= read -r -N "$count" -t 5 data <&$out; fi
    printf '[%s:%s]' "$count" "$data" >&$out
    [ "$count" = 0 ] && break
done
printf 'exited 0\n' >&$ctl)";
}

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

TEST_F(VirtualMachine, RelaysStandardInputOnRequestUntilItsEnd)
{
    pipe_as_input("hello world\n", true);
    auto outcome = run(reader_guest(5));
    EXPECT_EQ(read_sink("stdout"), "[5:hello][5: worl][2:d\n][0:]");
    EXPECT_EQ(read_sink("stderr"), "");
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Exited, 0 }));
    EXPECT_TRUE(m_warnings.empty());
}

TEST_F(VirtualMachine, ReadsAFileInTheChunksAskedFor)
{
    std::string contents;
    for (int index = 0; contents.size() < 10000; ++index)
        contents += "line " + std::to_string(index) + "\n";
    contents.resize(10000);
    auto path = m_directory.write_file("input", contents);
    m_input = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    m_opened.push_back(m_input);
    auto outcome = run(R"(while :; do
        printf 'read 4096\n' >&$ctl
        IFS= read -r -t 5 line <&$ctl || break
        count=${line#input }
        printf '%s\n' "$count" >&$err
        [ "$count" = 0 ] && break
        IFS= read -r -N "$count" -t 5 data <&$out
        printf '%s' "$data" >&$out
    done
    printf 'exited 0\n' >&$ctl)");
    EXPECT_EQ(read_sink("stderr"), "4096\n4096\n1808\n0\n");
    EXPECT_TRUE(read_sink("stdout") == contents);
    ASSERT_TRUE(outcome.record);
    EXPECT_TRUE(m_warnings.empty());
}

// The guest asks for more and more without taking the bytes from COM1 until the socket is full:
// the answer that does not fit waits, and its record with it, until the guest takes them.
TEST_F(VirtualMachine, AnAnswerWaitsForTheGuestToTakeItsBytesBeforeItsRecord)
{
    std::string contents;
    for (int index = 0; contents.size() < (1 << 20); ++index)
        contents += std::to_string(index * 7919) + (index % 13 ? " " : "\n");
    contents.resize(1 << 20);
    auto path = m_directory.write_file("input", contents);
    m_input = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    m_opened.push_back(m_input);
    auto start = std::chrono::steady_clock::now();
    auto outcome = run(R"SH(answered=0
    while :; do
        printf 'read 65536\n' >&$ctl
        if ! IFS= read -r -t 0.3 line <&$ctl; then echo held >&$err; break; fi
        count=${line#input }
        [ "$count" = 0 ] && { echo 'never held' >&$err; break; }
        answered=$((answered + count))
    done
    head -c "$answered" <&$out >&$out
    IFS= read -r -t 5 line <&$ctl
    count=${line#input }
    head -c "$count" <&$out >&$out
    printf '%s\n' "$((answered + count))" >&$err
    printf 'exited 0\n' >&$ctl)SH");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    auto report = read_sink("stderr");
    ASSERT_EQ(report.rfind("held\n", 0), 0u) << report;
    auto total = std::stoul(report.substr(5));
    EXPECT_GT(total, 65536u);
    EXPECT_LE(total, contents.size());
    EXPECT_TRUE(read_sink("stdout") == contents.substr(0, total));
    ASSERT_TRUE(outcome.record);
    EXPECT_TRUE(m_warnings.empty());
}

TEST_F(VirtualMachine, WithoutStandardInputEveryRequestGetsEndOfInput)
{
    m_input = -1;
    auto outcome = run(R"(for size in 100 1 65536; do
            printf 'read %s\n' "$size" >&$ctl; IFS= read -r -t 5 line <&$ctl; printf '%s\n' "$line" >&$out
        done
        printf 'exited 0\n' >&$ctl)");
    EXPECT_EQ(read_sink("stdout"), "input 0\ninput 0\ninput 0\n");
    ASSERT_TRUE(outcome.record);
    EXPECT_TRUE(m_warnings.empty());
}

TEST_F(VirtualMachine, StandardInputIsLeftAloneWithoutARequest)
{
    pipe_as_input("untouched\n", false);
    auto outcome = run(R"(printf 'hi\n' >&$out; sleep 0.1; printf 'exited 0\n' >&$ctl)");
    EXPECT_EQ(read_sink("stdout"), "hi\n");
    EXPECT_EQ(unread_input(), 10);
    ASSERT_TRUE(outcome.record);
}

TEST_F(VirtualMachine, ARequestAfterTheFinalRecordIsIgnored)
{
    pipe_as_input("untouched\n", true);
    auto outcome = run(R"(printf 'exited 4\nread 5\n' >&$ctl
        if IFS= read -r -t 0.3 line <&$ctl; then printf 'got %s\n' "$line" >&$out; fi)");
    EXPECT_EQ(read_sink("stdout"), "");
    EXPECT_EQ(unread_input(), 10);
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Exited, 4 }));
    ASSERT_EQ(m_warnings.size(), 1u);
    EXPECT_NE(m_warnings[0].find("after the final record"), std::string::npos) << m_warnings[0];
}

TEST_F(VirtualMachine, ASecondRequestWhileOneIsOutstandingIsIgnored)
{
    // The input comes only once the guest has sent both requests, so the first one is still
    // outstanding when the second arrives.
    int writer = pipe_as_input("", false);
    std::thread user([&] {
        if (wait_for_output("asked\n")) {
            EXPECT_EQ(::write(writer, "abcdefgh", 8), 8);
        }
    });
    auto outcome = run(R"(printf 'read 3\n' >&$ctl; printf 'read 4\n' >&$ctl; printf 'asked\n' >&$out
        IFS= read -r -t 5 line <&$ctl; count=${line#input }
        IFS= read -r -N "$count" -t 5 data <&$out; printf '[%s:%s]' "$count" "$data" >&$out
        if IFS= read -r -t 0.3 line <&$ctl; then printf 'got %s\n' "$line" >&$out; fi
        printf 'exited 0\n' >&$ctl)");
    user.join();
    EXPECT_EQ(read_sink("stdout"), "asked\n[3:abc]");
    EXPECT_EQ(unread_input(), 5);
    ASSERT_EQ(m_warnings.size(), 1u);
    EXPECT_NE(m_warnings[0].find("while one is outstanding"), std::string::npos) << m_warnings[0];
    ASSERT_TRUE(outcome.record);
}

// While the guest waits for input that has not come yet, its output and a signal still pass.
TEST_F(VirtualMachine, OutputAndSignalsPassWhileTheGuestWaitsForInput)
{
    int writer = pipe_as_input("", false);
    std::thread user([&] {
        if (wait_for_output("waiting\nsignal 15\n")) {
            EXPECT_EQ(::write(writer, "late\n", 5), 5);
        }
    });
    auto outcome = run(R"(printf 'read 100\n' >&$ctl; printf 'waiting\n' >&$out; kill -TERM $PPID
        IFS= read -r -t 5 line <&$ctl; printf '%s\n' "$line" >&$out
        IFS= read -r -t 5 line <&$ctl; count=${line#input }
        IFS= read -r -N "$count" -t 5 data <&$out; printf '[%s:%s]' "$count" "$data" >&$out
        printf 'exited 0\n' >&$ctl)");
    user.join();
    EXPECT_EQ(read_sink("stdout"), "waiting\nsignal 15\n[5:late\n]");
    EXPECT_EQ(outcome.interrupted_by, SIGTERM);
    ASSERT_TRUE(outcome.record);
    EXPECT_EQ(*outcome.record, (ControlRecord { ControlRecord::Kind::Exited, 0 }));
    EXPECT_TRUE(m_warnings.empty());
}

// One read(2) of a terminal in canonical mode gives one line; its end-of-file character gives 0.
TEST_F(VirtualMachine, ATerminalGivesALineAtATime)
{
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(master, 0);
    m_opened.push_back(master);
    ASSERT_EQ(::grantpt(master), 0);
    ASSERT_EQ(::unlockpt(master), 0);
    m_input = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(m_input, 0);
    m_opened.push_back(m_input);
    ASSERT_EQ(::write(master, "one\ntwo\n\004", 9), 9);
    auto outcome = run(reader_guest(100));
    EXPECT_EQ(read_sink("stdout"), "[4:one\n][4:two\n][0:]");
    ASSERT_TRUE(outcome.record);
}
