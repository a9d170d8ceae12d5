#include "initrd/launch_file.h"

#include <algorithm>
#include <gtest/gtest.h>

using unifork::initrd::encode_launch_file;
using unifork::initrd::LaunchRequest;

namespace {

using namespace std::string_literals;

}

TEST(LaunchFile, MinimalRequestIsByteExact)
{
    LaunchRequest request;
    request.path = "/bin/true";
    request.arguments = { "true" };
    EXPECT_EQ(encode_launch_file(request), "unifork-launch 1\nargc 1\nenvc 0\n\n/bin/true\0true\0"s);
}

TEST(LaunchFile, EnvironmentFollowsArguments)
{
    LaunchRequest request;
    request.path = "/usr/bin/env";
    request.arguments = { "env", "-0" };
    request.environment = { "HOME=/root", "EMPTY=" };
    EXPECT_EQ(encode_launch_file(request),
        "unifork-launch 1\nargc 2\nenvc 2\n\n/usr/bin/env\0env\0-0\0HOME=/root\0EMPTY=\0"s);
}

TEST(LaunchFile, StringsAreRawBytes)
{
    LaunchRequest request;
    request.path = "/p";
    request.arguments = { "p", "", "two words", "'single' \"double\"", "caf\xc3\xa9 \xe2\x98\x83", "\xff\xfe not utf-8", "line\nbreak", "tab\there" };
    EXPECT_EQ(encode_launch_file(request),
        "unifork-launch 1\nargc 8\nenvc 0\n\n/p\0p\0\0two words\0'single' \"double\"\0caf\xc3\xa9 \xe2\x98\x83\0\xff\xfe not utf-8\0line\nbreak\0tab\there\0"s);
}

TEST(LaunchFile, ZeroArguments)
{
    LaunchRequest request;
    request.path = "/p";
    EXPECT_EQ(encode_launch_file(request), "unifork-launch 1\nargc 0\nenvc 0\n\n/p\0"s);
}

TEST(LaunchFile, OptionLinesComeBeforeTheCounts)
{
    LaunchRequest request;
    request.path = "/p";
    request.arguments = { "p" };
    request.trace_syscalls = true;
    request.hostname = "box";
    EXPECT_EQ(encode_launch_file(request), "unifork-launch 1\ntrace-syscalls 1\nhostname box\nargc 1\nenvc 0\n\n/p\0p\0"s);
}

TEST(LaunchFile, TerminalOptions)
{
    LaunchRequest request;
    request.path = "/p";
    request.arguments = { "p" };
    request.stdin_terminal = true;
    request.stderr_terminal = true;
    request.window_size = { 24, 80 };
    EXPECT_EQ(encode_launch_file(request), "unifork-launch 1\nstdin-terminal 1\nstderr-terminal 1\nwindow-size 24 80\nargc 1\nenvc 0\n\n/p\0p\0"s);

    request.trace_syscalls = true;
    request.hostname = "box";
    request.stdout_terminal = true;
    request.window_size = { 65535, 1 };
    EXPECT_EQ(encode_launch_file(request),
        "unifork-launch 1\ntrace-syscalls 1\nhostname box\nstdin-terminal 1\nstdout-terminal 1\nstderr-terminal 1\nwindow-size 65535 1\n"
        "argc 1\nenvc 0\n\n/p\0p\0"s);

    // A window size alone, as when only one descriptor is a terminal.
    request = {};
    request.path = "/p";
    request.stdout_terminal = true;
    request.window_size = { 50, 132 };
    EXPECT_EQ(encode_launch_file(request), "unifork-launch 1\nstdout-terminal 1\nwindow-size 50 132\nargc 0\nenvc 0\n\n/p\0"s);
}

TEST(LaunchFile, RejectsAWindowSizeOutOfRange)
{
    LaunchRequest request;
    request.path = "/p";
    for (auto size : { std::pair { 0u, 80u }, std::pair { 24u, 0u }, std::pair { 65536u, 80u }, std::pair { 24u, 65536u } }) {
        request.window_size = size;
        EXPECT_THROW(encode_launch_file(request), std::invalid_argument) << size.first << "x" << size.second;
    }
}

TEST(LaunchFile, ManyArguments)
{
    LaunchRequest request;
    request.path = "/bin/echo";
    std::string expected_tail = "/bin/echo"s + '\0';
    for (int index = 0; index < 5000; ++index) {
        request.arguments.push_back("argument-" + std::to_string(index));
        expected_tail += request.arguments.back() + '\0';
    }
    auto encoded = encode_launch_file(request);
    std::string header = "unifork-launch 1\nargc 5000\nenvc 0\n\n";
    ASSERT_EQ(encoded.substr(0, header.size()), header);
    EXPECT_EQ(encoded.substr(header.size()), expected_tail);
    // path + argc strings, each NUL-terminated
    EXPECT_EQ(std::count(encoded.begin(), encoded.end(), '\0'), 5001);
}

TEST(LaunchFile, RejectsWhatTheFormatCannotCarry)
{
    LaunchRequest request;
    request.path = "/p";
    request.arguments = { "a\0b"s };
    EXPECT_THROW(encode_launch_file(request), std::invalid_argument);

    request.arguments = { "p" };
    request.environment = { "K=\0"s };
    EXPECT_THROW(encode_launch_file(request), std::invalid_argument);

    request.environment.clear();
    request.hostname = "two\nlines";
    EXPECT_THROW(encode_launch_file(request), std::invalid_argument);

    request.hostname.reset();
    request.path = "";
    EXPECT_THROW(encode_launch_file(request), std::invalid_argument);
}
