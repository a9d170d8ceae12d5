#include "cli/command_line.h"

#include <gtest/gtest.h>
#include <sstream>

using namespace unifork::cli;

namespace {

struct Parsed {
    ParsedCommandLine result;
    std::string out;
    std::string err;
};

Parsed parse(std::vector<std::string> arguments)
{
    arguments.insert(arguments.begin(), "unifork");
    std::ostringstream out, err;
    auto result = parse_command_line(arguments, out, err);
    return { std::move(result), out.str(), err.str() };
}

}

TEST(CommandLine, DefaultsWithOnlyAProgram)
{
    auto parsed = parse({ "run", "/bin/true" });
    ASSERT_TRUE(parsed.result.run) << parsed.err;
    auto const& options = *parsed.result.run;
    EXPECT_EQ(options.program, "/bin/true");
    EXPECT_TRUE(options.arguments.empty());
    EXPECT_EQ(options.memory_mib, 128u);
    EXPECT_EQ(options.accelerator, AcceleratorChoice::Auto);
    EXPECT_FALSE(options.timeout_seconds);
    EXPECT_DOUBLE_EQ(options.stop_timeout_seconds, 10.0);
    EXPECT_FALSE(options.rootfs);
    EXPECT_TRUE(options.environment.empty());
    EXPECT_FALSE(options.trace_syscalls);
}

TEST(CommandLine, EverythingAfterTheProgramIsVerbatim)
{
    auto parsed = parse({ "run", "--mem", "1G", "/bin/busybox", "ls", "-l", "--mem", "3", "--", "--help", "" });
    ASSERT_TRUE(parsed.result.run) << parsed.err;
    EXPECT_EQ(parsed.result.run->memory_mib, 1024u);
    EXPECT_EQ(parsed.result.run->program, "/bin/busybox");
    EXPECT_EQ(parsed.result.run->arguments, (std::vector<std::string> { "ls", "-l", "--mem", "3", "--", "--help", "" }));
}

TEST(CommandLine, DoubleDashAllowsAProgramThatLooksLikeAnOption)
{
    auto parsed = parse({ "run", "--", "-weird", "a" });
    ASSERT_TRUE(parsed.result.run) << parsed.err;
    EXPECT_EQ(parsed.result.run->program, "-weird");
    EXPECT_EQ(parsed.result.run->arguments, (std::vector<std::string> { "a" }));
}

TEST(CommandLine, AllOptions)
{
    auto parsed = parse({ "run", "--mem=64M", "--accel", "tcg", "--timeout", "2.5", "--stop-timeout", "0.5", "--rootfs", "/srv/root", "--add", "a:/a", "--add", "b:/x/b",
        "--env", "A=1", "--env=B=2", "--trace-syscalls", "--kernel", "/k", "--qemu", "/q", "--keep-initrd", "/tmp/i.cpio", "prog", "arg" });
    ASSERT_TRUE(parsed.result.run) << parsed.err;
    auto const& options = *parsed.result.run;
    EXPECT_EQ(options.memory_mib, 64u);
    EXPECT_EQ(options.accelerator, AcceleratorChoice::Tcg);
    EXPECT_DOUBLE_EQ(*options.timeout_seconds, 2.5);
    EXPECT_DOUBLE_EQ(options.stop_timeout_seconds, 0.5);
    EXPECT_EQ(*options.rootfs, "/srv/root");
    EXPECT_EQ(options.additions, (std::vector<AddMapping> { { "a", "/a" }, { "b", "/x/b" } }));
    EXPECT_EQ(options.environment, (std::vector<std::string> { "A=1", "B=2" }));
    EXPECT_TRUE(options.trace_syscalls);
    EXPECT_EQ(*options.kernel, "/k");
    EXPECT_EQ(*options.qemu, "/q");
    EXPECT_EQ(*options.keep_initrd, "/tmp/i.cpio");
    EXPECT_EQ(options.program, "prog");
    EXPECT_EQ(options.arguments, (std::vector<std::string> { "arg" }));
}

TEST(CommandLine, OptionValuesThatLookLikeProgramsAreNotPrograms)
{
    auto parsed = parse({ "run", "--env", "X=1", "--accel", "kvm", "p" });
    ASSERT_TRUE(parsed.result.run) << parsed.err;
    EXPECT_EQ(parsed.result.run->program, "p");
    EXPECT_EQ(parsed.result.run->accelerator, AcceleratorChoice::Kvm);
}

TEST(CommandLine, HelpDocumentsExitStatusesAndExitsZero)
{
    auto top = parse({ "--help" });
    EXPECT_FALSE(top.result.run);
    EXPECT_EQ(top.result.exit_status, 0);
    EXPECT_NE(top.out.find("run"), std::string::npos);
    EXPECT_NE(top.out.find("124"), std::string::npos);

    auto run = parse({ "run", "--help" });
    EXPECT_FALSE(run.result.run);
    EXPECT_EQ(run.result.exit_status, 0);
    for (auto const* text : { "--mem", "--accel", "--timeout", "--stop-timeout", "--rootfs", "--add", "--env", "--trace-syscalls", "--kernel",
             "--qemu", "--keep-initrd", "123", "125", "126", "127", "128+N", "environment starts empty", "SIGINT (Ctrl-C), SIGTERM",
             "stops the VM at once" })
        EXPECT_NE(run.out.find(text), std::string::npos) << text;
}

TEST(CommandLine, HelpAfterTheProgramBelongsToTheProgram)
{
    auto parsed = parse({ "run", "prog", "--help" });
    ASSERT_TRUE(parsed.result.run);
    EXPECT_EQ(parsed.result.run->arguments, (std::vector<std::string> { "--help" }));
}

TEST(CommandLine, Version)
{
    auto parsed = parse({ "--version" });
    EXPECT_FALSE(parsed.result.run);
    EXPECT_EQ(parsed.result.exit_status, 0);
    EXPECT_EQ(parsed.out.rfind("unifork ", 0), 0u);
}

TEST(CommandLine, UsageErrorsExitWith125)
{
    std::vector<std::vector<std::string>> cases = {
        {},
        { "bogus" },
        { "run" },
        { "run", "--bogus", "prog" },
        { "run", "--mem" },
        { "run", "--mem", "2M", "prog" },
        { "run", "--mem", "lots", "prog" },
        { "run", "--accel", "hvf", "prog" },
        { "run", "--timeout", "0", "prog" },
        { "run", "--timeout", "soon", "prog" },
        { "run", "--stop-timeout", "-1", "prog" },
        { "run", "--stop-timeout", "later", "prog" },
        { "run", "--env", "=x", "prog" },
        { "run", "--env", "NOVALUE", "prog" },
        { "run", "--add", "nocolon", "prog" },
        { "run", "--add", "host:relative", "prog" },
        { "run", "--rootfs", "", "prog" },
        { "--bogus" },
    };
    for (auto const& arguments : cases) {
        auto parsed = parse(arguments);
        EXPECT_FALSE(parsed.result.run);
        EXPECT_EQ(parsed.result.exit_status, 125) << (arguments.empty() ? "(none)" : arguments.back());
        EXPECT_NE(parsed.err.find("unifork: "), std::string::npos);
    }
}
