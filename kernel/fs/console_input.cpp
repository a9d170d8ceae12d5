#include <algorithm>
#include <cstring>

#include <fs/console_input.h>

namespace fs {

void ConsoleInput::receive(char const* bytes, size_t length)
{
    // Bytes are expected up to what the host announced plus what is being asked for now.
    uint64_t expected = m_announced + m_requested;
    size_t accepted = m_received >= expected ? 0 : size_t(std::min<uint64_t>(length, expected - m_received));
    accepted = std::min(accepted, capacity - m_count);
    for (size_t i = 0; i < accepted; ++i)
        m_bytes[(m_head + m_count + i) % capacity] = bytes[i];
    m_count += accepted;
    m_received += accepted;
}

void ConsoleInput::answer(size_t count)
{
    if (!m_requested)
        return;
    m_announced += std::min(count, m_requested);
    if (count == 0)
        m_end_reported = true;
    m_requested = 0;
}

ConsoleInput::Piece ConsoleInput::first_piece() const
{
    return { m_bytes + m_head, std::min(m_count, capacity - m_head) };
}

ConsoleInput::Piece ConsoleInput::second_piece() const
{
    size_t first = std::min(m_count, capacity - m_head);
    return { m_bytes, m_count - first };
}

void ConsoleInput::consume(size_t count)
{
    count = std::min(count, m_count);
    m_head = (m_head + count) % capacity;
    m_count -= count;
    if (m_count == 0)
        m_head = 0;
}

size_t ConsoleInput::start_request(size_t wanted)
{
    if (m_requested || m_count || m_end_reported || m_received != m_announced || wanted == 0)
        return 0;
    m_requested = std::min(wanted, capacity);
    return m_requested;
}

}
