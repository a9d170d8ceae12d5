// Which message msgrcv(2) takes, and the queue's limits, as Linux's ipc/msg.c.
#include <gtest/gtest.h>

#include <ipc/message_list.h>

namespace {

using namespace ipc;

void add(MessageList& list, int64_t type, size_t length)
{
    Message message { type, {} };
    MUST(message.text.try_resize(length));
    if (length)
        message.text[0] = uint8_t(type);
    MUST(list.append(std::move(message)));
}

TEST(MessageList, Selection)
{
    MessageList list;
    add(list, 3, 1);
    add(list, 1, 2);
    add(list, 2, 3);
    add(list, 1, 4);
    EXPECT_EQ(list.find(0, 0)->type, 3);
    EXPECT_EQ(list.find(1, 0)->text.size(), 2u);
    EXPECT_EQ(list.find(1, msg_except)->type, 3);
    EXPECT_EQ(list.find(3, msg_except)->type, 1);
    EXPECT_EQ(list.find(4, 0), nullptr);
    // Negative: the lowest type at most |type|, the first of them.
    EXPECT_EQ(list.find(-2, 0)->text.size(), 2u);
    EXPECT_EQ(list.find(-INT64_MAX, 0)->type, 1);
    EXPECT_EQ(list.find(INT64_MIN, 0)->type, 1);
    auto taken = list.take(*list.find(-3, 0));
    EXPECT_EQ(taken.type, 1);
    EXPECT_EQ(list.find(-1, 0)->text.size(), 4u);
    EXPECT_EQ(list.count(), 3u);
    EXPECT_EQ(list.bytes(), 8u);
}

TEST(MessageList, Limits)
{
    MessageList list;
    EXPECT_EQ(list.byte_limit(), msg_mnb);
    EXPECT_TRUE(list.fits(msg_mnb));
    EXPECT_FALSE(list.fits(msg_mnb + 1));
    add(list, 1, 10000);
    EXPECT_TRUE(list.fits(6384));
    EXPECT_FALSE(list.fits(6385));
    // The number of messages counts against the limit too (zero-length messages).
    MessageList empty_messages;
    empty_messages.set_byte_limit(2);
    add(empty_messages, 1, 0);
    EXPECT_TRUE(empty_messages.fits(0));
    add(empty_messages, 1, 0);
    EXPECT_FALSE(empty_messages.fits(0));
}

}
