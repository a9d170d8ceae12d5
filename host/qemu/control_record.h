#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace unifork::qemu {

// A well-formed guest -> host record from COM3 (docs/protocol.md, "Control records").
struct ControlRecord {
    enum class Kind { Exited, Signaled, Panic };
    Kind kind;
    int value { 0 }; // the exit status or the signal number; 0 for a panic

    bool operator==(ControlRecord const&) const = default;
};

// `read N`, not final: the application wants at most `most` bytes of standard input
// (docs/protocol.md, "Standard input"); the answer is the bytes on COM1, then `input K`.
struct InputRequest {
    static constexpr std::size_t maximum = 65536;
    std::size_t most { 0 }; // 1..maximum

    bool operator==(InputRequest const&) const = default;
};

// A line that is not a record. The guest is untrusted, so it is reported and otherwise ignored.
struct MalformedRecord {
    std::string text; // printable rendering of what arrived, for the warning
    std::string reason;
};

using ControlEvent = std::variant<ControlRecord, InputRequest, MalformedRecord>;

// Splits the COM3 byte stream into lines and validates each strictly: exact spelling, single
// spaces, decimal numbers without sign or leading zeros, values in range, at most
// `maximum_line_length` bytes including the newline. Bytes of an over-long line are dropped up to
// its newline without being buffered, so a hostile guest cannot make the host grow memory.
class ControlRecordParser {
public:
    static constexpr std::size_t maximum_line_length = 128;

    std::vector<ControlEvent> feed(std::string_view bytes);
    // The channel closed; a partial line left over is malformed.
    std::optional<MalformedRecord> finish();

    // Parses one line without its newline.
    static ControlEvent parse_line(std::string_view line);

private:
    std::string m_line;
    bool m_discarding { false };
};

// The host -> guest record that passes a signal the CLI received on to the application
// (docs/protocol.md, "Host to guest"): "signal N\n" for N in 1..64.
std::string encode_signal_record(int signal);

// The host -> guest answer to `read N`: "input K\n", K bytes (0..65536; 0 is end of input)
// having been written to COM1 before it.
std::string encode_input_record(std::size_t count);

// The CLI's exit status for a record: the status, 128 + the signal, or 123 for a panic.
int exit_status_for(ControlRecord const& record);

// Escapes bytes that are not printable ASCII as \xNN, so a warning cannot smuggle terminal
// control sequences to the user.
std::string printable(std::string_view bytes);

}
