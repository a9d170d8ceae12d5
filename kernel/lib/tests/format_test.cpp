#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <string>

#include <lib/format.h>

namespace {

template<typename... Arguments>
std::string formatted(char const* format, Arguments... arguments)
{
    char buffer[256];
    size_t length = lib::format(buffer, sizeof(buffer), format, arguments...);
    EXPECT_EQ(length, strlen(buffer));
    return buffer;
}

// Compares with the host's snprintf, which lib::format follows for everything it supports.
template<typename... Arguments>
void expect_like_snprintf(char const* format, Arguments... arguments)
{
    char expected[256];
    snprintf(expected, sizeof(expected), format, arguments...);
    EXPECT_EQ(formatted(format, arguments...), expected) << "format: " << format;
}

}

TEST(Format, PlainText)
{
    EXPECT_EQ(formatted("hello"), "hello");
    EXPECT_EQ(formatted(""), "");
    EXPECT_EQ(formatted("100%%"), "100%");
}

TEST(Format, SignedIntegers)
{
    expect_like_snprintf("%d", 0);
    expect_like_snprintf("%d", 42);
    expect_like_snprintf("%d", -42);
    expect_like_snprintf("%i", INT_MIN);
    expect_like_snprintf("%d", INT_MAX);
    expect_like_snprintf("%ld", LONG_MIN);
    expect_like_snprintf("%lld", LLONG_MAX);
    expect_like_snprintf("%zd", ssize_t(-5));
    expect_like_snprintf("%hd", 12);
    expect_like_snprintf("%+d", 5);
    expect_like_snprintf("%+d", -5);
}

TEST(Format, UnsignedIntegers)
{
    expect_like_snprintf("%u", 0u);
    expect_like_snprintf("%u", UINT_MAX);
    expect_like_snprintf("%lu", ULONG_MAX);
    expect_like_snprintf("%llu", ULLONG_MAX);
    expect_like_snprintf("%zu", size_t(123456789));
    expect_like_snprintf("%x", 0xdeadbeefu);
    expect_like_snprintf("%X", 0xdeadbeefu);
    expect_like_snprintf("%lx", 0xffffffff80000000ul);
    expect_like_snprintf("%o", 8u);
    expect_like_snprintf("%o", 0755u);
    expect_like_snprintf("%#x", 255u);
    expect_like_snprintf("%#X", 255u);
    expect_like_snprintf("%#x", 0u);
}

TEST(Format, WidthsAndPadding)
{
    expect_like_snprintf("[%5d]", 42);
    expect_like_snprintf("[%-5d]", 42);
    expect_like_snprintf("[%05d]", 42);
    expect_like_snprintf("[%05d]", -42);
    expect_like_snprintf("[%08x]", 0xbeefu);
    expect_like_snprintf("[%#010x]", 0xbeefu);
    expect_like_snprintf("[%-08x]", 0xbeefu);
    expect_like_snprintf("[%2d]", 12345);
    expect_like_snprintf("[%*d]", 6, 7);
    expect_like_snprintf("[%*d]", -6, 7);
    expect_like_snprintf("[%.3d]", 7);
    expect_like_snprintf("[%6.3d]", -7);
    expect_like_snprintf("[%016lx]", 0x1234ul);
}

TEST(Format, CornerCasesOfTheCStandard)
{
    // Precision zero prints no digits for zero; a precision turns off the 0 flag.
    expect_like_snprintf("[%.0d]", 0);
    expect_like_snprintf("[%5.0d]", 0);
    expect_like_snprintf("[%.0x]", 0u);
    expect_like_snprintf("[%08.3x]", 0xfu);
    // h and hh convert the argument back to short and char.
    expect_like_snprintf("%hd", 70000);
    expect_like_snprintf("%hhd", 300);
    expect_like_snprintf("%hu", 70000u);
    expect_like_snprintf("%hhx", 0x1ffu);
    // # on octal forces one leading zero.
    expect_like_snprintf("%#o", 8u);
    expect_like_snprintf("%#o", 0u);
    expect_like_snprintf("%#.3o", 8u);
    expect_like_snprintf("[%#5o]", 8u);
    expect_like_snprintf("[%#05o]", 8u);
    // The space flag.
    expect_like_snprintf("[% d]", 5);
    expect_like_snprintf("[% d]", -5);
    expect_like_snprintf("[%+ d]", 5);
    expect_like_snprintf("[% 05d]", 5);
}

TEST(Format, StringsAndCharacters)
{
    expect_like_snprintf("%s", "text");
    expect_like_snprintf("[%8s]", "abc");
    expect_like_snprintf("[%-8s]", "abc");
    expect_like_snprintf("[%.2s]", "abcdef");
    expect_like_snprintf("[%.*s]", 3, "abcdef");
    expect_like_snprintf("[%.*s]", 10, "abc");
    expect_like_snprintf("[%-6.2s]", "abcdef");
    expect_like_snprintf("%c%c%c", 'a', 'b', 'c');
    expect_like_snprintf("[%3c]", 'x');
    expect_like_snprintf("[%-3c]", 'x');
    EXPECT_EQ(formatted("%s", static_cast<char const*>(nullptr)), "(null)");
}

TEST(Format, Pointers)
{
    EXPECT_EQ(formatted("%p", reinterpret_cast<void*>(0x1234)), "0x1234");
    EXPECT_EQ(formatted("%p", reinterpret_cast<void*>(0xffff800000000000)), "0xffff800000000000");
    EXPECT_EQ(formatted("%p", nullptr), "0x0");
}

TEST(Format, UnknownConversionsAreCopied)
{
    char buffer[32];
    lib::format(buffer, sizeof(buffer), "%q and %");
    EXPECT_STREQ(buffer, "%q and ");
}

TEST(Format, TruncationReturnsTheFullLength)
{
    char buffer[8];
    memset(buffer, 'z', sizeof(buffer));
    EXPECT_EQ(lib::format(buffer, sizeof(buffer), "%s-%d", "abcdef", 12345), 12u);
    EXPECT_STREQ(buffer, "abcdef-");

    memset(buffer, 'z', sizeof(buffer));
    EXPECT_EQ(lib::format(buffer, 1, "hello"), 5u);
    EXPECT_EQ(buffer[0], '\0');
    EXPECT_EQ(buffer[1], 'z');

    // A zero-sized buffer is never written, and the length is still reported.
    memset(buffer, 'z', sizeof(buffer));
    EXPECT_EQ(lib::format(buffer, 0, "hello %d", 1), 7u);
    EXPECT_EQ(buffer[0], 'z');
    EXPECT_EQ(lib::format(nullptr, 0, "%08x", 1u), 8u);

    // Exactly full: the last byte is the terminator.
    memset(buffer, 'z', sizeof(buffer));
    EXPECT_EQ(lib::format(buffer, sizeof(buffer), "1234567"), 7u);
    EXPECT_STREQ(buffer, "1234567");
    EXPECT_EQ(lib::format(buffer, sizeof(buffer), "12345678"), 8u);
    EXPECT_STREQ(buffer, "1234567");
}

TEST(Format, VformatTakesAVaList)
{
    auto call = [](char* buffer, size_t size, char const* format, ...) {
        va_list arguments;
        va_start(arguments, format);
        size_t length = lib::vformat(buffer, size, format, arguments);
        va_end(arguments);
        return length;
    };
    char buffer[64];
    EXPECT_EQ(call(buffer, sizeof(buffer), "%s=%lu", "pages", 4096ul), 10u);
    EXPECT_STREQ(buffer, "pages=4096");
}
