#pragma once

#include <cstddef>
#include <cstdint>

namespace fs {

// Standard input as the host relays it on request (docs/protocol.md, "Standard input"): the
// bytes that have arrived and not been read yet, and the bookkeeping that decides when to ask
// the host for more and when the end of input reaches a reader. The arrival side (receive,
// answer) runs in the interrupt path and the reading side in threads; one CPU with interrupts
// off in the kernel needs no lock.
class ConsoleInput {
public:
    static constexpr size_t capacity = 4096;

    // Bytes of standard input from the host. What the host sends beyond what was asked for
    // breaks the protocol and is dropped.
    void receive(char const* bytes, size_t length);
    // The host's answer to the outstanding request: `count` bytes were sent before it, 0 is the
    // end of input.
    void answer(size_t count);

    size_t available() const { return m_count; }
    // Nothing is left to read and the host has reported the end of input, after every byte it
    // sent earlier has arrived (bytes and answers travel on different ports).
    bool at_end() const { return m_end_reported && m_count == 0 && m_received == m_announced; }
    // A reader that found the end takes it: the next read asks the host again, as a read of a
    // terminal after Ctrl-D does.
    void take_end() { m_end_reported = false; }

    // The unread bytes as at most two contiguous pieces, oldest first.
    struct Piece {
        char const* bytes;
        size_t length;
    };
    Piece first_piece() const;
    Piece second_piece() const;
    void consume(size_t count);
    // Drops the unread bytes (tcflush(TCIFLUSH)).
    void discard() { consume(m_count); }

    // How many bytes to ask the host for, on behalf of a reader that wants `wanted`: 0 while a
    // request is outstanding, input is waiting to be read, the end is waiting to be taken or
    // answered bytes are still on their way. A nonzero result marks a request outstanding.
    size_t start_request(size_t wanted);
    bool request_outstanding() const { return m_requested != 0; }

private:
    char m_bytes[capacity];
    size_t m_head { 0 };
    size_t m_count { 0 };
    // Totals since boot: bytes the host said it sent, and bytes that arrived.
    uint64_t m_announced { 0 };
    uint64_t m_received { 0 };
    size_t m_requested { 0 };
    bool m_end_reported { false };
};

}
