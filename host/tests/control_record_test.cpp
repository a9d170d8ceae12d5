#include "qemu/control_record.h"

#include <gtest/gtest.h>

using unifork::qemu::ControlEvent;
using unifork::qemu::ControlRecord;
using unifork::qemu::ControlRecordParser;
using unifork::qemu::InputRequest;
using unifork::qemu::MalformedRecord;
using Kind = ControlRecord::Kind;

namespace {

bool is_record(ControlEvent const& event, Kind kind, int value)
{
    auto const* record = std::get_if<ControlRecord>(&event);
    return record && record->kind == kind && record->value == value;
}

bool is_request(ControlEvent const& event, std::size_t most)
{
    auto const* request = std::get_if<InputRequest>(&event);
    return request && request->most == most;
}

bool is_malformed(ControlEvent const& event)
{
    return std::holds_alternative<MalformedRecord>(event);
}

}

TEST(ControlRecord, ParsesEachKind)
{
    EXPECT_TRUE(is_record(ControlRecordParser::parse_line("exited 0"), Kind::Exited, 0));
    EXPECT_TRUE(is_record(ControlRecordParser::parse_line("exited 255"), Kind::Exited, 255));
    EXPECT_TRUE(is_record(ControlRecordParser::parse_line("signaled 1"), Kind::Signaled, 1));
    EXPECT_TRUE(is_record(ControlRecordParser::parse_line("signaled 64"), Kind::Signaled, 64));
    EXPECT_TRUE(is_record(ControlRecordParser::parse_line("panic"), Kind::Panic, 0));
}

TEST(ControlRecord, RejectsAnythingNotExactlyARecord)
{
    for (std::string_view line : { "", "exited", "exited ", "exited 256", "exited -1", "exited +1", "exited 01", "exited 1 ",
             " exited 1", "exited  1", "exited\t1", "exited 1\r", "Exited 1", "exited 0x1", "exited 1000", "exited 99999999999999999999",
             "signaled 0", "signaled 65", "signaled 9x", "panic ", "panicked", "PANIC", "hello" })
        EXPECT_TRUE(is_malformed(ControlRecordParser::parse_line(line))) << '"' << line << '"';
    EXPECT_TRUE(is_malformed(ControlRecordParser::parse_line(std::string_view("exited 1\0", 9))));
}

TEST(ControlRecord, ParsesReadRequests)
{
    EXPECT_TRUE(is_request(ControlRecordParser::parse_line("read 1"), 1));
    EXPECT_TRUE(is_request(ControlRecordParser::parse_line("read 4096"), 4096));
    EXPECT_TRUE(is_request(ControlRecordParser::parse_line("read 65536"), 65536));
    for (std::string_view line : { "read", "read ", "read 0", "read 65537", "read 100000", "read 99999999999999999999", "read 01",
             "read 00", "read -1", "read +1", "read  1", "read 1 ", " read 1", "read\t1", "read 1\r", "Read 1", "READ 1", "read 0x10",
             "read 1x", "reads 1", "read 1 2" })
        EXPECT_TRUE(is_malformed(ControlRecordParser::parse_line(line))) << '"' << line << '"';
    auto event = ControlRecordParser::parse_line("read 65537");
    EXPECT_EQ(std::get<MalformedRecord>(event).reason, "the size of a read must be a number from 1 to 65536");
}

TEST(ControlRecord, ReadRequestsAreNotFinalAndMixWithOtherRecords)
{
    ControlRecordParser parser;
    auto events = parser.feed("read 5\nread 0\nread 7\nexited 1\n");
    ASSERT_EQ(events.size(), 4u);
    EXPECT_TRUE(is_request(events[0], 5));
    EXPECT_TRUE(is_malformed(events[1]));
    EXPECT_TRUE(is_request(events[2], 7));
    EXPECT_TRUE(is_record(events[3], Kind::Exited, 1));
}

TEST(ControlRecord, SplitsLinesAcrossArbitraryChunks)
{
    std::string stream = "exited 3\nsignaled 9\npanic\n";
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        ControlRecordParser parser;
        std::vector<ControlEvent> events;
        for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
            auto more = parser.feed(std::string_view(stream).substr(offset, chunk));
            events.insert(events.end(), more.begin(), more.end());
        }
        ASSERT_EQ(events.size(), 3u) << "chunk " << chunk;
        EXPECT_TRUE(is_record(events[0], Kind::Exited, 3));
        EXPECT_TRUE(is_record(events[1], Kind::Signaled, 9));
        EXPECT_TRUE(is_record(events[2], Kind::Panic, 0));
        EXPECT_FALSE(parser.finish());
    }
}

TEST(ControlRecord, LineLimitCountsTheNewline)
{
    ControlRecordParser parser;
    // 127 bytes plus the newline is the longest line allowed; it is still not a valid record.
    auto events = parser.feed(std::string(127, 'x') + "\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<MalformedRecord>(events[0]).reason, "unknown record");

    events = parser.feed(std::string(128, 'x') + "\nexited 7\n");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(std::get<MalformedRecord>(events[0]).reason, "longer than 128 bytes");
    EXPECT_TRUE(is_record(events[1], Kind::Exited, 7));
}

TEST(ControlRecord, OverlongLineIsDroppedUpToItsNewlineWithoutBuffering)
{
    ControlRecordParser parser;
    auto events = parser.feed(std::string(100, 'a'));
    EXPECT_TRUE(events.empty());
    events = parser.feed(std::string(100, 'a'));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(is_malformed(events[0]));
    for (int index = 0; index < 1000; ++index)
        EXPECT_TRUE(parser.feed(std::string(4096, 'b')).empty());
    // The tail of the overlong line, even if it looks like a record, is not one.
    events = parser.feed("exited 1\nexited 2\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(is_record(events[0], Kind::Exited, 2));
}

TEST(ControlRecord, PartialLineAtCloseIsMalformed)
{
    ControlRecordParser parser;
    EXPECT_TRUE(parser.feed("exited 4").empty());
    auto leftover = parser.finish();
    ASSERT_TRUE(leftover);
    EXPECT_EQ(leftover->text, "exited 4");
    EXPECT_FALSE(parser.finish());
}

TEST(ControlRecord, WarningsShowOnlyPrintableText)
{
    auto event = ControlRecordParser::parse_line("\x1b[2J\xff\\");
    EXPECT_EQ(std::get<MalformedRecord>(event).text, "\\x1b[2J\\xff\\x5c");
}

TEST(ControlRecord, EncodesTheSignalRecordTowardsTheGuest)
{
    EXPECT_EQ(unifork::qemu::encode_signal_record(2), "signal 2\n");
    EXPECT_EQ(unifork::qemu::encode_signal_record(15), "signal 15\n");
    EXPECT_EQ(unifork::qemu::encode_signal_record(1), "signal 1\n");
    EXPECT_EQ(unifork::qemu::encode_signal_record(64), "signal 64\n");
    for (int signal : { 0, -2, 65, 130 })
        EXPECT_THROW(unifork::qemu::encode_signal_record(signal), std::invalid_argument) << signal;
}

TEST(ControlRecord, EncodesTheInputRecordTowardsTheGuest)
{
    EXPECT_EQ(unifork::qemu::encode_input_record(0), "input 0\n");
    EXPECT_EQ(unifork::qemu::encode_input_record(5), "input 5\n");
    EXPECT_EQ(unifork::qemu::encode_input_record(65536), "input 65536\n");
    EXPECT_THROW(unifork::qemu::encode_input_record(65537), std::invalid_argument);
}

TEST(ControlRecord, ExitStatuses)
{
    EXPECT_EQ(unifork::qemu::exit_status_for({ Kind::Exited, 0 }), 0);
    EXPECT_EQ(unifork::qemu::exit_status_for({ Kind::Exited, 255 }), 255);
    EXPECT_EQ(unifork::qemu::exit_status_for({ Kind::Signaled, 9 }), 137);
    EXPECT_EQ(unifork::qemu::exit_status_for({ Kind::Signaled, 64 }), 192);
    EXPECT_EQ(unifork::qemu::exit_status_for({ Kind::Panic, 0 }), 123);
}
