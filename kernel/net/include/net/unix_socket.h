#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include <fs/fs_context.h>
#include <fs/inode.h>
#include <fs/open_file_description.h>
#include <fs/poll.h>
#include <lib/intrusive_list.h>
#include <lib/own_ptr.h>
#include <lib/vector.h>
#include <net/abi.h>
#include <net/io_vector.h>
#include <sched/wait_queue.h>

namespace net {

class UnixSocket;

// A socket's name: sun_path as getsockname(2) reports it. A path name keeps its NUL (Linux
// counts it in the address length); an abstract name starts with a NUL and is exactly as long
// as the address bind(2) was given; an unbound socket has none (length 2, the family alone).
struct UnixAddress {
    char path[unix_path_capacity + 1] {};
    size_t path_length { 0 };

    bool is_bound() const { return path_length > 0; }
    bool is_abstract() const { return path_length > 0 && path[0] == 0; }
    // The socklen_t getsockname(2), getpeername(2) and accept(2) report.
    size_t length() const { return unix_path_offset + path_length; }
    // A path name without its NUL.
    std::string_view file_path() const { return { path, path_length ? path_length - 1 : 0 }; }
    bool operator==(UnixAddress const& other) const;

    // The sockaddr_un an application handed to bind(2), connect(2) or sendto(2) (Linux's
    // unix_validate_addr() and unix_mkname_bsd()): EINVAL unless longer than the family,
    // at most sizeof(sockaddr_un), and AF_UNIX. A path ends at its first NUL or at the end of
    // the address.
    static ErrorOr<UnixAddress> from_sockaddr(uint8_t const* bytes, size_t length);
    // Writes the sockaddr_un (family and name) to `bytes`, which has room for length().
    void to_sockaddr(uint8_t* bytes) const;
};

// One message in a socket's receive queue: a datagram, a seqpacket record, or what one piece
// of a stream write carried. Descriptors (SCM_RIGHTS) and the sender's credentials travel with
// it. Until it is read, its size counts against its sender's send buffer (Linux's skb truesize
// charged to sk_wmem_alloc), which is what makes writers wait.
struct SocketMessage {
    IntrusiveListNode node;
    Vector<uint8_t> data;
    // Bytes stream reads have taken from the front.
    size_t offset { 0 };
    Vector<RefPtr<fs::OpenFileDescription>> descriptors;
    SocketCredentials credentials {};
    UnixAddress source;
    RefPtr<UnixSocket> sender;
    size_t charge { 0 };
    // Wall-clock time it was sent, in nanoseconds, when the receiver asked for timestamps
    // (SO_TIMESTAMP, SO_TIMESTAMPNS); 0 otherwise.
    uint64_t timestamp { 0 };

    size_t unread() const { return data.size() - offset; }
};

// A socket's receive queue, in arrival order.
class MessageQueue {
public:
    MessageQueue() = default;
    MessageQueue(MessageQueue const&) = delete;
    MessageQueue& operator=(MessageQueue const&) = delete;
    ~MessageQueue() { clear(); }

    bool is_empty() const { return m_messages.is_empty(); }
    size_t count() const { return m_count; }
    // Bytes not yet read, over every message.
    size_t unread_bytes() const { return m_unread; }
    SocketMessage* first() const { return m_messages.first(); }
    SocketMessage* next(SocketMessage&) const;

    void append(OwnPtr<SocketMessage>);
    // A stream read took `count` bytes off the first message.
    void consume(size_t count);
    // Removes the first message and gives its sender back its charge (its descriptors go
    // with it unless taken).
    void drop_first();
    void clear();

private:
    IntrusiveList<SocketMessage, &SocketMessage::node> m_messages;
    size_t m_count { 0 };
    size_t m_unread { 0 };
};

// What a send carries besides the bytes.
struct SendOptions {
    int flags { 0 };
    // sendto(2)'s address, looked up (UnixSocket::find()); null for the connected peer.
    RefPtr<UnixSocket> destination;
    // SCM_RIGHTS, in order.
    Vector<RefPtr<fs::OpenFileDescription>> descriptors;
    // SCM_CREDENTIALS, once checked; otherwise the sender's own go.
    bool has_credentials { false };
    SocketCredentials credentials {};
};

// What a receive found.
struct ReceivedMessage {
    size_t copied { 0 };
    // The whole datagram's length (MSG_TRUNC); for streams what was copied.
    size_t length { 0 };
    bool truncated { false };
    Vector<RefPtr<fs::OpenFileDescription>> descriptors;
    // Set when the receiver asked for credentials (SO_PASSCRED).
    bool has_credentials { false };
    SocketCredentials credentials {};
    UnixAddress source;
    // SCM_TIMESTAMP or SCM_TIMESTAMPNS (the control message type, 0 for none) and the time.
    int timestamp_type { 0 };
    uint64_t timestamp { 0 };
};

// Linux's HZ as Debian builds it (250): socket timeouts and SO_LINGER are kept in its ticks,
// so that getsockopt(2) reads back the rounded values Linux reads back.
constexpr uint64_t ticks_per_second = 250;
constexpr uint64_t nanoseconds_per_tick = 1'000'000'000 / ticks_per_second;
// MAX_SCHEDULE_TIMEOUT: a timeout that never runs out.
constexpr uint64_t no_timeout = uint64_t(INT64_MAX);

// How long a call that may block waits (sock_rcvtimeo() and sock_sndtimeo()): not at all
// (O_NONBLOCK, MSG_DONTWAIT, or a timeout of 0 ticks), for ever, or until SO_RCVTIMEO or
// SO_SNDTIMEO runs out, after which the call gives up with EAGAIN, or with what it moved.
class BlockingWait {
public:
    BlockingWait(bool nonblocking, uint64_t timeout_ticks);
    // Whether the caller must give up instead of waiting.
    bool gives_up() const { return m_gives_up; }
    // Waits on `queue` until woken, interrupted or the deadline; afterwards gives_up() says
    // whether the deadline passed.
    sched::WakeReason wait(sched::WaitQueue& queue);

private:
    bool m_gives_up { false };
    // Monotonic nanoseconds, 0 for none.
    uint64_t m_deadline { 0 };
};

// SOL_SOCKET options that Linux keeps on every socket but that change nothing for AF_UNIX
// here (there is no route, device, checksum, mark or busy polling): stored so that
// getsockopt(2) reads back what setsockopt(2) set, as Linux's sock_setsockopt() does.
struct StoredSocketOptions {
    bool debug { false };
    bool dont_route { false };
    bool broadcast { false };
    bool keep_alive { false };
    bool oob_inline { false };
    bool no_check { false };
    bool pass_security { false };
    bool select_error_queue { false };
    bool receive_queue_overflow { false };
    bool wifi_status { false };
    bool no_fcs { false };
    bool receive_mark { false };
    bool prefer_busy_poll { false };
    // SO_LINGER: nothing lingers on close, since an AF_UNIX close never waits.
    bool linger { false };
    uint64_t linger_ticks { 0 };
    int priority { 0 };
    uint32_t mark { 0 };
    int busy_poll { 0 };
    int incoming_cpu { -1 };
    int bound_interface { 0 };
    // SOCK_SNDBUF_LOCK and SOCK_RCVBUF_LOCK (SO_BUF_LOCK; set by SO_SNDBUF and SO_RCVBUF).
    unsigned buffer_locks { 0 };
    // SO_COOKIE: given out on first use.
    uint64_t cookie { 0 };
};

// An AF_UNIX socket (Linux's net/unix/af_unix.c): an inode of sockfs whose descriptions are
// its one open file. Streams move bytes, datagrams and seqpackets whole messages; a connected
// pair point at each other, and a listening socket holds the server ends of connections not
// yet accepted. Blocking waits on the scheduler's wait queues and ends with EINTR on a signal;
// readiness goes through a PollQueue like a pipe's.
class UnixSocket final : public fs::Inode {
public:
    enum class State {
        Unconnected,
        Listening,
        Connected,
    };

    // net.core.wmem_default and rmem_default, and sock_setsockopt()'s floors.
    static constexpr size_t default_buffer_size = 212992;
    static constexpr size_t maximum_buffer_size = 212992; // wmem_max, rmem_max
    static constexpr size_t minimum_send_buffer = 4608;
    static constexpr size_t minimum_receive_buffer = 2304;
    // What a message costs its sender beyond its bytes (about an skb's overhead).
    static constexpr size_t message_overhead = 768;
    // net.unix.max_dgram_qlen: datagrams a socket queues from senders it is not connected to.
    static constexpr size_t max_datagram_queue = 10;
    // net.core.somaxconn: listen(2)'s backlog is capped there.
    static constexpr int max_backlog = 4096;

    // socket(2) once the type is checked (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET).
    static ErrorOr<RefPtr<UnixSocket>> create(int type);
    // socketpair(2): two sockets of `type` connected to each other.
    struct Pair {
        RefPtr<UnixSocket> first;
        RefPtr<UnixSocket> second;
    };
    static ErrorOr<Pair> create_pair(int type);
    // The read-write description a descriptor names; O_NONBLOCK from `flags`.
    static ErrorOr<RefPtr<fs::OpenFileDescription>> open(RefPtr<UnixSocket>, int flags);
    // The socket an inode is, or null (ENOTSOCK for the caller).
    static UnixSocket* from(fs::Inode&);
    // The socket bound to `address`, for connect(2) and sendto(2): ENOENT and the like from
    // the path walk, EACCES without write permission on the node, ECONNREFUSED when nothing
    // is bound there (or the node is not a socket's), EPROTOTYPE when its type differs.
    static ErrorOr<RefPtr<UnixSocket>> find(fs::FsContext const&, UnixAddress const&, int type);

    ~UnixSocket() override;

    int socket_type() const { return m_type; }
    State state() const { return m_state; }
    bool is_released() const { return m_released; }
    UnixAddress const& address() const { return m_address; }
    UnixSocket* peer() const { return m_peer.ptr(); }
    unsigned shutdown_state() const { return m_shutdown; }
    size_t pending_connections() const { return m_accept_queue.size(); }
    MessageQueue const& receive_queue() const { return m_receive_queue; }
    size_t bytes_in_flight() const { return m_in_flight; }

    // bind(2) to a path (a socket node made in `context`'s tree) or an abstract name:
    // EINVAL when already bound, EADDRINUSE when taken.
    ErrorOr<void> bind(fs::FsContext const&, UnixAddress const&);
    // bind(2) with only the family: an unused abstract name of five hex digits; nothing to
    // do when bound already.
    ErrorOr<void> autobind();
    ErrorOr<void> listen(int backlog);
    // The server end of the oldest connection: EINVAL unless listening, EAGAIN or a wait.
    ErrorOr<RefPtr<UnixSocket>> accept(bool nonblocking);
    // connect(2) to a socket found with find(). Streams and seqpackets queue a server end at
    // the listener (ECONNREFUSED when it does not listen, EAGAIN or a wait while its backlog
    // is full); datagram sockets just set their peer (EPERM when it is connected elsewhere).
    ErrorOr<void> connect(RefPtr<UnixSocket> target, bool nonblocking);
    // connect(2) of a datagram socket to AF_UNSPEC.
    void disconnect();
    // shutdown(2): `how` is SHUT_RD, SHUT_WR or SHUT_RDWR (EINVAL otherwise).
    ErrorOr<void> shutdown(int how);

    ErrorOr<size_t> send(IoVector&, SendOptions&, bool nonblocking);
    ErrorOr<ReceivedMessage> receive(IoVector&, int flags, bool nonblocking);

    // Socket options (SOL_SOCKET).
    int take_error() { return std::exchange(m_error, 0); }
    // recvmmsg(2) keeps an error that came after some messages for the next call.
    void set_error(int error) { m_error = error; }
    size_t send_buffer_size() const { return m_send_buffer; }
    size_t receive_buffer_size() const { return m_receive_buffer; }
    // SO_SNDBUF and SO_RCVBUF: doubled, as Linux does for its bookkeeping, within the limits.
    void set_send_buffer_size(uint64_t requested, bool force);
    void set_receive_buffer_size(uint64_t requested, bool force);
    bool passes_credentials() const { return m_pass_credentials; }
    void set_passes_credentials(bool value) { m_pass_credentials = value; }
    bool reuses_address() const { return m_reuse_address; }
    void set_reuses_address(bool value) { m_reuse_address = value; }
    // SO_RCVTIMEO and SO_SNDTIMEO in ticks: no_timeout waits for ever, 0 not at all.
    uint64_t receive_timeout() const { return m_receive_timeout; }
    uint64_t send_timeout() const { return m_send_timeout; }
    void set_receive_timeout(uint64_t ticks) { m_receive_timeout = ticks; }
    void set_send_timeout(uint64_t ticks) { m_send_timeout = ticks; }
    // SO_RCVLOWAT: the bytes a stream read waits for (at least 1).
    int receive_low_water() const { return m_receive_low_water; }
    void set_receive_low_water(int value) { m_receive_low_water = value; }
    // SO_TIMESTAMP and SO_TIMESTAMPNS (old or new numbering): datagrams and seqpacket records
    // are received with the time they were sent. `type` is the option; off for all.
    void set_timestamps(int type, bool on);
    bool timestamp_option(int type) const;
    StoredSocketOptions& stored_options() { return m_stored; }
    // SO_COOKIE: a number no other socket has, never 0.
    uint64_t cookie();
    // SO_PEERCRED: who made the pair, connected, or listened; pid 0 and IDs -1 before that.
    SocketCredentials peer_credentials() const { return m_peer_credentials; }

    // Inode operations: read(2) and write(2) are receive and send without flags.
    ErrorOr<size_t> read(fs::OpenFileDescription&, uint64_t offset, fs::IoBuffer&) override;
    ErrorOr<size_t> write(fs::OpenFileDescription&, uint64_t offset, fs::IoBuffer&) override;
    // readv(2) and writev(2): one receive or send over all the buffers.
    bool transfers_whole_vectors() const override { return true; }
    ErrorOr<size_t> read_vectors(fs::OpenFileDescription&, std::span<fs::IoBuffer const>) override;
    ErrorOr<size_t> write_vectors(fs::OpenFileDescription&, std::span<fs::IoBuffer const>) override;
    ErrorOr<long> ioctl(fs::OpenFileDescription&, unsigned long request, uintptr_t argument) override;
    bool is_seekable() const override { return false; }
    bool can_read(fs::OpenFileDescription const&) const override;
    bool can_write(fs::OpenFileDescription const&) const override;
    uint32_t poll_events(fs::OpenFileDescription const&) const override;
    fs::PollQueue* poll_queue() override { return &m_poll_queue; }
    ErrorOr<void> did_open(fs::OpenFileDescription&) override;
    void will_close(fs::OpenFileDescription&) override;

    IntrusiveListNode bound_node;

private:
    friend class MessageQueue;
    explicit UnixSocket(int type);

    bool is_connection_oriented() const { return m_type != sock_dgram; }
    ErrorOr<void> bind_abstract(UnixAddress const&);
    ErrorOr<size_t> send_stream(IoVector&, SendOptions&, BlockingWait&);
    ErrorOr<size_t> send_datagram(IoVector&, SendOptions&, BlockingWait&);
    ErrorOr<ReceivedMessage> receive_stream(IoVector&, int flags, BlockingWait&);
    ErrorOr<ReceivedMessage> receive_datagram(IoVector&, int flags, BlockingWait&);
    ErrorOr<OwnPtr<SocketMessage>> make_message(IoVector&, size_t offset, size_t length, SendOptions&, bool with_descriptors);
    void deliver(OwnPtr<SocketMessage>);
    void take_credentials(ReceivedMessage&, SocketMessage const&) const;
    // A read took messages or bytes off the queue: senders waiting for room may go on.
    void room_made();
    // A message of ours was read or dropped.
    void uncharge(size_t charge);
    // Readiness changed in some way: wake every waiter and tell the pollers.
    void wake_everyone();
    // The last description went (unix_release_sock()): the peer sees the connection end, the
    // name is given up, queued messages and connections are dropped.
    void release(bool embryo);
    void unbind();
    // The live socket bound to that node, or to that abstract name.
    static UnixSocket* bound_to(fs::Inode const& node);
    static UnixSocket* bound_to(UnixAddress const& abstract_name);

    int m_type;
    State m_state { State::Unconnected };
    bool m_released { false };
    unsigned m_shutdown { 0 };
    int m_error { 0 };
    unsigned m_descriptions { 0 };
    RefPtr<UnixSocket> m_peer;
    UnixAddress m_address;
    // The socket node a path name made; the socket is found through it.
    RefPtr<fs::Inode> m_bound_node;
    MessageQueue m_receive_queue;
    Vector<RefPtr<UnixSocket>> m_accept_queue;
    int m_backlog { 0 };
    size_t m_in_flight { 0 };
    size_t m_send_buffer { default_buffer_size };
    size_t m_receive_buffer { default_buffer_size };
    bool m_pass_credentials { false };
    bool m_reuse_address { false };
    uint64_t m_receive_timeout { no_timeout };
    uint64_t m_send_timeout { no_timeout };
    int m_receive_low_water { 1 };
    // SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS and SOCK_TSTAMP_NEW.
    bool m_timestamps { false };
    bool m_timestamps_nanoseconds { false };
    bool m_timestamps_new { false };
    StoredSocketOptions m_stored;
    // Set while open() makes one of the socket's own descriptions: any other open, as of
    // /proc/PID/fd/N, is ENXIO (Linux's sock_no_open()).
    bool m_opening { false };
    SocketCredentials m_peer_credentials { 0, 0xffffffff, 0xffffffff };
    // Readers, and accept(2) on a listening socket.
    sched::WaitQueue m_receive_wait;
    // Our writers waiting for our messages to be read.
    sched::WaitQueue m_send_wait;
    // Others' writers and connects waiting for this socket to take more.
    sched::WaitQueue m_room_wait;
    fs::PollQueue m_poll_queue;
};

// The file system sockets belong to (Linux's sockfs): what fstat(2) and fstatfs(2) show.
fs::FileSystem& socket_file_system();

// The caller's process ID and user and group IDs, for SO_PEERCRED (effective IDs) and
// SCM_CREDENTIALS (real IDs). The kernel defines it from the calling process; host tests
// define their own.
SocketCredentials current_socket_credentials(bool effective);

}
