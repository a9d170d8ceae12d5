#include "qemu/control_record.h"

#include "common/failure.h"

#include <cstdio>
#include <stdexcept>

namespace unifork::qemu {

namespace {

std::optional<int> parse_decimal(std::string_view digits, int minimum, int maximum)
{
    // Nine digits cannot overflow an int; anything longer is out of every range anyway.
    if (digits.empty() || digits.size() > 9)
        return std::nullopt;
    if (digits.size() > 1 && digits.front() == '0')
        return std::nullopt;
    int value = 0;
    for (char digit : digits) {
        if (digit < '0' || digit > '9')
            return std::nullopt;
        value = value * 10 + (digit - '0');
    }
    if (value < minimum || value > maximum)
        return std::nullopt;
    return value;
}

MalformedRecord malformed(std::string_view line, std::string reason)
{
    return MalformedRecord { printable(line), std::move(reason) };
}

}

std::string printable(std::string_view bytes)
{
    std::string result;
    for (unsigned char byte : bytes) {
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            result += static_cast<char>(byte);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            result += escaped;
        }
    }
    return result;
}

ControlEvent ControlRecordParser::parse_line(std::string_view line)
{
    if (line == "panic")
        return ControlRecord { ControlRecord::Kind::Panic, 0 };
    if (line.starts_with("exited ")) {
        if (auto status = parse_decimal(line.substr(7), 0, 255))
            return ControlRecord { ControlRecord::Kind::Exited, *status };
        return malformed(line, "the exit status must be a number from 0 to 255");
    }
    if (line.starts_with("signaled ")) {
        if (auto signal = parse_decimal(line.substr(9), 1, 64))
            return ControlRecord { ControlRecord::Kind::Signaled, *signal };
        return malformed(line, "the signal must be a number from 1 to 64");
    }
    if (line.starts_with("read ")) {
        if (auto most = parse_decimal(line.substr(5), 1, static_cast<int>(InputRequest::maximum)))
            return InputRequest { static_cast<std::size_t>(*most) };
        return malformed(line, "the size of a read must be a number from 1 to 65536");
    }
    return malformed(line, "unknown record");
}

std::vector<ControlEvent> ControlRecordParser::feed(std::string_view bytes)
{
    std::vector<ControlEvent> events;
    while (!bytes.empty()) {
        auto newline = bytes.find('\n');
        auto piece = bytes.substr(0, newline);
        bool complete = newline != std::string_view::npos;
        bytes = complete ? bytes.substr(newline + 1) : std::string_view {};

        if (m_discarding) {
            if (complete)
                m_discarding = false;
            continue;
        }
        // The limit counts the newline, so a line may hold maximum_line_length - 1 bytes.
        if (m_line.size() + piece.size() >= maximum_line_length) {
            auto shown = m_line + std::string(piece.substr(0, maximum_line_length - m_line.size()));
            events.push_back(malformed(shown.substr(0, 40), "longer than 128 bytes"));
            m_line.clear();
            m_discarding = !complete;
            continue;
        }
        m_line += piece;
        if (complete) {
            events.push_back(parse_line(m_line));
            m_line.clear();
        }
    }
    return events;
}

std::optional<MalformedRecord> ControlRecordParser::finish()
{
    if (m_line.empty())
        return std::nullopt;
    auto result = malformed(m_line, "the channel closed in the middle of a record");
    m_line.clear();
    return result;
}

std::string encode_signal_record(int signal)
{
    if (signal < 1 || signal > 64)
        throw std::invalid_argument("signal number out of range: " + std::to_string(signal));
    return "signal " + std::to_string(signal) + "\n";
}

std::string encode_input_record(std::size_t count)
{
    if (count > InputRequest::maximum)
        throw std::invalid_argument("input count out of range: " + std::to_string(count));
    return "input " + std::to_string(count) + "\n";
}

int exit_status_for(ControlRecord const& record)
{
    switch (record.kind) {
    case ControlRecord::Kind::Exited:
        return record.value;
    case ControlRecord::Kind::Signaled:
        return 128 + record.value;
    case ControlRecord::Kind::Panic:
        return exit_kernel_crash;
    }
    return exit_kernel_crash;
}

}
