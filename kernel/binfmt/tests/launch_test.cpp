#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <binfmt/launch.h>

using namespace binfmt;

namespace {

struct Parsed {
    std::optional<LaunchRequest> request;
    int error { 0 };
    std::string message;
};

Parsed parse(std::string const& text)
{
    Diagnostic diagnostic;
    auto result = parse_launch_file({ reinterpret_cast<uint8_t const*>(text.data()), text.size() }, diagnostic);
    Parsed parsed;
    if (result.is_error()) {
        parsed.error = result.error().code();
        parsed.message = diagnostic.message();
    } else {
        parsed.request.emplace(result.release_value());
    }
    return parsed;
}

void expect_refused(std::string const& text, char const* reason)
{
    auto parsed = parse(text);
    ASSERT_FALSE(parsed.request) << "accepted; expected: " << reason;
    EXPECT_EQ(parsed.error, EINVAL);
    EXPECT_NE(parsed.message.find(reason), std::string::npos) << "message: " << parsed.message;
}

// Writes a launch file the way docs/protocol.md specifies (and the CLI does).
std::string launch_file(std::string const& options, std::string const& path, std::vector<std::string> const& arguments, std::vector<std::string> const& environment)
{
    std::string text = "unifork-launch 1\n" + options;
    text += "argc " + std::to_string(arguments.size()) + "\n";
    text += "envc " + std::to_string(environment.size()) + "\n\n";
    text += path;
    text.push_back('\0');
    for (auto const& string : arguments) {
        text += string;
        text.push_back('\0');
    }
    for (auto const& string : environment) {
        text += string;
        text.push_back('\0');
    }
    return text;
}

// A string literal with its embedded NULs, without the terminating one.
template<size_t N>
std::string bytes(char const (&literal)[N])
{
    return std::string(literal, N - 1);
}

std::vector<std::string> strings(Vector<String> const& vector)
{
    std::vector<std::string> result;
    for (auto const& string : vector)
        result.emplace_back(string.view());
    return result;
}

}

TEST(LaunchFile, ExactBytes)
{
    std::string const text = bytes("unifork-launch 1\nargc 2\nenvc 1\n\n/bin/echo\0echo\0hi\0HOME=/\0");
    auto parsed = parse(text);
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_EQ(parsed.request->path, "/bin/echo");
    EXPECT_EQ(strings(parsed.request->arguments), (std::vector<std::string> { "echo", "hi" }));
    EXPECT_EQ(strings(parsed.request->environment), (std::vector<std::string> { "HOME=/" }));
    EXPECT_FALSE(parsed.request->trace_syscalls);
    EXPECT_FALSE(parsed.request->hostname);
}

TEST(LaunchFile, AwkwardStringsRoundTrip)
{
    std::vector<std::string> const arguments = { "prog", "", "two words", "\"quoted\"", "'single'", "tab\there", "new\nline", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "\xff\xfe not UTF-8", "=", "\\" };
    std::vector<std::string> const environment = { "", "EMPTY=", "A=b=c", "SPACE= x ", "LINE=a\nb" };
    auto parsed = parse(launch_file("", "/bin/prog with space", arguments, environment));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_EQ(parsed.request->path, "/bin/prog with space");
    EXPECT_EQ(strings(parsed.request->arguments), arguments);
    EXPECT_EQ(strings(parsed.request->environment), environment);
}

TEST(LaunchFile, Options)
{
    auto parsed = parse(launch_file("trace-syscalls 1\nhostname my host\nfuture-option some value\n", "/p", { "p" }, {}));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_TRUE(parsed.request->trace_syscalls);
    ASSERT_TRUE(parsed.request->hostname);
    EXPECT_EQ(*parsed.request->hostname, "my host");

    parsed = parse(launch_file("trace-syscalls 0\n", "/p", { "p" }, {}));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_FALSE(parsed.request->trace_syscalls);

    parsed = parse(launch_file("hostname " + std::string(64, 'h') + "\n", "/p", { "p" }, {}));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_EQ(parsed.request->hostname->length(), 64u);
    EXPECT_FALSE(parsed.request->stdin_terminal || parsed.request->stdout_terminal || parsed.request->stderr_terminal);
    EXPECT_FALSE(parsed.request->window_size);

    parsed = parse(launch_file("stdin-terminal 1\nstderr-terminal 1\nstdout-terminal 0\nwindow-size 50 132\n", "/p", { "p" }, {}));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_TRUE(parsed.request->stdin_terminal);
    EXPECT_FALSE(parsed.request->stdout_terminal);
    EXPECT_TRUE(parsed.request->stderr_terminal);
    ASSERT_TRUE(parsed.request->window_size);
    EXPECT_EQ(parsed.request->window_size->rows, 50);
    EXPECT_EQ(parsed.request->window_size->columns, 132);
}

TEST(LaunchFile, NoArgumentsIsAllowed)
{
    auto parsed = parse(launch_file("", "/p", {}, {}));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_TRUE(parsed.request->arguments.is_empty());
    EXPECT_TRUE(parsed.request->environment.is_empty());
}

TEST(LaunchFile, FiveThousandArguments)
{
    std::vector<std::string> arguments;
    for (int i = 0; i < 5000; ++i)
        arguments.push_back(i % 7 == 0 ? std::string() : "argument " + std::to_string(i));
    std::vector<std::string> environment;
    for (int i = 0; i < 300; ++i)
        environment.push_back("VARIABLE_" + std::to_string(i) + "=" + std::string(size_t(i), 'v'));
    auto parsed = parse(launch_file("", "/bin/many", arguments, environment));
    ASSERT_TRUE(parsed.request) << parsed.message;
    EXPECT_EQ(strings(parsed.request->arguments), arguments);
    EXPECT_EQ(strings(parsed.request->environment), environment);
}

TEST(LaunchFile, MissingMagic)
{
    expect_refused("", "does not start with \"unifork-launch 1\"");
    expect_refused("unifork-launch 1", "does not start with");
    expect_refused("unifork-launch 2\nargc 0\nenvc 0\n\n/p\0", "does not start with");
    expect_refused(" unifork-launch 1\nargc 0\nenvc 0\n\n/p", "does not start with");
    expect_refused("unifork-launch 1 \nargc 0\nenvc 0\n\n", "does not start with");
}

TEST(LaunchFile, BadCounts)
{
    std::string const tail = bytes("\n/p\0p\0");
    expect_refused("unifork-launch 1\nargc\nenvc 0\n" + tail, "malformed launch option line \"argc\"");
    expect_refused("unifork-launch 1\nargc x\nenvc 0\n" + tail, "malformed argc");
    expect_refused("unifork-launch 1\nargc -1\nenvc 0\n" + tail, "malformed argc");
    expect_refused("unifork-launch 1\nargc +1\nenvc 0\n" + tail, "malformed argc");
    expect_refused("unifork-launch 1\nargc 01\nenvc 0\n" + tail, "malformed argc");
    expect_refused("unifork-launch 1\nargc 1 \nenvc 0\n" + tail, "malformed argc");
    expect_refused("unifork-launch 1\nargc 99999999999999999999\nenvc 0\n" + tail, "malformed argc");
    expect_refused("unifork-launch 1\nargc 1\nenvc\n" + tail, "malformed envc");
    expect_refused("unifork-launch 1\nargc 1\n" + tail, "malformed envc");
    expect_refused("unifork-launch 1\nargc 1\nenvc 0\nextra 1\n" + tail, "blank line");
    expect_refused(bytes("unifork-launch 1\nenvc 0\nargc 1\n\n/p\0p\0"), "envc line before its argc line");
    expect_refused("unifork-launch 1\n", "ends before its argc line");
}

TEST(LaunchFile, CountsMustMatchTheStrings)
{
    auto arguments_only = launch_file("", "/p", { "a", "b" }, {});
    expect_refused(arguments_only.substr(0, arguments_only.size() - 2), "ends inside argv (1 of 2 strings present)");
    auto text = launch_file("", "/p", { "a", "b" }, { "E=1" });
    expect_refused(text.substr(0, text.size() - 1), "ends inside envp");
    expect_refused(text + "x", "1 bytes after its last string");
    expect_refused(text + std::string(1, '\0'), "after its last string");
    // The argc line announces more strings than there are bytes: refused before allocating.
    expect_refused(bytes("unifork-launch 1\nargc 999999\nenvc 0\n\n/p\0"), "announces 999999 argv strings");
    expect_refused(bytes("unifork-launch 1\nargc 0\nenvc 0\n\n"), "ends before the program path");
    expect_refused(bytes("unifork-launch 1\nargc 0\nenvc 0\n\n/p"), "ends before the program path");
    expect_refused(bytes("unifork-launch 1\nargc 0\nenvc 0\n\n\0"), "empty program path");
}

TEST(LaunchFile, BadOptions)
{
    expect_refused(launch_file("trace-syscalls yes\n", "/p", { "p" }, {}), "trace-syscalls must be 0 or 1");
    expect_refused(launch_file("trace-syscalls \n", "/p", { "p" }, {}), "trace-syscalls must be 0 or 1");
    expect_refused(launch_file("hostname \n", "/p", { "p" }, {}), "hostname must be 1 to 64 bytes");
    expect_refused(launch_file("hostname " + std::string(65, 'h') + "\n", "/p", { "p" }, {}), "hostname must be 1 to 64 bytes");
    expect_refused(launch_file("stdout-terminal yes\n", "/p", { "p" }, {}), "stdout-terminal must be 0 or 1");
    for (auto const* size : { "24", "24 ", " 80", "0 80", "24 0", "24 65536", "024 80", "24  80", "24 80 1", "a b" })
        expect_refused(launch_file(std::string("window-size ") + size + "\n", "/p", { "p" }, {}), "window-size must be two numbers");
    expect_refused(launch_file("novalue\n", "/p", { "p" }, {}), "malformed launch option line \"novalue\"");
    expect_refused(launch_file(" leading\n", "/p", { "p" }, {}), "malformed launch option line");
    expect_refused(launch_file(bytes("bad\0key 1\n"), "/p", { "p" }, {}), "NUL byte in its header");
}

TEST(LaunchFile, EveryTruncationIsRefused)
{
    auto text = launch_file("trace-syscalls 1\nhostname h\n", "/bin/p", { "p", "", "x y" }, { "A=1", "" });
    ASSERT_TRUE(parse(text).request);
    for (size_t size = 0; size < text.size(); ++size) {
        auto parsed = parse(text.substr(0, size));
        EXPECT_FALSE(parsed.request) << size;
        EXPECT_EQ(parsed.error, EINVAL) << size;
        EXPECT_FALSE(parsed.message.empty()) << size;
    }
}
