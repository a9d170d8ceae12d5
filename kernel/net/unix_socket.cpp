// AF_UNIX sockets: Linux's net/unix/af_unix.c, stream, datagram and seqpacket, with names in
// the file system and in the abstract namespace, descriptor passing and credentials.
#include <algorithm>
#include <cstring>
#include <new>

#include <fs/permissions.h>
#include <fs/pipe.h>
#include <fs/vfs.h>
#include <lib/format.h>
#include <lib/user_memory.h>
#include <plat/clock.h>
#include <net/unix_socket.h>

namespace net {

namespace {

class SocketFileSystem final : public fs::FileSystem {
public:
    SocketFileSystem()
        : FileSystem(8)
    {
    }
    void fill_statfs(fs::LinuxStatfs& statfs) const override
    {
        constexpr int64_t sockfs_magic = 0x534F434B;
        FileSystem::fill_statfs(statfs);
        statfs.f_type = sockfs_magic;
    }
};

alignas(SocketFileSystem) unsigned char s_file_system_storage[sizeof(SocketFileSystem)];
SocketFileSystem* s_file_system;

// Every socket with a name, path or abstract: connect(2) and sendto(2) look here.
IntrusiveList<UnixSocket, &UnixSocket::bound_node> s_bound_sockets;
unsigned s_next_autobind_name;
uint64_t s_last_cookie;

}

fs::FileSystem& socket_file_system()
{
    if (!s_file_system)
        s_file_system = new (s_file_system_storage) SocketFileSystem();
    return *s_file_system;
}

// --- Addresses ------------------------------------------------------------------------------

bool UnixAddress::operator==(UnixAddress const& other) const
{
    return path_length == other.path_length && memcmp(path, other.path, path_length) == 0;
}

ErrorOr<UnixAddress> UnixAddress::from_sockaddr(uint8_t const* bytes, size_t length)
{
    if (length <= unix_path_offset || length > unix_address_size)
        return Error(EINVAL);
    uint16_t family = uint16_t(bytes[0] | (bytes[1] << 8));
    if (family != af_unix)
        return Error(EINVAL);
    UnixAddress address;
    size_t given = length - unix_path_offset;
    memcpy(address.path, bytes + unix_path_offset, given);
    if (address.path[0] == 0) {
        address.path_length = given;
    } else {
        // unix_mkname_bsd(): the path ends at the end of the address if no NUL comes first,
        // and the length counts one NUL.
        size_t end = 0;
        while (end < given && address.path[end])
            ++end;
        address.path[end] = 0;
        address.path_length = end + 1;
    }
    return address;
}

void UnixAddress::to_sockaddr(uint8_t* bytes) const
{
    bytes[0] = uint8_t(af_unix);
    bytes[1] = 0;
    memcpy(bytes + unix_path_offset, path, path_length);
}

// --- Waiting --------------------------------------------------------------------------------

BlockingWait::BlockingWait(bool nonblocking, uint64_t timeout_ticks)
{
    if (nonblocking || timeout_ticks == 0) {
        m_gives_up = true;
        return;
    }
    if (timeout_ticks == no_timeout || timeout_ticks > UINT64_MAX / 4 / nanoseconds_per_tick)
        return;
    auto deadline = fs::PollDeadline::after(timeout_ticks * nanoseconds_per_tick);
    m_deadline = deadline.wait_argument();
}

sched::WakeReason BlockingWait::wait(sched::WaitQueue& queue)
{
    auto reason = queue.wait(m_deadline);
    if (reason == sched::WakeReason::TimedOut)
        m_gives_up = true;
    return reason;
}

// --- The receive queue ----------------------------------------------------------------------

SocketMessage* MessageQueue::next(SocketMessage& message) const
{
    bool found = false;
    for (auto& candidate : m_messages) {
        if (found)
            return &candidate;
        found = &candidate == &message;
    }
    return nullptr;
}

void MessageQueue::append(OwnPtr<SocketMessage> message)
{
    m_unread += message->unread();
    ++m_count;
    m_messages.append(*message.leak());
}

void MessageQueue::consume(size_t count)
{
    auto* message = first();
    message->offset += count;
    m_unread -= count;
}

void MessageQueue::drop_first()
{
    OwnPtr<SocketMessage> message(m_messages.take_first());
    if (!message)
        return;
    --m_count;
    m_unread -= message->unread();
    auto sender = std::move(message->sender);
    size_t charge = message->charge;
    // The descriptors go before the sender hears of it: closing one may release sockets.
    message.clear();
    if (sender)
        sender->uncharge(charge);
}

void MessageQueue::clear()
{
    while (!is_empty())
        drop_first();
}

// --- Sockets --------------------------------------------------------------------------------

UnixSocket::UnixSocket(int type)
    : Inode(socket_file_system(), S_IFSOCK | 0777)
    , m_type(type)
{
    // sock_alloc(): one link, owned by the creator's file system IDs.
    m_link_count = 1;
    auto identity = fs::caller_identity();
    set_creator(identity.uid, identity.gid);
}

UnixSocket::~UnixSocket()
{
    if (!m_released)
        release(false);
}

ErrorOr<RefPtr<UnixSocket>> UnixSocket::create(int type)
{
    auto* pointer = new (std::nothrow) UnixSocket(type);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<UnixSocket>::adopt(pointer);
}

ErrorOr<UnixSocket::Pair> UnixSocket::create_pair(int type)
{
    auto first = TRY(create(type));
    auto second = TRY(create(type));
    // unix_socketpair(): connected at once, and each sees its creator as the peer.
    auto credentials = current_socket_credentials(true);
    first->m_peer = second;
    second->m_peer = first;
    first->m_state = second->m_state = State::Connected;
    first->m_peer_credentials = second->m_peer_credentials = credentials;
    return Pair { std::move(first), std::move(second) };
}

ErrorOr<RefPtr<fs::OpenFileDescription>> UnixSocket::open(RefPtr<UnixSocket> socket, int flags)
{
    auto& opened = *socket;
    opened.m_opening = true;
    auto description = fs::OpenFileDescription::create(std::move(socket), O_RDWR | (flags & O_NONBLOCK));
    opened.m_opening = false;
    return description;
}

UnixSocket* UnixSocket::from(fs::Inode& inode)
{
    if (&inode.file_system() != &socket_file_system())
        return nullptr;
    return static_cast<UnixSocket*>(&inode);
}


UnixSocket* UnixSocket::bound_to(fs::Inode const& node)
{
    for (auto& socket : s_bound_sockets) {
        if (socket.m_bound_node.ptr() == &node)
            return &socket;
    }
    return nullptr;
}

UnixSocket* UnixSocket::bound_to(UnixAddress const& abstract_name)
{
    for (auto& socket : s_bound_sockets) {
        if (socket.m_address.is_abstract() && socket.m_address == abstract_name)
            return &socket;
    }
    return nullptr;
}

// unix_find_other(): a path needs write permission on the node (unix_find_bsd()), and the
// node must be a socket's; then the types must agree.
ErrorOr<RefPtr<UnixSocket>> UnixSocket::find(fs::FsContext const& context, UnixAddress const& address, int type)
{
    UnixSocket* found = nullptr;
    if (address.is_abstract()) {
        found = bound_to(address);
    } else {
        auto node = TRY(fs::resolve_path(context, context.cwd(), address.file_path(), fs::Follow::Yes));
        TRY(fs::check_permission(*node, W_OK, fs::caller_identity()));
        if (node->type() == S_IFSOCK)
            found = bound_to(*node);
    }
    if (!found)
        return Error(ECONNREFUSED);
    if (found->m_type != type)
        return Error(EPROTOTYPE);
    return RefPtr<UnixSocket>(found);
}

// unix_bind(): "EINVAL The socket is already bound to an address"; a path is made as a socket
// node with the socket's mode (0777) less the umask, and one that exists is EADDRINUSE.
// Linux makes the node before it looks at the socket (unix_bind_bsd()), so a bound socket
// given a taken path says EADDRINUSE, and the node it made for a free one goes again.
ErrorOr<void> UnixSocket::bind(fs::FsContext const& context, UnixAddress const& address)
{
    if (address.is_abstract()) {
        if (m_address.is_bound())
            return Error(EINVAL);
        return bind_abstract(address);
    }
    auto node = fs::make_socket_node(context, context.cwd(), address.file_path(), 0777);
    if (node.is_error())
        return node.error().code() == EEXIST ? Error(EADDRINUSE) : node.release_error();
    if (m_address.is_bound()) {
        (void)fs::unlink(context, context.cwd(), address.file_path());
        return Error(EINVAL);
    }
    m_bound_node = node.release_value();
    m_address = address;
    s_bound_sockets.append(*this);
    return {};
}

ErrorOr<void> UnixSocket::bind_abstract(UnixAddress const& address)
{
    if (bound_to(address))
        return Error(EADDRINUSE);
    m_address = address;
    s_bound_sockets.append(*this);
    return {};
}

// unix_autobind(): "\0" and five hex digits, the first free one after the last given out.
ErrorOr<void> UnixSocket::autobind()
{
    if (m_address.is_bound())
        return {};
    for (unsigned attempt = 0; attempt < 0x100000; ++attempt) {
        UnixAddress address;
        unsigned name = s_next_autobind_name++ & 0xfffff;
        lib::format(address.path + 1, sizeof(address.path) - 1, "%05x", name);
        address.path_length = 6;
        if (!bound_to(address))
            return bind_abstract(address);
    }
    return Error(ENOSPC);
}

void UnixSocket::unbind()
{
    if (bound_node.is_linked())
        IntrusiveList<UnixSocket, &UnixSocket::bound_node>::remove(*this);
    m_bound_node = nullptr;
}

// unix_listen(): streams and seqpackets only (EOPNOTSUPP), bound (EINVAL), not connected
// (EINVAL); listening again changes the backlog. Linux caps the backlog at somaxconn, a
// negative one included.
ErrorOr<void> UnixSocket::listen(int backlog)
{
    if (!is_connection_oriented())
        return Error(EOPNOTSUPP);
    if (!m_address.is_bound())
        return Error(EINVAL);
    if (m_state != State::Unconnected && m_state != State::Listening)
        return Error(EINVAL);
    if (backlog < 0 || backlog > max_backlog)
        backlog = max_backlog;
    if (backlog > m_backlog)
        m_room_wait.wake_all();
    m_backlog = backlog;
    m_state = State::Listening;
    m_peer_credentials = current_socket_credentials(true);
    return {};
}

// unix_accept(): the server end of the oldest connection; it is connected already.
ErrorOr<RefPtr<UnixSocket>> UnixSocket::accept(bool nonblocking)
{
    if (!is_connection_oriented())
        return Error(EOPNOTSUPP);
    if (m_state != State::Listening)
        return Error(EINVAL);
    BlockingWait waiting(nonblocking, m_receive_timeout);
    while (m_accept_queue.is_empty()) {
        if (waiting.gives_up())
            return Error(EAGAIN);
        if (waiting.wait(m_receive_wait) == sched::WakeReason::Interrupted)
            return Error(EINTR);
        if (m_state != State::Listening)
            return Error(EINVAL);
    }
    auto connection = std::move(m_accept_queue[0]);
    m_accept_queue.remove(0);
    m_room_wait.wake_all();
    return connection;
}

// unix_stream_connect() and unix_dgram_connect().
ErrorOr<void> UnixSocket::connect(RefPtr<UnixSocket> target, bool nonblocking)
{
    if (!is_connection_oriented()) {
        // unix_may_send(): a socket connected to another refuses us.
        if (target.ptr() != this && target->m_peer && target->m_peer.ptr() != this)
            return Error(EPERM);
        m_peer = std::move(target);
        m_state = State::Connected;
        m_poll_queue.notify(0);
        return {};
    }
    // unix_stream_connect() looks at the listener before at the connecting socket, and waits
    // for room in its backlog as long as SO_SNDTIMEO allows.
    BlockingWait waiting(nonblocking, m_send_timeout);
    for (;;) {
        if (target->m_released || target->m_state != State::Listening)
            return Error(ECONNREFUSED);
        // unix_recvq_full(): the backlog counts connections beyond the first.
        if (target->m_accept_queue.size() <= size_t(target->m_backlog))
            break;
        if (waiting.gives_up())
            return Error(EAGAIN);
        if (waiting.wait(target->m_room_wait) == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    if (m_state == State::Connected)
        return Error(EISCONN);
    if (m_state == State::Listening)
        return Error(EINVAL);
    auto server = TRY(create(m_type));
    TRY(target->m_accept_queue.try_ensure_capacity(target->m_accept_queue.size() + 1));
    server->m_state = State::Connected;
    server->m_peer = *this;
    // The server end takes the listener's name and sees the client; the client sees who
    // listened (Linux copies the listener's peer credentials).
    server->m_address = target->m_address;
    server->m_peer_credentials = current_socket_credentials(true);
    server->m_pass_credentials = target->m_pass_credentials;
    m_peer_credentials = target->m_peer_credentials;
    m_peer = server;
    m_state = State::Connected;
    MUST(target->m_accept_queue.try_append(std::move(server)));
    target->m_receive_wait.wake_all();
    target->m_poll_queue.notify(fs::poll_in | fs::poll_rdnorm);
    m_poll_queue.notify(0);
    return {};
}

void UnixSocket::disconnect()
{
    if (is_connection_oriented())
        return;
    m_peer = nullptr;
    m_state = State::Unconnected;
    m_poll_queue.notify(0);
}

// unix_shutdown(): `how` + 1 is the sides to close; a stream or seqpacket peer closes the
// matching other side, so a SHUT_WR is end of file there. Unconnected sockets accept it too.
ErrorOr<void> UnixSocket::shutdown(int how)
{
    if (how < shut_rd || how > shut_rdwr)
        return Error(EINVAL);
    unsigned mode = unsigned(how) + 1;
    m_shutdown |= mode;
    wake_everyone();
    if (m_peer && is_connection_oriented()) {
        unsigned peer_mode = 0;
        if (mode & receive_shutdown)
            peer_mode |= send_shutdown;
        if (mode & send_shutdown)
            peer_mode |= receive_shutdown;
        m_peer->m_shutdown |= peer_mode;
        m_peer->wake_everyone();
    }
    return {};
}

// --- Sending --------------------------------------------------------------------------------

ErrorOr<size_t> UnixSocket::send(IoVector& data, SendOptions& options, bool nonblocking)
{
    if (options.flags & msg_dontwait)
        nonblocking = true;
    // Out-of-band data (MSG_OOB) is not provided: Linux without CONFIG_AF_UNIX_OOB.
    if (options.flags & msg_oob)
        return Error(EOPNOTSUPP);
    BlockingWait waiting(nonblocking, m_send_timeout);
    if (m_type == sock_stream)
        return send_stream(data, options, waiting);
    return send_datagram(data, options, waiting);
}

ErrorOr<OwnPtr<SocketMessage>> UnixSocket::make_message(IoVector& data, size_t offset, size_t length, SendOptions& options, bool with_descriptors)
{
    auto message = TRY(lib::try_make<SocketMessage>());
    TRY(message->data.try_resize(length));
    if (length)
        TRY(data.read(offset, message->data.data(), length));
    if (with_descriptors) {
        message->descriptors = std::move(options.descriptors);
    }
    message->credentials = options.has_credentials ? options.credentials : current_socket_credentials(false);
    message->source = m_address;
    message->sender = *this;
    message->charge = length + message_overhead;
    return message;
}

// The message joins this socket's queue: readers wake.
void UnixSocket::deliver(OwnPtr<SocketMessage> message)
{
    if (m_timestamps && m_type != sock_stream)
        message->timestamp = plat::realtime_nanoseconds();
    if (message->sender)
        message->sender->m_in_flight += message->charge;
    m_receive_queue.append(std::move(message));
    m_receive_wait.wake_all();
    m_poll_queue.notify(fs::poll_in | fs::poll_rdnorm);
}

// unix_stream_sendmsg(): in pieces of at most half the send buffer, each waiting while the
// sender's unread messages fill its buffer. A closed or shut-down reader is EPIPE with SIGPIPE
// (unless MSG_NOSIGNAL) when nothing went yet; otherwise what went is returned, as for an
// interrupted or non-blocking write. Descriptors go with the first piece.
ErrorOr<size_t> UnixSocket::send_stream(IoVector& data, SendOptions& options, BlockingWait& waiting)
{
    if (options.destination)
        return Error(m_state == State::Connected ? EISCONN : EOPNOTSUPP);
    if (m_state != State::Connected || !m_peer)
        return Error(ENOTCONN);
    size_t total = data.size();
    size_t sent = 0;
    auto broken_pipe = [&]() -> ErrorOr<size_t> {
        if (sent)
            return sent;
        if (!(options.flags & msg_nosignal))
            fs::raise_sigpipe();
        return Error(EPIPE);
    };
    if (m_shutdown & send_shutdown)
        return broken_pipe();
    size_t piece_limit = m_send_buffer / 2 - 64;
    while (sent < total) {
        auto& peer = *m_peer;
        if (peer.m_released || (peer.m_shutdown & receive_shutdown) || (m_shutdown & send_shutdown))
            return broken_pipe();
        if (m_in_flight >= m_send_buffer) {
            if (waiting.gives_up())
                return sent ? ErrorOr<size_t>(sent) : ErrorOr<size_t>(Error(EAGAIN));
            if (waiting.wait(m_send_wait) == sched::WakeReason::Interrupted)
                return sent ? ErrorOr<size_t>(sent) : ErrorOr<size_t>(Error(EINTR));
            continue;
        }
        size_t length = std::min(total - sent, piece_limit);
        auto message = make_message(data, sent, length, options, sent == 0);
        if (message.is_error())
            return sent ? ErrorOr<size_t>(sent) : ErrorOr<size_t>(message.release_error());
        peer.deliver(message.release_value());
        sent += length;
    }
    if (sent)
        touch_modification_and_change_time();
    return sent;
}

// unix_dgram_sendmsg() (seqpackets go through it too): the whole message or nothing.
// EMSGSIZE past the send buffer less 32 bytes; no peer and no address is ENOTCONN (a
// seqpacket always needs its connection and ignores an address); a datagram peer that was
// closed is ECONNREFUSED once, then forgotten. A receiver not connected back to us takes at
// most max_datagram_queue waiting datagrams.
ErrorOr<size_t> UnixSocket::send_datagram(IoVector& data, SendOptions& options, BlockingWait& waiting)
{
    size_t total = data.size();
    if (m_type == sock_seqpacket) {
        options.destination = nullptr;
        if (m_state != State::Connected)
            return Error(ENOTCONN);
    }
    if (total > m_send_buffer - 32)
        return Error(EMSGSIZE);
    RefPtr<UnixSocket> target = options.destination ? options.destination : m_peer;
    if (!target)
        return Error(ENOTCONN);
    if (m_shutdown & send_shutdown)
        return Error(EPIPE);
    for (;;) {
        if (target->m_released) {
            if (m_type == sock_seqpacket)
                return Error(EPIPE);
            if (target == m_peer) {
                m_peer = nullptr;
                m_state = State::Unconnected;
            }
            return Error(ECONNREFUSED);
        }
        if (m_type == sock_dgram && target.ptr() != this && target->m_peer && target->m_peer.ptr() != this)
            return Error(EPERM);
        if (target->m_shutdown & receive_shutdown)
            return Error(EPIPE);
        bool own_buffer_full = m_in_flight >= m_send_buffer;
        bool receiver_full = m_type == sock_dgram && target.ptr() != this && target->m_peer.ptr() != this
            && target->m_receive_queue.count() > max_datagram_queue;
        if (!own_buffer_full && !receiver_full)
            break;
        if (waiting.gives_up())
            return Error(EAGAIN);
        auto& queue = own_buffer_full ? m_send_wait : target->m_room_wait;
        if (waiting.wait(queue) == sched::WakeReason::Interrupted)
            return Error(EINTR);
        if (m_shutdown & send_shutdown)
            return Error(EPIPE);
    }
    auto message = TRY(make_message(data, 0, total, options, true));
    target->deliver(std::move(message));
    touch_modification_and_change_time();
    return total;
}

// --- Receiving ------------------------------------------------------------------------------

ErrorOr<ReceivedMessage> UnixSocket::receive(IoVector& data, int flags, bool nonblocking)
{
    if (flags & msg_dontwait)
        nonblocking = true;
    if (flags & msg_oob)
        return Error(EOPNOTSUPP);
    BlockingWait waiting(nonblocking, m_receive_timeout);
    if (m_type == sock_stream)
        return receive_stream(data, flags, waiting);
    return receive_datagram(data, flags, waiting);
}

void UnixSocket::take_credentials(ReceivedMessage& received, SocketMessage const& message) const
{
    if (!m_pass_credentials)
        return;
    received.has_credentials = true;
    received.credentials = message.credentials;
}

static ErrorOr<void> duplicate_descriptors(Vector<RefPtr<fs::OpenFileDescription>>& into, Vector<RefPtr<fs::OpenFileDescription>> const& from)
{
    for (auto const& description : from)
        TRY(into.try_append(description));
    return {};
}

// unix_stream_read_generic(): what is there, at least SO_RCVLOWAT bytes (a byte by default, all
// that was asked with MSG_WAITALL), across messages; it stops after a message that carried descriptors, and,
// with SO_PASSCRED, where the credentials change. With nothing queued: the pending error
// (ECONNRESET after a peer closed with data unread), end of file once the reading side is
// shut down, EAGAIN, or a wait. An unconnected or listening stream is EINVAL.
ErrorOr<ReceivedMessage> UnixSocket::receive_stream(IoVector& data, int flags, BlockingWait& waiting)
{
    if (m_state != State::Connected)
        return Error(EINVAL);
    ReceivedMessage received;
    size_t size = data.size();
    if (size == 0)
        return received;
    bool peek = flags & msg_peek;
    // sock_rcvlowat().
    size_t target = (flags & msg_waitall) ? size : std::min(size_t(m_receive_low_water), size);
    if (!target)
        target = 1;
    size_t copied = 0;
    size_t consumed = 0;
    SocketMessage* message = nullptr;
    auto finish = [&]() -> ErrorOr<ReceivedMessage> {
        received.copied = received.length = copied;
        if (consumed)
            room_made();
        return std::move(received);
    };
    for (;;) {
        // Peeking walks on through the queue; reading always takes from its front.
        if (!peek || !message)
            message = m_receive_queue.first();
        if (!message) {
            if (copied >= target)
                return finish();
            if (m_error) {
                if (copied)
                    return finish();
                return Error(take_error());
            }
            if (m_shutdown & receive_shutdown)
                return finish();
            if (copied && peek)
                return finish();
            if (waiting.gives_up())
                return copied ? finish() : ErrorOr<ReceivedMessage>(Error(EAGAIN));
            if (waiting.wait(m_receive_wait) == sched::WakeReason::Interrupted)
                return copied ? finish() : ErrorOr<ReceivedMessage>(Error(EINTR));
            message = nullptr;
            continue;
        }
        if (copied && m_pass_credentials
            && (message->credentials.pid != received.credentials.pid || message->credentials.uid != received.credentials.uid
                || message->credentials.gid != received.credentials.gid))
            return finish();
        if (!copied) {
            received.source = message->source;
            take_credentials(received, *message);
            if (!m_pass_credentials)
                received.credentials = message->credentials;
        }
        size_t available = message->unread();
        size_t chunk = std::min(available, size - copied);
        if (chunk) {
            auto written = data.write(copied, message->data.data() + message->offset, chunk);
            if (written.is_error()) {
                if (copied)
                    return finish();
                return written.release_error();
            }
        }
        copied += chunk;
        bool had_descriptors = !message->descriptors.is_empty();
        if (!peek) {
            m_receive_queue.consume(chunk);
            consumed += chunk;
            if (had_descriptors)
                received.descriptors = std::move(message->descriptors);
            if (message->unread())
                return finish();
            m_receive_queue.drop_first();
            message = nullptr;
            if (had_descriptors)
                return finish();
        } else {
            if (had_descriptors) {
                TRY(duplicate_descriptors(received.descriptors, message->descriptors));
                return finish();
            }
            if (chunk < available)
                return finish();
            message = m_receive_queue.next(*message);
            if (!message)
                return finish();
        }
        if (copied >= size)
            return finish();
    }
}

// unix_dgram_recvmsg(): one message, the rest of it dropped when the buffer is short (MSG_TRUNC
// in the flags; with MSG_TRUNC asked, the return is its whole length). With nothing queued:
// end of file once shut down for reading (a seqpacket whose peer closed), EAGAIN, or a wait.
// An unconnected seqpacket is ENOTCONN.
ErrorOr<ReceivedMessage> UnixSocket::receive_datagram(IoVector& data, int flags, BlockingWait& waiting)
{
    if (m_type == sock_seqpacket && m_state != State::Connected)
        return Error(ENOTCONN);
    bool peek = flags & msg_peek;
    ReceivedMessage received;
    while (m_receive_queue.is_empty()) {
        if (m_error)
            return Error(take_error());
        if (m_shutdown & receive_shutdown)
            return received;
        if (waiting.gives_up())
            return Error(EAGAIN);
        if (waiting.wait(m_receive_wait) == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    auto* message = m_receive_queue.first();
    size_t length = message->data.size();
    size_t chunk = std::min(length, data.size());
    if (chunk)
        TRY(data.write(0, message->data.data(), chunk));
    received.copied = chunk;
    received.length = (flags & msg_trunc) ? length : chunk;
    received.truncated = chunk < length;
    received.source = message->source;
    take_credentials(received, *message);
    // __sock_recv_timestamp(): a message sent before timestamps were asked for is stamped now.
    if (m_timestamps) {
        received.timestamp = message->timestamp ? message->timestamp : plat::realtime_nanoseconds();
        if (m_timestamps_nanoseconds)
            received.timestamp_type = m_timestamps_new ? so_timestampns_new : so_timestampns_old;
        else
            received.timestamp_type = m_timestamps_new ? so_timestamp_new : so_timestamp_old;
    }
    if (peek) {
        TRY(duplicate_descriptors(received.descriptors, message->descriptors));
        return received;
    }
    received.descriptors = std::move(message->descriptors);
    m_receive_queue.drop_first();
    room_made();
    return received;
}

void UnixSocket::room_made()
{
    m_room_wait.wake_all();
    // A datagram sender waiting for room in our queue polls its own socket.
    if (m_peer && m_type == sock_dgram)
        m_peer->m_poll_queue.notify(fs::poll_out | fs::poll_wrnorm);
}

void UnixSocket::uncharge(size_t charge)
{
    m_in_flight -= std::min(charge, m_in_flight);
    m_send_wait.wake_all();
    m_poll_queue.notify(fs::poll_out | fs::poll_wrnorm);
}

void UnixSocket::wake_everyone()
{
    m_receive_wait.wake_all();
    m_send_wait.wake_all();
    m_room_wait.wake_all();
    m_poll_queue.notify(0);
}

// --- Options --------------------------------------------------------------------------------

// sock_setsockopt(): the value is capped at the maximum (unless forced), doubled, and at least
// the floor.
void UnixSocket::set_send_buffer_size(uint64_t requested, bool force)
{
    uint64_t value = force ? std::min<uint64_t>(requested, 0x3fffffff) : std::min<uint64_t>(requested, maximum_buffer_size);
    m_send_buffer = std::max<size_t>(size_t(value) * 2, minimum_send_buffer);
    m_send_wait.wake_all();
    m_poll_queue.notify(fs::poll_out | fs::poll_wrnorm);
}

void UnixSocket::set_receive_buffer_size(uint64_t requested, bool force)
{
    uint64_t value = force ? std::min<uint64_t>(requested, 0x3fffffff) : std::min<uint64_t>(requested, maximum_buffer_size);
    m_receive_buffer = std::max<size_t>(size_t(value) * 2, minimum_receive_buffer);
}

// sock_set_timestamp(): SO_TIMESTAMP and SO_TIMESTAMPNS, in the old or new numbering (the same
// layouts on x86_64, different control message types); turning either off turns off both.
void UnixSocket::set_timestamps(int type, bool on)
{
    if (!on) {
        m_timestamps = m_timestamps_nanoseconds = false;
        return;
    }
    m_timestamps_new = type == so_timestamp_new || type == so_timestampns_new;
    m_timestamps_nanoseconds = type == so_timestampns_old || type == so_timestampns_new;
    m_timestamps = true;
}

bool UnixSocket::timestamp_option(int type) const
{
    switch (type) {
    case so_timestamp_old:
        return m_timestamps && !m_timestamps_new && !m_timestamps_nanoseconds;
    case so_timestampns_old:
        return m_timestamps_nanoseconds && !m_timestamps_new;
    case so_timestamp_new:
        return m_timestamps && m_timestamps_new && !m_timestamps_nanoseconds;
    case so_timestampns_new:
        return m_timestamps_nanoseconds && m_timestamps_new;
    default:
        return false;
    }
}

uint64_t UnixSocket::cookie()
{
    if (!m_stored.cookie)
        m_stored.cookie = ++s_last_cookie;
    return m_stored.cookie;
}

// --- Inode operations -----------------------------------------------------------------------

// sock_read_iter(): reading nothing returns 0 at once ("Match SYS5 behaviour"), taking no
// datagram, where recv(2) of nothing takes one.
ErrorOr<size_t> UnixSocket::read(fs::OpenFileDescription& description, uint64_t, fs::IoBuffer& buffer)
{
    if (buffer.size() == 0)
        return 0;
    auto vector = TRY(IoVector::single(buffer));
    auto received = TRY(receive(vector, 0, description.is_nonblocking()));
    return received.length;
}

ErrorOr<size_t> UnixSocket::write(fs::OpenFileDescription& description, uint64_t, fs::IoBuffer& buffer)
{
    auto vector = TRY(IoVector::single(buffer));
    SendOptions options;
    return send(vector, options, description.is_nonblocking());
}

ErrorOr<size_t> UnixSocket::read_vectors(fs::OpenFileDescription& description, std::span<fs::IoBuffer const> buffers)
{
    IoVector vector;
    for (auto const& buffer : buffers)
        TRY(vector.append(buffer));
    if (vector.size() == 0)
        return 0;
    auto received = TRY(receive(vector, 0, description.is_nonblocking()));
    return received.length;
}

ErrorOr<size_t> UnixSocket::write_vectors(fs::OpenFileDescription& description, std::span<fs::IoBuffer const> buffers)
{
    IoVector vector;
    for (auto const& buffer : buffers)
        TRY(vector.append(buffer));
    SendOptions options;
    return send(vector, options, description.is_nonblocking());
}

// unix_ioctl(): SIOCINQ (FIONREAD) is the unread bytes of a stream or seqpacket, the next
// datagram's length for a datagram socket, and EINVAL while listening.
ErrorOr<long> UnixSocket::ioctl(fs::OpenFileDescription&, unsigned long request, uintptr_t argument)
{
    if (request != FIONREAD)
        return Error(ENOTTY);
    if (m_state == State::Listening)
        return Error(EINVAL);
    size_t amount = 0;
    if (m_type == sock_dgram)
        amount = m_receive_queue.is_empty() ? 0 : m_receive_queue.first()->data.size();
    else
        amount = m_receive_queue.unread_bytes();
    TRY(UserPtr<int>(argument).write(int(std::min<size_t>(amount, 0x7fffffff))));
    return 0;
}

// unix_poll() and unix_dgram_poll(): POLLERR with an error pending, POLLHUP once both sides
// are shut down (and for an unconnected stream or seqpacket), POLLRDHUP and POLLIN once
// reading is; POLLIN with messages or connections waiting; POLLOUT while the sender's unread
// messages take at most a quarter of its buffer, and, for a datagram sender, while its peer
// takes more unless that peer is connected back to it.
uint32_t UnixSocket::poll_events(fs::OpenFileDescription const&) const
{
    uint32_t events = 0;
    if (m_error)
        events |= fs::poll_err;
    if (m_shutdown == both_shutdown)
        events |= fs::poll_hup;
    if (m_shutdown & receive_shutdown)
        events |= fs::poll_rdhup | fs::poll_in | fs::poll_rdnorm;
    if (!m_receive_queue.is_empty() || !m_accept_queue.is_empty())
        events |= fs::poll_in | fs::poll_rdnorm;
    if (is_connection_oriented() && m_state == State::Unconnected)
        events |= fs::poll_hup;
    bool writable = m_state != State::Listening && m_in_flight * 4 <= m_send_buffer;
    if (writable && m_type == sock_dgram && m_peer && m_peer->m_peer.ptr() != this && !m_peer->m_released
        && m_peer->m_receive_queue.count() > max_datagram_queue)
        writable = false;
    if (writable)
        events |= fs::poll_out | fs::poll_wrnorm | fs::poll_wrband;
    return events;
}

bool UnixSocket::can_read(fs::OpenFileDescription const& description) const
{
    return poll_events(description) & (fs::poll_in | fs::poll_hup | fs::poll_err);
}

bool UnixSocket::can_write(fs::OpenFileDescription const& description) const
{
    return poll_events(description) & (fs::poll_out | fs::poll_err);
}

// Only socket(2), socketpair(2) and accept(2) make a socket's descriptions; opening it through
// /proc/PID/fd/N is ENXIO, as Linux's sock_no_open() answers (O_PATH still works, as it never
// opens the file).
ErrorOr<void> UnixSocket::did_open(fs::OpenFileDescription&)
{
    if (!m_opening || m_released)
        return Error(ENXIO);
    ++m_descriptions;
    return {};
}

void UnixSocket::will_close(fs::OpenFileDescription&)
{
    if (--m_descriptions == 0)
        release(false);
}

// unix_release_sock(). A stream or seqpacket peer is shut down both ways, and gets ECONNRESET
// when we leave unread data or were a connection never accepted; a datagram peer finds out
// when it next sends. Connections waiting at a listener are released with it.
void UnixSocket::release(bool embryo)
{
    if (m_released)
        return;
    m_released = true;
    unbind();
    auto waiting = std::move(m_accept_queue);
    for (auto& connection : waiting)
        connection->release(true);
    waiting.clear();
    RefPtr<UnixSocket> peer = std::move(m_peer);
    if (peer && is_connection_oriented()) {
        peer->m_shutdown = both_shutdown;
        if (!m_receive_queue.is_empty() || embryo)
            peer->m_error = ECONNRESET;
        peer->wake_everyone();
    }
    m_receive_queue.clear();
    m_shutdown = both_shutdown;
    wake_everyone();
}

}
