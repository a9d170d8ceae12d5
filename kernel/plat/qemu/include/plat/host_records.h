#pragma once

#include <cstddef>

namespace plat {

// A record the host sends on the control channel (COM3), docs/protocol.md "Host → guest".
struct HostRecord {
    enum class Kind {
        Signal, // `signal N`: the signal number, 1..64
        Input,  // `input K`: the bytes of standard input sent on COM1 before it, 0..65536
    };
    Kind kind;
    int value;
};

// Splits the bytes arriving from the host into lines and recognises the records among them.
// The host is the unifork CLI, but the decoder is strict all the same: a line that is not
// exactly a record (unknown word, bad number, over-long) is dropped without effect, and an
// over-long line is skipped up to its newline without being buffered.
class HostRecordDecoder {
public:
    // The protocol's limit, newline included.
    static constexpr size_t maximum_line_length = 128;

    // Takes one byte; returns true and fills `record` when the byte completes a record.
    bool feed(char byte, HostRecord& record);

    // Parses one line without its newline.
    static bool parse_line(char const* line, size_t length, HostRecord& record);

private:
    char m_line[maximum_line_length] {};
    size_t m_length { 0 };
    bool m_discarding { false };
};

}
