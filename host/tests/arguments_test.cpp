#include "cli/arguments.h"
#include "common/failure.h"

#include <gtest/gtest.h>

using namespace unifork::cli;
using unifork::UsageError;

TEST(MemorySize, AcceptsQemuStyleSizes)
{
    EXPECT_EQ(parse_memory_size("8M"), 8u);
    EXPECT_EQ(parse_memory_size("512m"), 512u);
    EXPECT_EQ(parse_memory_size("1G"), 1024u);
    EXPECT_EQ(parse_memory_size("2g"), 2048u);
    EXPECT_EQ(parse_memory_size("1T"), 1024u * 1024u);
    EXPECT_EQ(parse_memory_size("256"), 256u);
    EXPECT_EQ(parse_memory_size("4M"), 4u);
}

TEST(MemorySize, RejectsInvalidOrTooSmall)
{
    for (auto const* text : { "", "M", "3M", "3", "0", "1.5G", "-1G", "1K", "12MB", " 8M", "8M ", "0x10", "99999999999999999999",
             "17T", "18446744073709551615" })
        EXPECT_THROW(parse_memory_size(text), UsageError) << text;
}

TEST(AddMapping, SplitsAtTheLastColonBeforeAnAbsolutePath)
{
    EXPECT_EQ(parse_add_mapping("data:/srv/data"), (AddMapping { "data", "/srv/data" }));
    EXPECT_EQ(parse_add_mapping("/home/me/f:/f"), (AddMapping { "/home/me/f", "/f" }));
    EXPECT_EQ(parse_add_mapping("a:b:/c"), (AddMapping { "a:b", "/c" }));
    EXPECT_EQ(parse_add_mapping("./dir:/"), (AddMapping { "./dir", "/" }));
}

TEST(AddMapping, RejectsMissingPartsAndRelativeGuestPaths)
{
    for (auto const* text : { "", "file", "file:", "file:relative", ":/guest", "/only/host" })
        EXPECT_THROW(parse_add_mapping(text), UsageError) << text;
}

TEST(EnvironmentAssignment, SplitsAtTheFirstEquals)
{
    EXPECT_EQ(parse_environment_assignment("A=1"), std::make_pair(std::string("A"), std::string("1")));
    EXPECT_EQ(parse_environment_assignment("EMPTY="), std::make_pair(std::string("EMPTY"), std::string()));
    EXPECT_EQ(parse_environment_assignment("X=a=b"), std::make_pair(std::string("X"), std::string("a=b")));
    EXPECT_EQ(parse_environment_assignment("sp ace=v w"), std::make_pair(std::string("sp ace"), std::string("v w")));
    EXPECT_THROW(parse_environment_assignment("=value"), UsageError);
    EXPECT_THROW(parse_environment_assignment("NOEQUALS"), UsageError);
    EXPECT_THROW(parse_environment_assignment(""), UsageError);
}

TEST(EnvironmentAssignment, LastAssignmentWinsInFirstAppearanceOrder)
{
    EXPECT_EQ(build_environment({ "A=1", "B=2", "A=3", "C=" }), (std::vector<std::string> { "A=3", "B=2", "C=" }));
    EXPECT_TRUE(build_environment({}).empty());
    EXPECT_THROW(build_environment({ "A=1", "bad" }), UsageError);
}

TEST(StopTimeout, AcceptsZeroAndPositiveSeconds)
{
    EXPECT_DOUBLE_EQ(parse_stop_timeout("10"), 10.0);
    EXPECT_DOUBLE_EQ(parse_stop_timeout("0"), 0.0);
    EXPECT_DOUBLE_EQ(parse_stop_timeout("0.5"), 0.5);
    EXPECT_DOUBLE_EQ(parse_stop_timeout(".25"), 0.25);
    for (auto const* text : { "", "-1", "-0.5", "abc", "5s", " 5", "inf", "nan", "1e10" })
        EXPECT_THROW(parse_stop_timeout(text), UsageError) << text;
}

TEST(Timeout, AcceptsPositiveSeconds)
{
    EXPECT_DOUBLE_EQ(parse_timeout("5"), 5.0);
    EXPECT_DOUBLE_EQ(parse_timeout("0.25"), 0.25);
    EXPECT_DOUBLE_EQ(parse_timeout(".5"), 0.5);
    for (auto const* text : { "", "0", "-1", "abc", "5s", " 5", "inf", "nan", "1e10" })
        EXPECT_THROW(parse_timeout(text), UsageError) << text;
}
