#include <plat/host_records.h>

namespace plat {

namespace {

bool starts_with(char const* line, size_t length, char const* prefix, size_t prefix_length)
{
    if (length < prefix_length)
        return false;
    for (size_t i = 0; i < prefix_length; ++i)
        if (line[i] != prefix[i])
            return false;
    return true;
}

// Decimal without sign or leading zeros, in [minimum, maximum].
bool parse_decimal(char const* digits, size_t length, int minimum, int maximum, int& value)
{
    if (length == 0 || length > 5 || (length > 1 && digits[0] == '0'))
        return false;
    int result = 0;
    for (size_t i = 0; i < length; ++i) {
        if (digits[i] < '0' || digits[i] > '9')
            return false;
        result = result * 10 + (digits[i] - '0');
    }
    if (result < minimum || result > maximum)
        return false;
    value = result;
    return true;
}

}

bool HostRecordDecoder::parse_line(char const* line, size_t length, HostRecord& record)
{
    constexpr char signal_prefix[] = "signal ";
    constexpr size_t signal_prefix_length = sizeof(signal_prefix) - 1;
    if (starts_with(line, length, signal_prefix, signal_prefix_length)) {
        int signal = 0;
        if (!parse_decimal(line + signal_prefix_length, length - signal_prefix_length, 1, 64, signal))
            return false;
        record = HostRecord { HostRecord::Kind::Signal, signal };
        return true;
    }
    constexpr char input_prefix[] = "input ";
    constexpr size_t input_prefix_length = sizeof(input_prefix) - 1;
    if (starts_with(line, length, input_prefix, input_prefix_length)) {
        int count = 0;
        if (!parse_decimal(line + input_prefix_length, length - input_prefix_length, 0, 65536, count))
            return false;
        record = HostRecord { HostRecord::Kind::Input, count };
        return true;
    }
    return false;
}

bool HostRecordDecoder::feed(char byte, HostRecord& record)
{
    if (byte == '\n') {
        bool complete = !m_discarding && parse_line(m_line, m_length, record);
        m_length = 0;
        m_discarding = false;
        return complete;
    }
    if (m_discarding)
        return false;
    // The limit counts the newline, so a line holds at most maximum_line_length - 1 bytes.
    if (m_length + 1 >= maximum_line_length) {
        m_length = 0;
        m_discarding = true;
        return false;
    }
    m_line[m_length++] = byte;
    return false;
}

}
