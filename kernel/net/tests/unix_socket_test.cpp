// AF_UNIX sockets on the host: addresses, the receive queue's accounting, stream and datagram
// message boundaries, descriptor passing, shutdown and EPIPE, readiness, names in ramfs and the
// abstract namespace, listen/connect/accept, with blocking played through the fake scheduler.
#include <string>

#include <fs/pipe.h>
#include <fs/vfs.h>
#include <net/unix_socket.h>

#include "../../fs/tests/fake_sched.h"
#include "../../fs/tests/test_support.h"

namespace {

int g_sigpipes;

using net::UnixSocket;

class UnixSocketTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
        g_sigpipes = 0;
    }
    void TearDown() override
    {
        fake_sched::reset();
        FsTest::TearDown();
    }

    struct Pair {
        RefPtr<fs::OpenFileDescription> first;
        RefPtr<fs::OpenFileDescription> second;
    };
    static Pair pair(int type, int flags = 0)
    {
        auto sockets = MUST(UnixSocket::create_pair(type));
        return { MUST(UnixSocket::open(sockets.first, flags)), MUST(UnixSocket::open(sockets.second, flags)) };
    }
    static UnixSocket& socket_of(fs::OpenFileDescription& description) { return *UnixSocket::from(description.inode()); }

    static ErrorOr<size_t> send(fs::OpenFileDescription& description, std::string const& bytes, int flags = 0,
        Vector<RefPtr<fs::OpenFileDescription>>* descriptors = nullptr)
    {
        auto data = MUST(net::IoVector::single(fs::IoBuffer::kernel(bytes.data(), bytes.size())));
        net::SendOptions options;
        options.flags = flags;
        if (descriptors)
            options.descriptors = std::move(*descriptors);
        return socket_of(description).send(data, options, description.is_nonblocking());
    }
    struct Received {
        std::string bytes;
        size_t length;
        bool truncated;
        size_t descriptors;
    };
    static ErrorOr<Received> receive(fs::OpenFileDescription& description, size_t size, int flags = 0)
    {
        std::string bytes(size, '\0');
        auto data = MUST(net::IoVector::single(fs::IoBuffer::kernel(bytes.data(), bytes.size())));
        auto received = socket_of(description).receive(data, flags, description.is_nonblocking());
        if (received.is_error())
            return received.error();
        bytes.resize(received.value().copied);
        return Received { bytes, received.value().length, received.value().truncated, received.value().descriptors.size() };
    }
    static uint32_t events_of(fs::OpenFileDescription& description) { return description.inode().poll_events(description); }
    static net::UnixAddress address(std::string_view path)
    {
        uint8_t bytes[net::unix_address_size] {};
        bytes[0] = net::af_unix;
        memcpy(bytes + 2, path.data(), path.size());
        return MUST(net::UnixAddress::from_sockaddr(bytes, 2 + path.size()));
    }
};

}

namespace fs {
void raise_sigpipe() { ++g_sigpipes; }
}

namespace net {
SocketCredentials current_socket_credentials(bool) { return { 42, 1000, 100 }; }
}

TEST_F(UnixSocketTest, AddressesHaveLinuxLengths)
{
    auto path = address("/tmp/s");
    EXPECT_FALSE(path.is_abstract());
    EXPECT_EQ(path.length(), 2u + 6 + 1);
    EXPECT_EQ(path.file_path(), "/tmp/s");
    // A NUL inside ends the path.
    EXPECT_EQ(address(std::string_view("ab\0cd", 5)).file_path(), "ab");
    auto abstract = address(std::string_view("\0name", 5));
    EXPECT_TRUE(abstract.is_abstract());
    EXPECT_EQ(abstract.length(), 7u);
    uint8_t bytes[200] {};
    bytes[0] = net::af_unix;
    EXPECT_EQ(error_of(net::UnixAddress::from_sockaddr(bytes, 2)), EINVAL);
    EXPECT_EQ(error_of(net::UnixAddress::from_sockaddr(bytes, 111)), EINVAL);
    bytes[0] = 2;
    EXPECT_EQ(error_of(net::UnixAddress::from_sockaddr(bytes, 10)), EINVAL);
}

TEST_F(UnixSocketTest, StreamPairMovesBytesBothWays)
{
    auto sockets = pair(net::sock_stream);
    EXPECT_EQ(MUST(send(*sockets.first, "hello")), 5u);
    EXPECT_EQ(MUST(send(*sockets.first, " world")), 6u);
    EXPECT_EQ(MUST(receive(*sockets.second, 3)).bytes, "hel");
    // A stream read crosses the pieces of separate writes.
    EXPECT_EQ(MUST(receive(*sockets.second, 100)).bytes, "lo world");
    EXPECT_EQ(MUST(send(*sockets.second, "back")), 4u);
    EXPECT_EQ(MUST(receive(*sockets.first, 100)).bytes, "back");
    EXPECT_EQ(socket_of(*sockets.first).bytes_in_flight(), 0u);
    EXPECT_EQ(socket_of(*sockets.first).peer_credentials().pid, 42);
}

TEST_F(UnixSocketTest, PeekLeavesDataQueued)
{
    auto sockets = pair(net::sock_stream);
    MUST(send(*sockets.first, "ab"));
    MUST(send(*sockets.first, "cd"));
    EXPECT_EQ(MUST(receive(*sockets.second, 10, net::msg_peek)).bytes, "abcd");
    EXPECT_EQ(MUST(receive(*sockets.second, 10)).bytes, "abcd");
}

TEST_F(UnixSocketTest, DatagramsKeepTheirBoundaries)
{
    for (int type : { net::sock_dgram, net::sock_seqpacket }) {
        auto sockets = pair(type);
        MUST(send(*sockets.first, "one"));
        MUST(send(*sockets.first, "second"));
        MUST(send(*sockets.first, ""));
        auto first = MUST(receive(*sockets.second, 100));
        EXPECT_EQ(first.bytes, "one");
        auto second = MUST(receive(*sockets.second, 3));
        EXPECT_EQ(second.bytes, "sec");
        EXPECT_TRUE(second.truncated);
        EXPECT_EQ(second.length, 3u);
        EXPECT_EQ(MUST(receive(*sockets.second, 100)).length, 0u);
        EXPECT_EQ(error_of(receive(*sockets.second, 100, net::msg_dontwait)), EAGAIN);
        MUST(send(*sockets.first, "whole"));
        EXPECT_EQ(MUST(receive(*sockets.second, 2, net::msg_trunc)).length, 5u);
    }
}

TEST_F(UnixSocketTest, ClosedStreamPeerIsEndOfFileAndBrokenPipe)
{
    auto sockets = pair(net::sock_stream);
    MUST(send(*sockets.second, "last"));
    sockets.second = nullptr;
    EXPECT_EQ(MUST(receive(*sockets.first, 10)).bytes, "last");
    EXPECT_EQ(MUST(receive(*sockets.first, 10)).length, 0u);
    EXPECT_EQ(error_of(send(*sockets.first, "x")), EPIPE);
    EXPECT_EQ(g_sigpipes, 1);
    EXPECT_EQ(error_of(send(*sockets.first, "x", net::msg_nosignal)), EPIPE);
    EXPECT_EQ(g_sigpipes, 1);
    EXPECT_EQ(events_of(*sockets.first) & (fs::poll_hup | fs::poll_rdhup | fs::poll_in), fs::poll_hup | fs::poll_rdhup | fs::poll_in);
}

TEST_F(UnixSocketTest, ClosingWithUnreadDataResetsTheStreamPeer)
{
    auto sockets = pair(net::sock_stream);
    MUST(send(*sockets.first, "unread"));
    sockets.second = nullptr;
    // Our own message went with the closed socket's queue and our buffer is free again.
    EXPECT_EQ(socket_of(*sockets.first).bytes_in_flight(), 0u);
    EXPECT_EQ(error_of(receive(*sockets.first, 10)), ECONNRESET);
    EXPECT_EQ(MUST(receive(*sockets.first, 10)).length, 0u);
}

TEST_F(UnixSocketTest, DatagramPeerClosedIsRefusedOnceThenNotConnected)
{
    auto sockets = pair(net::sock_dgram);
    sockets.second = nullptr;
    EXPECT_EQ(error_of(send(*sockets.first, "x")), ECONNREFUSED);
    EXPECT_EQ(error_of(send(*sockets.first, "x")), ENOTCONN);
    EXPECT_EQ(g_sigpipes, 0);
}

TEST_F(UnixSocketTest, ShutdownClosesTheMatchingSides)
{
    auto sockets = pair(net::sock_stream);
    MUST(socket_of(*sockets.first).shutdown(net::shut_wr));
    EXPECT_EQ(error_of(send(*sockets.first, "x")), EPIPE);
    EXPECT_EQ(g_sigpipes, 1);
    EXPECT_EQ(MUST(receive(*sockets.second, 10)).length, 0u);
    EXPECT_EQ(events_of(*sockets.second), fs::poll_in | fs::poll_rdnorm | fs::poll_rdhup | fs::poll_out | fs::poll_wrnorm | fs::poll_wrband);
    EXPECT_EQ(events_of(*sockets.first), fs::poll_out | fs::poll_wrnorm | fs::poll_wrband);
    EXPECT_EQ(error_of(socket_of(*sockets.first).shutdown(3)), EINVAL);
    // A seqpacket's broken pipe raises no SIGPIPE.
    auto packets = pair(net::sock_seqpacket);
    MUST(socket_of(*packets.first).shutdown(net::shut_wr));
    EXPECT_EQ(error_of(send(*packets.first, "x")), EPIPE);
    EXPECT_EQ(g_sigpipes, 1);
}

TEST_F(UnixSocketTest, FullSendBufferIsEagainAndNotWritable)
{
    auto sockets = pair(net::sock_stream, O_NONBLOCK);
    std::string page(4096, 'p');
    size_t total = 0;
    for (;;) {
        auto sent = send(*sockets.first, page);
        if (sent.is_error()) {
            EXPECT_EQ(sent.error().code(), EAGAIN);
            break;
        }
        total += sent.value();
    }
    EXPECT_EQ(total, 180224u);
    EXPECT_FALSE(events_of(*sockets.first) & fs::poll_out);
    EXPECT_TRUE(events_of(*sockets.second) & fs::poll_in);
    // Reading makes room.
    while (socket_of(*sockets.second).receive_queue().unread_bytes())
        MUST(receive(*sockets.second, 65536));
    EXPECT_TRUE(events_of(*sockets.first) & fs::poll_out);
}

TEST_F(UnixSocketTest, BlockingReadWaitsAndIsInterrupted)
{
    auto sockets = pair(net::sock_stream);
    auto* writer = sockets.first.ptr();
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        (void)send(*writer, "late");
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(receive(*sockets.second, 10)).bytes, "late");
    fake_sched::on_wait = nullptr;
    EXPECT_EQ(error_of(receive(*sockets.second, 10)), EINTR);
}

TEST_F(UnixSocketTest, DescriptorsTravelWithTheirMessage)
{
    auto sockets = pair(net::sock_stream);
    auto ends = MUST(fs::create_pipe(0));
    Vector<RefPtr<fs::OpenFileDescription>> descriptors;
    MUST(descriptors.try_append(ends.write_end));
    MUST(send(*sockets.first, "a"));
    MUST(send(*sockets.first, "b", 0, &descriptors));
    MUST(send(*sockets.first, "c"));
    // The read stops after the message that carried descriptors.
    auto first = MUST(receive(*sockets.second, 10));
    EXPECT_EQ(first.bytes, "ab");
    EXPECT_EQ(first.descriptors, 1u);
    EXPECT_EQ(MUST(receive(*sockets.second, 10)).bytes, "c");
    // Dropped unread, a descriptor is closed: the pipe loses its writer.
    Vector<RefPtr<fs::OpenFileDescription>> more;
    MUST(more.try_append(ends.write_end));
    MUST(send(*sockets.first, "d", 0, &more));
    auto& pipe = static_cast<fs::PipeInode&>(ends.read_end->inode());
    ends.write_end = nullptr;
    EXPECT_EQ(pipe.writers(), 1u);
    sockets.second = nullptr;
    EXPECT_EQ(pipe.writers(), 0u);
}

TEST_F(UnixSocketTest, BindConnectAcceptThroughAPath)
{
    auto server = MUST(UnixSocket::create(net::sock_stream));
    auto server_description = MUST(UnixSocket::open(server, 0));
    MUST(server->bind(context(), address("/sock")));
    EXPECT_EQ(MUST(resolve("/sock"))->type(), uint32_t(S_IFSOCK));
    EXPECT_EQ(error_of(open("/sock", O_RDWR)), ENXIO);
    EXPECT_EQ(error_of(server->bind(context(), address("/other"))), EINVAL);
    auto client = MUST(UnixSocket::create(net::sock_stream));
    auto client_description = MUST(UnixSocket::open(client, O_NONBLOCK));
    // Not listening yet.
    auto target = MUST(UnixSocket::find(context(), address("/sock"), net::sock_stream));
    EXPECT_EQ(error_of(client->connect(target, true)), ECONNREFUSED);
    EXPECT_EQ(error_of(UnixSocket::find(context(), address("/sock"), net::sock_dgram)), EPROTOTYPE);
    EXPECT_EQ(error_of(UnixSocket::find(context(), address("/missing"), net::sock_stream)), ENOENT);
    MUST(server->listen(0));
    EXPECT_EQ(events_of(*server_description), 0u);
    MUST(client->connect(target, true));
    EXPECT_EQ(events_of(*server_description), fs::poll_in | fs::poll_rdnorm);
    // Backlog 0 takes one waiting connection.
    auto second = MUST(UnixSocket::create(net::sock_stream));
    auto second_description = MUST(UnixSocket::open(second, O_NONBLOCK));
    EXPECT_EQ(error_of(second->connect(target, true)), EAGAIN);
    MUST(send(*client_description, "hi"));
    auto connection = MUST(server->accept(true));
    auto connection_description = MUST(UnixSocket::open(connection, 0));
    EXPECT_EQ(MUST(receive(*connection_description, 10)).bytes, "hi");
    EXPECT_EQ(connection->address().file_path(), "/sock");
    EXPECT_EQ(error_of(server->accept(true)), EAGAIN);
    // A second bind of the same path is taken.
    auto other = MUST(UnixSocket::create(net::sock_stream));
    auto other_description = MUST(UnixSocket::open(other, 0));
    EXPECT_EQ(error_of(other->bind(context(), address("/sock"))), EADDRINUSE);
    // Once the server is closed, its node stays but refuses.
    server_description = nullptr;
    server = nullptr;
    EXPECT_EQ(error_of(UnixSocket::find(context(), address("/sock"), net::sock_stream)), ECONNREFUSED);
}

TEST_F(UnixSocketTest, AbstractNamesAndAutobind)
{
    auto first = MUST(UnixSocket::create(net::sock_dgram));
    auto first_description = MUST(UnixSocket::open(first, 0));
    MUST(first->bind(context(), address(std::string_view("\0abstract", 9))));
    auto second = MUST(UnixSocket::create(net::sock_dgram));
    auto second_description = MUST(UnixSocket::open(second, 0));
    EXPECT_EQ(error_of(second->bind(context(), address(std::string_view("\0abstract", 9)))), EADDRINUSE);
    MUST(second->autobind());
    EXPECT_TRUE(second->address().is_abstract());
    EXPECT_EQ(second->address().length(), 8u);
    MUST(second->autobind());
    // A datagram sent to the name arrives with the sender's name.
    auto target = MUST(UnixSocket::find(context(), address(std::string_view("\0abstract", 9)), net::sock_dgram));
    auto data = MUST(net::IoVector::single(fs::IoBuffer::kernel("ping", 4)));
    net::SendOptions options;
    options.destination = target;
    EXPECT_EQ(MUST(second->send(data, options, true)), 4u);
    char buffer[8];
    auto into = MUST(net::IoVector::single(fs::IoBuffer::kernel(buffer, sizeof(buffer))));
    auto received = MUST(first->receive(into, 0, true));
    EXPECT_EQ(received.copied, 4u);
    EXPECT_EQ(received.source, second->address());
    first_description = nullptr;
    first = nullptr;
    EXPECT_EQ(error_of(UnixSocket::find(context(), address(std::string_view("\0abstract", 9)), net::sock_dgram)), ECONNREFUSED);
}

TEST_F(UnixSocketTest, DatagramReceiverQueueIsBoundedForStrangers)
{
    auto receiver = MUST(UnixSocket::create(net::sock_dgram));
    auto receiver_description = MUST(UnixSocket::open(receiver, 0));
    auto sender = MUST(UnixSocket::create(net::sock_dgram));
    auto sender_description = MUST(UnixSocket::open(sender, O_NONBLOCK));
    MUST(sender->connect(receiver, true));
    size_t sent = 0;
    while (!send(*sender_description, "x").is_error())
        ++sent;
    EXPECT_EQ(sent, UnixSocket::max_datagram_queue + 1);
    EXPECT_FALSE(events_of(*sender_description) & fs::poll_out);
    MUST(receive(*receiver_description, 1));
    EXPECT_TRUE(events_of(*sender_description) & fs::poll_out);
}
