#include <plat/host_records.h>

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

using plat::HostRecord;
using plat::HostRecordDecoder;

namespace {

// The signal numbers of the records the bytes complete, in order; an `input K` record shows as
// -1000 - K.
std::vector<int> feed(HostRecordDecoder& decoder, std::string_view bytes)
{
    std::vector<int> signals;
    for (char byte : bytes) {
        HostRecord record { HostRecord::Kind::Signal, -1 };
        if (decoder.feed(byte, record))
            signals.push_back(record.kind == HostRecord::Kind::Signal ? record.value : -1000 - record.value);
    }
    return signals;
}

std::vector<int> decode(std::string_view bytes)
{
    HostRecordDecoder decoder;
    return feed(decoder, bytes);
}

}

TEST(HostRecords, DecodesSignalRecords)
{
    EXPECT_EQ(decode("signal 2\n"), std::vector<int> { 2 });
    EXPECT_EQ(decode("signal 15\nsignal 1\nsignal 64\n"), (std::vector<int> { 15, 1, 64 }));
}

TEST(HostRecords, ARecordCountsOnlyOnceItsNewlineArrives)
{
    HostRecordDecoder decoder;
    EXPECT_TRUE(feed(decoder, "sig").empty());
    EXPECT_TRUE(feed(decoder, "nal 1").empty());
    EXPECT_EQ(feed(decoder, "5\nsignal"), std::vector<int> { 15 });
    EXPECT_EQ(feed(decoder, " 3\n"), std::vector<int> { 3 });
}

TEST(HostRecords, IgnoresAnythingNotExactlyARecord)
{
    for (auto const* line : { "", "signal", "signal ", "signal 0", "signal 65", "signal 100", "signal 1000", "signal 02",
             "signal +2", "signal -2", "signal 2 ", " signal 2", "signal  2", "signal\t2", "Signal 2", "signals 2",
             "signal 2\r", "exited 0", "panic", "kill 9", "input", "input ", "input 01", "input -1", "input 65537",
             "input 100000", "input 1 ", "read 5" }) {
        EXPECT_TRUE(decode(std::string(line) + "\n").empty()) << line;
    }
    // A bad line does not disturb the next one.
    EXPECT_EQ(decode("bogus\nsignal 9\n\nsignal x\nsignal 10\n"), (std::vector<int> { 9, 10 }));
}

TEST(HostRecords, NothingWithoutANewline)
{
    EXPECT_TRUE(decode("signal 2").empty());
}

TEST(HostRecords, AnOverlongLineIsSkippedUpToItsNewline)
{
    auto limit = HostRecordDecoder::maximum_line_length;
    // The tail of an over-long line is not read as the record it spells.
    std::string padded(limit, 'x');
    EXPECT_EQ(decode(padded + "signal 4\n" + "signal 5\n"), std::vector<int> { 5 });
    std::string huge(10 * limit, 'y');
    EXPECT_EQ(decode(huge + "\nsignal 6\n"), std::vector<int> { 6 });
    // The limit counts the newline: a line of limit - 1 bytes is still a line (not a record),
    // and the next one is read as usual.
    EXPECT_EQ(decode(std::string(limit - 1, 'z') + "\nsignal 7\n"), std::vector<int> { 7 });
    HostRecord record {};
    EXPECT_TRUE(HostRecordDecoder::parse_line("signal 8", 8, record));
    EXPECT_EQ(record.value, 8);
}

// What the CLI sends (host/qemu/control_record.cpp, encode_signal_record) decodes to the same
// signal.
TEST(HostRecords, TheCliEncodingRoundTrips)
{
    for (int signal = 1; signal <= 64; ++signal)
        EXPECT_EQ(decode("signal " + std::to_string(signal) + "\n"), std::vector<int> { signal });
}

TEST(HostRecords, DecodesInputAnswers)
{
    EXPECT_EQ(decode("input 0\n"), std::vector<int> { -1000 });
    EXPECT_EQ(decode("input 5\nsignal 2\ninput 65536\n"), (std::vector<int> { -1005, 2, -1000 - 65536 }));
}
