#pragma once

// The Linux x86_64 socket ABI that AF_UNIX sockets use: families, types, message flags, socket
// options and the structures applications exchange with the kernel. Our own names, so that
// host builds, which also see the C library's macros, never collide with them.

#include <cstddef>
#include <cstdint>

namespace net {

// Address families (socket(2)'s domain). NPROTO: families at or past it are EAFNOSUPPORT
// before anything else is looked at.
constexpr int af_unspec = 0;
constexpr int af_unix = 1;
constexpr int family_count = 46;

// Socket types, and the flags socket(2), socketpair(2) and accept4(2) take beside them
// (SOCK_NONBLOCK and SOCK_CLOEXEC are O_NONBLOCK and O_CLOEXEC).
constexpr int sock_stream = 1;
constexpr int sock_dgram = 2;
constexpr int sock_raw = 3;
constexpr int sock_seqpacket = 5;
constexpr int sock_type_count = 11; // SOCK_MAX
constexpr int sock_type_mask = 0xf;
constexpr int sock_nonblock = 04000;
constexpr int sock_cloexec = 02000000;

// send(2)/recv(2) flags.
constexpr int msg_oob = 0x1;
constexpr int msg_peek = 0x2;
constexpr int msg_ctrunc = 0x8;
constexpr int msg_trunc = 0x20;
constexpr int msg_dontwait = 0x40;
constexpr int msg_eor = 0x80;
constexpr int msg_waitall = 0x100;
constexpr int msg_nosignal = 0x4000;
constexpr int msg_waitforone = 0x10000;
constexpr int msg_cmsg_compat = int(0x80000000u);
constexpr int msg_cmsg_cloexec = 0x40000000;

// shutdown(2)'s how, and the sides it closes (Linux's RCV_SHUTDOWN and SEND_SHUTDOWN).
constexpr int shut_rd = 0, shut_wr = 1, shut_rdwr = 2;
constexpr unsigned receive_shutdown = 1;
constexpr unsigned send_shutdown = 2;
constexpr unsigned both_shutdown = 3;

// Socket options at SOL_SOCKET, and the control message types there. x86_64 has 64-bit time,
// so the _OLD and _NEW timeouts take the same struct timeval; C libraries name the _OLD numbers.
constexpr int sol_socket = 1;
constexpr int so_debug = 1;
constexpr int so_reuseaddr = 2;
constexpr int so_type = 3;
constexpr int so_error = 4;
constexpr int so_dontroute = 5;
constexpr int so_broadcast = 6;
constexpr int so_sndbuf = 7;
constexpr int so_rcvbuf = 8;
constexpr int so_keepalive = 9;
constexpr int so_oobinline = 10;
constexpr int so_no_check = 11;
constexpr int so_priority = 12;
constexpr int so_linger = 13;
constexpr int so_bsdcompat = 14;
constexpr int so_reuseport = 15;
constexpr int so_passcred = 16;
constexpr int so_peercred = 17;
constexpr int so_rcvlowat = 18;
constexpr int so_sndlowat = 19;
constexpr int so_rcvtimeo_old = 20;
constexpr int so_sndtimeo_old = 21;
constexpr int so_bindtodevice = 25;
constexpr int so_timestamp_old = 29;
constexpr int so_acceptconn = 30;
constexpr int so_sndbufforce = 32;
constexpr int so_rcvbufforce = 33;
constexpr int so_passsec = 34;
constexpr int so_timestampns_old = 35;
constexpr int so_mark = 36;
constexpr int so_protocol = 38;
constexpr int so_domain = 39;
constexpr int so_rxq_ovfl = 40;
constexpr int so_wifi_status = 41;
constexpr int so_nofcs = 43;
constexpr int so_select_err_queue = 45;
constexpr int so_busy_poll = 46;
constexpr int so_incoming_cpu = 49;
constexpr int so_cookie = 57;
constexpr int so_zerocopy = 60;
constexpr int so_bindtoifindex = 62;
constexpr int so_timestamp_new = 63;
constexpr int so_timestampns_new = 64;
constexpr int so_rcvtimeo_new = 66;
constexpr int so_sndtimeo_new = 67;
constexpr int so_prefer_busy_poll = 69;
constexpr int so_buf_lock = 72;
constexpr int so_rcvmark = 75;
constexpr int scm_rights = 1;
constexpr int scm_credentials = 2;

// struct linger (SO_LINGER), and struct timeval and struct timespec as x86_64 lays them out
// (SO_RCVTIMEO, SO_SNDTIMEO, SCM_TIMESTAMP, SCM_TIMESTAMPNS).
struct LinuxLinger {
    int32_t on;
    int32_t seconds;
};
struct LinuxTimeval {
    int64_t seconds;
    int64_t microseconds;
};
struct LinuxTimespec {
    int64_t seconds;
    int64_t nanoseconds;
};

// struct mmsghdr: a msghdr and the length sendmmsg(2) or recvmmsg(2) moved for it.
constexpr size_t mmsghdr_size = 64;
constexpr size_t mmsghdr_length_offset = 56;

// struct ucred: what SO_PEERCRED and SCM_CREDENTIALS carry.
struct SocketCredentials {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
};
static_assert(sizeof(SocketCredentials) == 12);

// struct msghdr, struct cmsghdr and struct iovec as x86_64 lays them out.
struct LinuxMessageHeader {
    uint64_t name;
    uint32_t name_length;
    uint32_t padding0;
    uint64_t io_vectors;
    uint64_t io_vector_count;
    uint64_t control;
    uint64_t control_length;
    int32_t flags;
    uint32_t padding1;
};
static_assert(sizeof(LinuxMessageHeader) == 56);

struct LinuxControlHeader {
    uint64_t length;
    int32_t level;
    int32_t type;
};
static_assert(sizeof(LinuxControlHeader) == 16);

// CMSG_ALIGN, CMSG_LEN and CMSG_SPACE.
constexpr size_t control_align(size_t length) { return (length + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1); }
constexpr size_t control_length(size_t data) { return sizeof(LinuxControlHeader) + data; }
constexpr size_t control_space(size_t data) { return sizeof(LinuxControlHeader) + control_align(data); }

// SCM_MAX_FD: descriptors one message may carry.
constexpr size_t max_descriptors_per_message = 253;
// UIO_MAXIOV.
constexpr size_t max_io_vectors = 1024;

// struct sockaddr_un: the family, then up to 108 bytes of path.
constexpr size_t unix_path_offset = 2;
constexpr size_t unix_path_capacity = 108;
constexpr size_t unix_address_size = unix_path_offset + unix_path_capacity;

}
