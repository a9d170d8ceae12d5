#pragma once

// A minimal newc reader for the tests: it checks the layout rules independently of the writer.

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace unifork::testing {

struct CpioEntry {
    std::uint32_t inode;
    std::uint32_t mode;
    std::uint32_t uid;
    std::uint32_t gid;
    std::uint32_t nlink;
    std::uint32_t mtime;
    std::string name;
    std::string data;
    std::size_t header_offset;
};

inline std::uint32_t parse_hex_field(std::string_view field)
{
    std::uint32_t value = 0;
    for (char digit : field) {
        value <<= 4;
        if (digit >= '0' && digit <= '9')
            value |= static_cast<std::uint32_t>(digit - '0');
        else if (digit >= 'A' && digit <= 'F')
            value |= static_cast<std::uint32_t>(digit - 'A' + 10);
        else
            ADD_FAILURE() << "not an upper-case hex digit: " << digit;
    }
    return value;
}

// Parses every entry up to and including the trailer; fails the test on any layout violation.
inline std::vector<CpioEntry> read_cpio(std::string_view archive)
{
    std::vector<CpioEntry> entries;
    std::size_t offset = 0;
    while (true) {
        EXPECT_EQ(offset % 4, 0u);
        if (offset + 110 > archive.size()) {
            ADD_FAILURE() << "truncated header at " << offset;
            return entries;
        }
        auto header = archive.substr(offset, 110);
        EXPECT_EQ(header.substr(0, 6), "070701");
        auto field = [&](int index) { return parse_hex_field(header.substr(6 + 8 * static_cast<std::size_t>(index), 8)); };
        CpioEntry entry {};
        entry.header_offset = offset;
        entry.inode = field(0);
        entry.mode = field(1);
        entry.uid = field(2);
        entry.gid = field(3);
        entry.nlink = field(4);
        entry.mtime = field(5);
        auto size = field(6);
        for (int index = 7; index <= 10; ++index)
            EXPECT_EQ(field(index), 0u);
        auto name_size = field(11);
        EXPECT_EQ(field(12), 0u);
        EXPECT_GE(name_size, 1u);
        entry.name = std::string(archive.substr(offset + 110, name_size - 1));
        EXPECT_EQ(archive[offset + 110 + name_size - 1], '\0');
        auto data_offset = (offset + 110 + name_size + 3) & ~std::size_t(3);
        for (auto padding = offset + 110 + name_size; padding < data_offset; ++padding)
            EXPECT_EQ(archive[padding], '\0');
        entry.data = std::string(archive.substr(data_offset, size));
        offset = (data_offset + size + 3) & ~std::size_t(3);
        for (auto padding = data_offset + size; padding < offset && padding < archive.size(); ++padding)
            EXPECT_EQ(archive[padding], '\0');
        entries.push_back(entry);
        if (entry.name == "TRAILER!!!") {
            EXPECT_EQ(offset, archive.size()) << "bytes after the trailer";
            return entries;
        }
    }
}

}
