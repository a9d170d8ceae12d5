#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <binfmt/elf.h>
#include <binfmt/initial_stack.h>

using namespace binfmt;

namespace {

constexpr uint64_t top = 0x7ffffffff000;

// Reads the produced stack the way a C runtime's _start does, from nothing but the bytes and
// the stack pointer.
class StackWalker {
public:
    StackWalker(Vector<uint8_t> const& image, uint64_t stack_pointer)
        : m_image(image)
        , m_base(stack_pointer)
    {
    }
    bool contains(uint64_t address, size_t size) const { return address >= m_base && address - m_base + size <= m_image.size(); }
    uint64_t word(uint64_t address) const
    {
        EXPECT_TRUE(contains(address, 8)) << std::hex << address;
        uint64_t value = 0;
        if (contains(address, 8))
            memcpy(&value, m_image.data() + (address - m_base), 8);
        return value;
    }
    std::string string(uint64_t address) const
    {
        std::string text;
        for (;; ++address) {
            EXPECT_TRUE(contains(address, 1)) << std::hex << address;
            if (!contains(address, 1))
                return text;
            char c = char(m_image[address - m_base]);
            if (!c)
                return text;
            text.push_back(c);
        }
    }

    uint64_t argc() const { return word(m_base); }
    std::vector<std::string> arguments() const
    {
        std::vector<std::string> strings;
        for (uint64_t i = 0; i < argc(); ++i)
            strings.push_back(string(word(m_base + 8 + 8 * i)));
        EXPECT_EQ(word(m_base + 8 + 8 * argc()), 0u);
        return strings;
    }
    uint64_t environment_address() const { return m_base + 8 * (argc() + 2); }
    std::vector<std::string> environment() const
    {
        std::vector<std::string> strings;
        for (uint64_t cursor = environment_address(); word(cursor); cursor += 8)
            strings.push_back(string(word(cursor)));
        return strings;
    }
    uint64_t auxiliary_address() const
    {
        uint64_t cursor = environment_address();
        while (word(cursor))
            cursor += 8;
        return cursor + 8;
    }
    std::vector<std::pair<uint64_t, uint64_t>> auxiliary() const
    {
        std::vector<std::pair<uint64_t, uint64_t>> pairs;
        for (uint64_t cursor = auxiliary_address();; cursor += 16) {
            pairs.emplace_back(word(cursor), word(cursor + 8));
            if (pairs.back().first == elf::AT_NULL || pairs.size() > 64)
                return pairs;
        }
    }
    uint64_t auxiliary(uint64_t key) const
    {
        for (auto const& [k, value] : auxiliary()) {
            if (k == key)
                return value;
        }
        ADD_FAILURE() << "no auxiliary key " << key;
        return 0;
    }

private:
    Vector<uint8_t> const& m_image;
    uint64_t m_base;
};

InitialStackRequest basic_request(std::span<std::string_view const> arguments, std::span<std::string_view const> environment)
{
    InitialStackRequest request;
    request.stack_top = top;
    request.arguments = arguments;
    request.environment = environment;
    request.executable_filename = "/bin/prog";
    for (int i = 0; i < 16; ++i)
        request.random_bytes[i] = uint8_t(0xf0 + i);
    request.auxiliary = {
        .program_headers = 0x400040,
        .program_header_entry_size = 56,
        .program_header_count = 9,
        .entry = 0x401bc0,
        .hardware_capabilities = 0xbfebfbff,
    };
    return request;
}

}

TEST(InitialStack, ExactLayoutOfASmallStack)
{
    std::string_view const arguments[] = { "a" };
    auto request = basic_request(arguments, {});
    request.executable_filename = "/a";
    Vector<uint8_t> image;
    auto layout = build_initial_stack(request, image);
    ASSERT_FALSE(layout.is_error());
    // Worked out by hand from create_elf_tables: "/a\0" at 0x...ff5, "a\0" at 0x...ff3, align to
    // 0x...ff0, "x86_64\0" at 0x...fe9, random bytes at 0x...fd9, then 4 table words and 20
    // auxv pairs (352 bytes) below, rounded down to 16: 0x...ee70.
    EXPECT_EQ(layout.value().stack_pointer, 0x7fffffffee70u);
    EXPECT_EQ(layout.value().strings_start, 0x7fffffffeff3u);
    EXPECT_EQ(image.size(), top - 0x7fffffffee70u);
    StackWalker walker(image, layout.value().stack_pointer);
    EXPECT_EQ(walker.auxiliary(elf::AT_EXECFN), 0x7fffffffeff5u);
    EXPECT_EQ(walker.auxiliary(elf::AT_PLATFORM), 0x7fffffffefe9u);
    EXPECT_EQ(walker.auxiliary(elf::AT_RANDOM), 0x7fffffffefd9u);
    EXPECT_EQ(walker.word(top - 8), 0u);
    EXPECT_EQ(layout.value().arguments, 0x7fffffffee78u);
    EXPECT_EQ(layout.value().environment, 0x7fffffffee88u);
    EXPECT_EQ(layout.value().auxiliary_vector, 0x7fffffffee90u);
}

TEST(InitialStack, WalksLikeACRuntime)
{
    std::string_view const arguments[] = { "prog", "", "with space", "quote\"d", "\xe2\x82\xac" };
    std::string_view const environment[] = { "PATH=/bin", "", "EMPTY=" };
    auto request = basic_request(arguments, environment);
    Vector<uint8_t> image;
    auto layout = build_initial_stack(request, image);
    ASSERT_FALSE(layout.is_error());
    uint64_t const stack_pointer = layout.value().stack_pointer;
    EXPECT_EQ(stack_pointer % 16, 0u);
    EXPECT_EQ(stack_pointer + image.size(), top);

    StackWalker walker(image, stack_pointer);
    EXPECT_EQ(walker.argc(), 5u);
    EXPECT_EQ(walker.arguments(), (std::vector<std::string> { "prog", "", "with space", "quote\"d", "\xe2\x82\xac" }));
    EXPECT_EQ(walker.environment(), (std::vector<std::string> { "PATH=/bin", "", "EMPTY=" }));
    EXPECT_EQ(walker.environment_address(), layout.value().environment);
    EXPECT_EQ(walker.auxiliary_address(), layout.value().auxiliary_vector);

    // Linux's order of the auxiliary vector (create_elf_tables with ARCH_DLINFO, no vDSO).
    std::vector<uint64_t> keys;
    for (auto const& [key, value] : walker.auxiliary())
        keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<uint64_t> { elf::AT_MINSIGSTKSZ, elf::AT_HWCAP, elf::AT_PAGESZ, elf::AT_CLKTCK, elf::AT_PHDR, elf::AT_PHENT, elf::AT_PHNUM, elf::AT_BASE, elf::AT_FLAGS, elf::AT_ENTRY, elf::AT_UID, elf::AT_EUID, elf::AT_GID, elf::AT_EGID, elf::AT_SECURE, elf::AT_RANDOM, elf::AT_HWCAP2, elf::AT_EXECFN, elf::AT_PLATFORM, elf::AT_NULL }));
    EXPECT_EQ(walker.auxiliary(elf::AT_MINSIGSTKSZ), 2048u);
    EXPECT_EQ(walker.auxiliary(elf::AT_HWCAP), 0xbfebfbffu);
    EXPECT_EQ(walker.auxiliary(elf::AT_PAGESZ), 4096u);
    EXPECT_EQ(walker.auxiliary(elf::AT_CLKTCK), 100u);
    EXPECT_EQ(walker.auxiliary(elf::AT_PHDR), 0x400040u);
    EXPECT_EQ(walker.auxiliary(elf::AT_PHENT), 56u);
    EXPECT_EQ(walker.auxiliary(elf::AT_PHNUM), 9u);
    EXPECT_EQ(walker.auxiliary(elf::AT_BASE), 0u);
    EXPECT_EQ(walker.auxiliary(elf::AT_FLAGS), 0u);
    EXPECT_EQ(walker.auxiliary(elf::AT_ENTRY), 0x401bc0u);
    EXPECT_EQ(walker.auxiliary(elf::AT_UID), 0u);
    EXPECT_EQ(walker.auxiliary(elf::AT_EGID), 0u);
    EXPECT_EQ(walker.auxiliary(elf::AT_SECURE), 0u);
    EXPECT_EQ(walker.auxiliary(elf::AT_HWCAP2), 0u);
    EXPECT_EQ(walker.string(walker.auxiliary(elf::AT_EXECFN)), "/bin/prog");
    EXPECT_EQ(walker.string(walker.auxiliary(elf::AT_PLATFORM)), "x86_64");
    uint64_t const random = walker.auxiliary(elf::AT_RANDOM);
    for (int i = 0; i < 16; ++i)
        EXPECT_EQ(uint8_t(walker.string(random + i)[0]), 0xf0 + i);

    // Strings in Linux's order: argv[0] lowest, then the rest of argv, envp, execfn last.
    uint64_t expected = layout.value().strings_start;
    for (uint64_t i = 0; i < walker.argc(); ++i) {
        EXPECT_EQ(walker.word(layout.value().arguments + 8 * i), expected);
        expected += arguments[i].size() + 1;
    }
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(walker.word(layout.value().environment + 8 * i), expected);
        expected += environment[i].size() + 1;
    }
    EXPECT_EQ(walker.auxiliary(elf::AT_EXECFN), expected);
    EXPECT_EQ(expected + sizeof("/bin/prog") + 8, top);
}

TEST(InitialStack, AlignedForEveryShape)
{
    std::vector<std::string> storage;
    for (int count = 0; count < 12; ++count) {
        for (int length = 0; length < 19; ++length) {
            storage.assign(size_t(count), std::string(size_t(length), 'x'));
            std::vector<std::string_view> arguments(storage.begin(), storage.end());
            std::vector<std::string_view> environment(storage.begin(), storage.begin() + count / 2);
            auto request = basic_request({ arguments.data(), arguments.size() }, { environment.data(), environment.size() });
            request.executable_filename = std::string_view("/x/y/z").substr(0, size_t(length % 6));
            if (length % 3 == 0)
                request.platform = {};
            if (length % 4 == 0)
                request.auxiliary.system_information_header = 0x7ffff7fc1000;
            Vector<uint8_t> image;
            auto layout = build_initial_stack(request, image);
            ASSERT_FALSE(layout.is_error());
            uint64_t const stack_pointer = layout.value().stack_pointer;
            ASSERT_EQ(stack_pointer % 16, 0u) << count << " " << length;
            StackWalker walker(image, stack_pointer);
            EXPECT_EQ(walker.argc(), uint64_t(count ? count : 1));
            EXPECT_EQ(walker.environment().size(), size_t(count / 2));
            EXPECT_EQ(walker.string(walker.auxiliary(elf::AT_EXECFN)), request.executable_filename);
            auto pairs = walker.auxiliary();
            bool has_platform = false;
            for (auto const& [key, value] : pairs)
                has_platform |= key == elf::AT_PLATFORM;
            EXPECT_EQ(has_platform, !request.platform.empty());
            EXPECT_EQ(pairs.front().first, length % 4 == 0 ? uint64_t(elf::AT_SYSINFO_EHDR) : uint64_t(elf::AT_MINSIGSTKSZ));
        }
    }
}

TEST(InitialStack, NoArgumentsMeansAnEmptyArgvZero)
{
    auto request = basic_request({}, {});
    Vector<uint8_t> image;
    auto layout = build_initial_stack(request, image);
    ASSERT_FALSE(layout.is_error());
    StackWalker walker(image, layout.value().stack_pointer);
    EXPECT_EQ(walker.argc(), 1u);
    EXPECT_EQ(walker.arguments(), std::vector<std::string> { "" });
    EXPECT_TRUE(walker.environment().empty());
}

TEST(InitialStack, SingleStringLimit)
{
    std::string longest(max_argument_string_size - 1, 'a');
    std::string too_long(max_argument_string_size, 'a');
    Vector<uint8_t> image;
    {
        std::string_view const arguments[] = { "prog", longest };
        EXPECT_FALSE(build_initial_stack(basic_request(arguments, {}), image).is_error());
    }
    {
        std::string_view const arguments[] = { "prog", too_long };
        auto result = build_initial_stack(basic_request(arguments, {}), image);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), E2BIG);
    }
    {
        std::string_view const environment[] = { too_long };
        auto result = build_initial_stack(basic_request({}, environment), image);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), E2BIG);
    }
}

TEST(InitialStack, TotalLimit)
{
    std::string_view const arguments[] = { "prog", "0123456789" };
    std::string_view const environment[] = { "A=B" };
    // 5 + 11 + 4 bytes of strings and 3 pointers: 44 bytes.
    auto request = basic_request(arguments, environment);
    Vector<uint8_t> image;
    request.argument_limit = 44;
    EXPECT_FALSE(build_initial_stack(request, image).is_error());
    request.argument_limit = 43;
    auto result = build_initial_stack(request, image);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), E2BIG);

    // Many short strings hit the default 2 MiB through their pointers as much as their bytes.
    std::vector<std::string_view> many(200000, "abcdefg");
    auto big = basic_request({ many.data(), many.size() }, {});
    auto too_many = build_initial_stack(big, image);
    ASSERT_TRUE(too_many.is_error());
    EXPECT_EQ(too_many.error().code(), E2BIG);
    many.resize(100000);
    big = basic_request({ many.data(), many.size() }, {});
    EXPECT_FALSE(build_initial_stack(big, image).is_error());
}

TEST(InitialStack, RefusesAnUnalignedOrTinyTop)
{
    auto request = basic_request({}, {});
    Vector<uint8_t> image;
    request.stack_top = top + 8;
    auto result = build_initial_stack(request, image);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EINVAL);
    request.stack_top = 0x100;
    auto tiny = build_initial_stack(request, image);
    ASSERT_TRUE(tiny.is_error());
    EXPECT_EQ(tiny.error().code(), E2BIG);
}

TEST(InitialStack, ReusesTheCallersVector)
{
    std::string_view const arguments[] = { "prog" };
    Vector<uint8_t> image;
    ASSERT_FALSE(image.try_resize(100000).is_error());
    memset(image.data(), 0xcc, image.size());
    auto layout = build_initial_stack(basic_request(arguments, {}), image);
    ASSERT_FALSE(layout.is_error());
    EXPECT_EQ(image.size(), top - layout.value().stack_pointer);
    // Padding is zero, not left over from before.
    for (auto byte : image)
        ASSERT_NE(byte, 0xcc);
}
