// sendto(2), recvfrom(2), sendmsg(2), recvmsg(2): data with an address, and control messages
// (SCM_RIGHTS, SCM_CREDENTIALS).
#include <fs/permissions.h>
#include <fs/poll.h>
#include <lib/credentials.h>
#include <plat/clock.h>

#include "support.h"

namespace net::syscalls {

// The largest count one call moves (MAX_RW_COUNT), as for read(2) and write(2).
constexpr size_t max_transfer_size = 0x7ffff000;

struct UserIoVector {
    uint64_t base;
    uint64_t length;
};

// import_iovec(): more than UIO_MAXIOV vectors is EMSGSIZE, a total past SSIZE_MAX EINVAL, a
// vector outside the application's memory EFAULT; the total is capped at MAX_RW_COUNT.
static ErrorOr<IoVector> import_vectors(uintptr_t vectors_address, uint64_t count)
{
    if (count > max_io_vectors)
        return Error(EMSGSIZE);
    IoVector vector;
    uint64_t total = 0;
    for (uint64_t index = 0; index < count; ++index) {
        auto entry = TRY(UserPtr<UserIoVector>(vectors_address).offset(index).read());
        if (entry.length > uint64_t(INT64_MAX) || total + entry.length > uint64_t(INT64_MAX))
            return Error(EINVAL);
        size_t length = std::min<uint64_t>(entry.length, max_transfer_size - std::min<uint64_t>(total, max_transfer_size));
        if (!lib::is_user_range(entry.base, length))
            return Error(EFAULT);
        total += entry.length;
        TRY(vector.append(fs::IoBuffer::user(entry.base, length)));
    }
    return vector;
}

// scm_check_creds(): the caller's own process, and one of its real, effective or saved IDs,
// unless privileged (root holds CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID).
static ErrorOr<void> check_credentials(SocketCredentials const& credentials)
{
    auto const* own = fs::current_credentials();
    if (!own || own->is_privileged())
        return {};
    if (credentials.pid != current_socket_credentials(false).pid)
        return Error(EPERM);
    if (!own->user.holds(credentials.uid) || !own->group.holds(credentials.gid))
        return Error(EPERM);
    return {};
}

// __scm_send(): every header must fit what is left of the buffer (EINVAL); other levels are
// skipped; SCM_RIGHTS takes open descriptors (EBADF), at most SCM_MAX_FD in all (EINVAL);
// SCM_CREDENTIALS takes exactly a struct ucred the caller may claim (EINVAL, EPERM); other
// types are EINVAL.
static ErrorOr<void> parse_control(uintptr_t control, uint64_t control_size, SendOptions& options)
{
    if (!control_size)
        return {};
    auto& table = fs::current_fd_table();
    uint64_t offset = 0;
    while (control_size - offset >= sizeof(LinuxControlHeader)) {
        auto header = TRY(UserPtr<LinuxControlHeader>(control + offset).read());
        if (header.length < sizeof(LinuxControlHeader) || header.length > control_size - offset)
            return Error(EINVAL);
        uintptr_t data = control + offset + sizeof(LinuxControlHeader);
        size_t data_length = header.length - sizeof(LinuxControlHeader);
        if (header.level == sol_socket) {
            if (header.type == scm_rights) {
                size_t count = data_length / sizeof(int);
                if (options.descriptors.size() + count > max_descriptors_per_message)
                    return Error(EINVAL);
                for (size_t index = 0; index < count; ++index) {
                    int fd = TRY(UserPtr<int>(data).offset(index).read());
                    TRY(options.descriptors.try_append(TRY(table.get(fd))));
                }
            } else if (header.type == scm_credentials) {
                if (header.length != control_length(sizeof(SocketCredentials)))
                    return Error(EINVAL);
                auto credentials = TRY(UserPtr<SocketCredentials>(data).read());
                TRY(check_credentials(credentials));
                options.has_credentials = true;
                options.credentials = credentials;
            } else {
                return Error(EINVAL);
            }
        }
        offset += control_align(header.length);
        if (offset >= control_size)
            break;
    }
    return {};
}

static ErrorOr<size_t> send_message(SocketHandle& handle, IoVector& data, uintptr_t address, uint64_t address_length, SendOptions& options)
{
    if (address && address_length) {
        auto raw = TRY(copy_address_from_user(address, address_length));
        // A stream refuses an address before looking at it; a seqpacket ignores it.
        if (handle.socket->socket_type() == sock_stream)
            return Error(handle.socket->state() == UnixSocket::State::Connected ? EISCONN : EOPNOTSUPP);
        if (handle.socket->socket_type() == sock_dgram) {
            auto name = TRY(UnixAddress::from_sockaddr(raw.bytes, raw.length));
            options.destination = TRY(UnixSocket::find(fs::current_fs_context(), name, sock_dgram));
        }
    }
    return handle.socket->send(data, options, handle.description->is_nonblocking());
}

static ErrorOr<long> send_to(int fd, uintptr_t buffer, uint64_t length, int flags, uintptr_t address, uint64_t address_length)
{
    length = std::min<uint64_t>(length, max_transfer_size);
    if (!lib::is_user_range(buffer, length))
        return Error(EFAULT);
    auto data = TRY(IoVector::single(fs::IoBuffer::user(buffer, length)));
    SendOptions options;
    options.flags = flags;
    auto handle = TRY(socket_for(fd));
    return long(TRY(send_message(handle, data, address, address_length, options)));
}

// What one sendmsg(2) moved, and what it was asked to move (a stream may move less).
struct SendResult {
    size_t sent;
    size_t requested;
};

// ___sys_sendmsg(): the socket is looked up before the header is read.
static ErrorOr<SendResult> send_msg(SocketHandle& handle, uintptr_t header_address, int flags)
{
    auto header = TRY(UserPtr<LinuxMessageHeader>(header_address).read());
    auto data = TRY(import_vectors(header.io_vectors, header.io_vector_count));
    SendOptions options;
    options.flags = flags;
    TRY(parse_control(header.control, header.control_length, options));
    size_t sent = TRY(send_message(handle, data, header.name, header.name_length, options));
    return SendResult { sent, data.size() };
}

static ErrorOr<ReceivedMessage> receive_message(SocketHandle& handle, IoVector& data, int flags)
{
    return handle.socket->receive(data, flags, handle.description->is_nonblocking());
}

static ErrorOr<void> copy_source_to_user(ReceivedMessage const& received, uintptr_t address, uintptr_t length_address)
{
    // unix_copy_addr(): an unbound sender leaves the length 0.
    uint8_t bytes[unix_address_size + 1] {};
    size_t length = 0;
    if (received.source.is_bound()) {
        received.source.to_sockaddr(bytes);
        length = received.source.length();
    }
    return copy_address_to_user(bytes, length, address, length_address);
}

static ErrorOr<long> receive_from(int fd, uintptr_t buffer, uint64_t length, int flags, uintptr_t address, uintptr_t length_address)
{
    length = std::min<uint64_t>(length, max_transfer_size);
    if (!lib::is_user_range(buffer, length))
        return Error(EFAULT);
    auto data = TRY(IoVector::single(fs::IoBuffer::user(buffer, length)));
    auto handle = TRY(socket_for(fd));
    auto received = TRY(receive_message(handle, data, flags));
    TRY(copy_source_to_user(received, address, length_address));
    return long(received.length);
}

// Writes control messages into the application's buffer the way put_cmsg() and
// scm_detach_fds() do: what does not fit is cut (MSG_CTRUNC), descriptors that do not fit
// are closed with the message.
class ControlWriter {
public:
    ControlWriter(uintptr_t control, uint64_t length)
        : m_control(control)
        , m_length(control ? length : 0)
    {
    }

    ErrorOr<void> put(int type, void const* data, size_t length)
    {
        size_t full = control_length(length);
        if (m_length - m_used < sizeof(LinuxControlHeader)) {
            m_flags |= msg_ctrunc;
            return {};
        }
        size_t room = m_length - m_used;
        if (room < full) {
            m_flags |= msg_ctrunc;
            full = room;
        }
        LinuxControlHeader header { full, sol_socket, type };
        TRY(copy_to_user(m_control + m_used, &header, sizeof(header)));
        TRY(copy_to_user(m_control + m_used + sizeof(header), data, full - sizeof(header)));
        m_used += std::min<uint64_t>(control_align(full), room);
        return {};
    }

    // scm_detach_fds(): as many descriptors as fit are installed; the rest are dropped.
    ErrorOr<void> put_descriptors(Vector<RefPtr<fs::OpenFileDescription>>& descriptors, bool close_on_exec)
    {
        size_t room = m_length - m_used;
        if (room < control_length(sizeof(int))) {
            m_flags |= msg_ctrunc;
            return {};
        }
        size_t fit = std::min((room - sizeof(LinuxControlHeader)) / sizeof(int), descriptors.size());
        if (fit < descriptors.size())
            m_flags |= msg_ctrunc;
        auto& table = fs::current_fd_table();
        size_t installed = 0;
        for (; installed < fit; ++installed) {
            auto fd = table.allocate(descriptors[installed], close_on_exec);
            if (fd.is_error()) {
                m_flags |= msg_ctrunc;
                break;
            }
            auto stored = UserPtr<int>(m_control + m_used + sizeof(LinuxControlHeader)).offset(installed).write(fd.value());
            if (stored.is_error()) {
                (void)table.close(fd.value());
                return stored.release_error();
            }
        }
        if (!installed)
            return {};
        size_t length = control_length(installed * sizeof(int));
        LinuxControlHeader header { length, sol_socket, scm_rights };
        TRY(copy_to_user(m_control + m_used, &header, sizeof(header)));
        m_used += std::min<uint64_t>(control_space(installed * sizeof(int)), room);
        return {};
    }

    void mark_truncated() { m_flags |= msg_ctrunc; }
    uint64_t used() const { return m_used; }
    int flags() const { return m_flags; }

private:
    uintptr_t m_control;
    uint64_t m_length;
    uint64_t m_used { 0 };
    int m_flags { 0 };
};

// ___sys_recvmsg(): the sender's name, the time it was sent (SO_TIMESTAMP, SO_TIMESTAMPNS),
// credentials (SO_PASSCRED) then descriptors as control messages, and msg_namelen,
// msg_controllen and msg_flags written back.
static ErrorOr<long> receive_msg(SocketHandle& handle, uintptr_t header_address, int flags)
{
    auto header = TRY(UserPtr<LinuxMessageHeader>(header_address).read());
    auto data = TRY(import_vectors(header.io_vectors, header.io_vector_count));
    auto received = TRY(receive_message(handle, data, flags & ~msg_cmsg_cloexec));
    int result_flags = received.truncated ? msg_trunc : 0;
    uintptr_t name_length_address = header_address + offsetof(LinuxMessageHeader, name_length);
    if (header.name)
        TRY(copy_source_to_user(received, header.name, name_length_address));
    ControlWriter writer(header.control, header.control_length);
    if (received.timestamp_type) {
        // struct timeval or struct timespec: the same 16 bytes on x86_64.
        int64_t seconds = int64_t(received.timestamp / 1'000'000'000);
        int64_t fraction = int64_t(received.timestamp % 1'000'000'000);
        bool nanoseconds = received.timestamp_type == so_timestampns_old || received.timestamp_type == so_timestampns_new;
        LinuxTimespec time { seconds, nanoseconds ? fraction : fraction / 1000 };
        TRY(writer.put(received.timestamp_type, &time, sizeof(time)));
    }
    if (received.has_credentials)
        TRY(writer.put(scm_credentials, &received.credentials, sizeof(received.credentials)));
    if (!received.descriptors.is_empty()) {
        if (!header.control)
            writer.mark_truncated();
        else
            TRY(writer.put_descriptors(received.descriptors, flags & msg_cmsg_cloexec));
    }
    result_flags |= writer.flags();
    TRY(UserPtr<uint64_t>(header_address + offsetof(LinuxMessageHeader, control_length)).write(writer.used()));
    TRY(UserPtr<int32_t>(header_address + offsetof(LinuxMessageHeader, flags)).write(result_flags));
    return long(received.length);
}

static ErrorOr<long> send_msg_call(int fd, uintptr_t header_address, int flags)
{
    auto handle = TRY(socket_for(fd));
    return long(TRY(send_msg(handle, header_address, flags)).sent);
}

static ErrorOr<long> receive_msg_call(int fd, uintptr_t header_address, int flags)
{
    auto handle = TRY(socket_for(fd));
    return receive_msg(handle, header_address, flags);
}

// __sys_sendmmsg(): at most UIO_MAXIOV messages, each one sendmsg(2) with its length stored in
// msg_len; it stops at the first error or at a message not sent whole (a stream's short
// write). An error is returned only when no message went; otherwise the count.
static ErrorOr<long> send_mmsg(int fd, uintptr_t vector, unsigned count, int flags)
{
    count = std::min<unsigned>(count, max_io_vectors);
    auto handle = TRY(socket_for(fd));
    unsigned datagrams = 0;
    int error = 0;
    while (datagrams < count) {
        uintptr_t entry = vector + size_t(datagrams) * mmsghdr_size;
        auto sent = send_msg(handle, entry, flags);
        if (sent.is_error()) {
            error = sent.error().code();
            break;
        }
        if (auto stored = UserPtr<uint32_t>(entry + mmsghdr_length_offset).write(uint32_t(sent.value().sent)); stored.is_error()) {
            error = stored.error().code();
            break;
        }
        ++datagrams;
        if (sent.value().sent < sent.value().requested)
            break;
    }
    if (datagrams || !error)
        return long(datagrams);
    return Error(error);
}

// do_recvmmsg(): at most UIO_MAXIOV messages, each one recvmsg(2) with its length stored in
// msg_len. A pending socket error (SO_ERROR) fails the call first. MSG_WAITFORONE makes every
// receive after the first non-blocking. The timeout is only looked at after each message (so
// a receive still waits for its message, as Linux's does: recvmmsg(2), BUGS), and what is left
// of it is written back when messages came. An error after some messages returns the count
// and keeps the error for SO_ERROR (EAGAIN excepted). MSG_CMSG_COMPAT is EINVAL; an invalid
// timeout EINVAL.
static ErrorOr<long> receive_mmsg(int fd, uintptr_t vector, unsigned count, int flags, uintptr_t timeout_address)
{
    if (flags & msg_cmsg_compat)
        return Error(EINVAL);
    fs::PollDeadline deadline = fs::PollDeadline::never();
    LinuxTimespec left {};
    if (timeout_address) {
        left = TRY(UserPtr<LinuxTimespec>(timeout_address).read());
        if (left.seconds < 0 || left.nanoseconds < 0 || left.nanoseconds >= 1'000'000'000)
            return Error(EINVAL);
        if (uint64_t(left.seconds) < UINT64_MAX / 4 / 1'000'000'000)
            deadline = fs::PollDeadline::after(uint64_t(left.seconds) * 1'000'000'000 + uint64_t(left.nanoseconds));
        if (deadline.is_immediate())
            deadline = fs::PollDeadline::at(plat::monotonic_nanoseconds());
    }
    count = std::min<unsigned>(count, max_io_vectors);
    auto handle = TRY(socket_for(fd));
    if (int error = handle.socket->take_error())
        return Error(error);
    unsigned datagrams = 0;
    int error = 0;
    while (datagrams < count) {
        uintptr_t entry = vector + size_t(datagrams) * mmsghdr_size;
        auto received = receive_msg(handle, entry, flags & ~msg_waitforone);
        if (received.is_error()) {
            error = received.error().code();
            break;
        }
        if (auto stored = UserPtr<uint32_t>(entry + mmsghdr_length_offset).write(uint32_t(received.value())); stored.is_error()) {
            error = stored.error().code();
            break;
        }
        ++datagrams;
        if (flags & msg_waitforone)
            flags |= msg_dontwait;
        if (timeout_address && deadline.has_deadline) {
            uint64_t remaining = deadline.remaining();
            left = { int64_t(remaining / 1'000'000'000), int64_t(remaining % 1'000'000'000) };
            if (!remaining)
                break;
        }
    }
    if (!error || datagrams == 0) {
        if (error)
            return Error(error);
    } else if (error != EAGAIN) {
        handle.socket->set_error(error);
    }
    if (datagrams && timeout_address)
        TRY(UserPtr<LinuxTimespec>(timeout_address).write(left));
    return long(datagrams);
}

}

using namespace net::syscalls;

// sendto(2) (send(2) is sendto without an address in musl and glibc), recvfrom(2).
SYSCALL_HANDLER(sendto) { return send_to(args.as_int(0), args[1], args[2], args.as_int(3), args[4], uint32_t(args[5])); }
SYSCALL_HANDLER(recvfrom) { return receive_from(args.as_int(0), args[1], args[2], args.as_int(3), args[4], args[5]); }
SYSCALL_HANDLER(sendmsg) { return send_msg_call(args.as_int(0), args[1], args.as_int(2)); }
SYSCALL_HANDLER(recvmsg) { return receive_msg_call(args.as_int(0), args[1], args.as_int(2)); }
SYSCALL_HANDLER(sendmmsg) { return send_mmsg(args.as_int(0), args[1], unsigned(args[2]), args.as_int(3)); }
SYSCALL_HANDLER(recvmmsg) { return receive_mmsg(args.as_int(0), args[1], unsigned(args[2]), args.as_int(3), args[4]); }
