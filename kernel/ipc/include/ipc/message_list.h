#pragma once

#include <cstdint>

#include <ipc/abi.h>
#include <lib/error_or.h>
#include <lib/vector.h>

namespace ipc {

struct Message {
    int64_t type { 0 };
    Vector<uint8_t> text;
};

// The messages of one queue and Linux's rules for choosing among them (ipc/msg.c), free of
// waiting so that they run on the host.
class MessageList {
public:
    size_t count() const { return m_messages.size(); }
    uint64_t bytes() const { return m_bytes; }
    uint64_t byte_limit() const { return m_byte_limit; }
    void set_byte_limit(uint64_t limit) { m_byte_limit = limit; }

    // msg_fits_inqueue(): the bytes, and the number of messages, both within the limit.
    bool fits(size_t length) const { return length + m_bytes <= m_byte_limit && 1 + m_messages.size() <= m_byte_limit; }
    ErrorOr<void> append(Message);

    // The message msgrcv(2) takes for `type` and `flags`: the first one with any type for 0,
    // the first of exactly that type for a positive one (the first of any other type with
    // MSG_EXCEPT), the first of the lowest type at most |type| for a negative one. Null if none.
    Message* find(int64_t type, int flags);
    // Removes a message find() returned.
    Message take(Message&);

private:
    Vector<Message> m_messages;
    uint64_t m_bytes { 0 };
    uint64_t m_byte_limit { msg_mnb };
};

}
