#include <ipc/message_list.h>

namespace ipc {

ErrorOr<void> MessageList::append(Message message)
{
    size_t length = message.text.size();
    TRY(m_messages.try_append(std::move(message)));
    m_bytes += length;
    return {};
}

Message* MessageList::find(int64_t type, int flags)
{
    if (type == 0)
        return m_messages.is_empty() ? nullptr : &m_messages[0];
    if (type < 0) {
        // convert_mode(): -LONG_MIN has no value, Linux takes LONG_MAX.
        int64_t limit = type == INT64_MIN ? INT64_MAX : -type;
        Message* found = nullptr;
        for (auto& message : m_messages) {
            if (message.type <= limit && (!found || message.type < found->type))
                found = &message;
        }
        return found;
    }
    bool except = flags & msg_except;
    for (auto& message : m_messages)
        if ((message.type == type) != except)
            return &message;
    return nullptr;
}

Message MessageList::take(Message& message)
{
    size_t index = size_t(&message - m_messages.data());
    Message taken = std::move(m_messages[index]);
    m_messages.remove(index);
    m_bytes -= taken.text.size();
    return taken;
}

}
