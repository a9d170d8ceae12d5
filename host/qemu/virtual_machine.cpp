#include "qemu/virtual_machine.h"

#include "common/failure.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <poll.h>
#include <span>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace unifork::qemu {

namespace {

constexpr std::size_t diagnostics_limit = 64 * 1024;
// A hostile or broken guest could send garbage on COM3 forever; after this many warnings the
// rest are counted but not shown.
constexpr int malformed_warning_limit = 20;

class Descriptor {
public:
    Descriptor() = default;
    explicit Descriptor(int descriptor)
        : m_descriptor(descriptor)
    {
    }
    Descriptor(Descriptor&& other) noexcept
        : m_descriptor(std::exchange(other.m_descriptor, -1))
    {
    }
    Descriptor& operator=(Descriptor&& other) noexcept
    {
        if (this != &other) {
            reset();
            m_descriptor = std::exchange(other.m_descriptor, -1);
        }
        return *this;
    }
    ~Descriptor() { reset(); }

    int get() const { return m_descriptor; }
    void reset()
    {
        if (m_descriptor >= 0)
            ::close(m_descriptor);
        m_descriptor = -1;
    }

private:
    int m_descriptor { -1 };
};

int g_signal_pipe = -1;

// The signals the CLI passes on to the guest; each one asks the application to stop.
constexpr std::array forwarded_signals { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void on_forwarded_signal(int signal)
{
    int saved_errno = errno;
    auto byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] auto ignored = ::write(g_signal_pipe, &byte, 1);
    errno = saved_errno;
}

// Turns the forwarded signals into bytes on a pipe the poll loop watches, and SIGPIPE into
// EPIPE, for the lifetime of one run.
class SignalWatch {
public:
    SignalWatch()
    {
        int descriptors[2];
        if (::pipe2(descriptors, O_CLOEXEC | O_NONBLOCK) != 0)
            throw Failure(exit_usage, std::string("pipe: ") + std::strerror(errno));
        m_read = Descriptor(descriptors[0]);
        m_write = Descriptor(descriptors[1]);
        g_signal_pipe = m_write.get();
        struct sigaction action {};
        action.sa_handler = on_forwarded_signal;
        sigemptyset(&action.sa_mask);
        // No SA_RESTART: a write blocked on a stalled terminal must return so we can stop.
        action.sa_flags = 0;
        // A signal the CLI was started with ignored (nohup, `&` in a script) stays ignored, as
        // the shell's conventions expect of every program.
        for (std::size_t index = 0; index < forwarded_signals.size(); ++index) {
            ::sigaction(forwarded_signals[index], nullptr, &m_previous[index]);
            if (m_previous[index].sa_handler != SIG_IGN)
                ::sigaction(forwarded_signals[index], &action, nullptr);
        }
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, &m_previous_pipe);
    }
    ~SignalWatch()
    {
        for (std::size_t index = 0; index < forwarded_signals.size(); ++index)
            ::sigaction(forwarded_signals[index], &m_previous[index], nullptr);
        ::sigaction(SIGPIPE, &m_previous_pipe, nullptr);
        g_signal_pipe = -1;
    }
    SignalWatch(SignalWatch const&) = delete;
    SignalWatch& operator=(SignalWatch const&) = delete;

    int read_descriptor() const { return m_read.get(); }

private:
    Descriptor m_read;
    Descriptor m_write;
    std::array<struct sigaction, forwarded_signals.size()> m_previous {};
    struct sigaction m_previous_pipe {};
};

enum class WriteResult { Done, Closed, Interrupted };

// Writes everything, waiting out a non-blocking sink, so no byte of the guest's output is lost.
// While it waits, `keep_going` handles the signals that arrive (and says whether to go on) and
// `wait_limit` bounds each wait in milliseconds (-1: none), so a stalled reader cannot keep the
// VM from being stopped.
WriteResult write_all(int descriptor, char const* data, std::size_t length, int signal_descriptor,
    std::function<bool()> const& keep_going, std::function<int()> const& wait_limit)
{
    while (length > 0) {
        auto written = ::write(descriptor, data, length);
        if (written > 0) {
            data += written;
            length -= static_cast<std::size_t>(written);
            continue;
        }
        if (written < 0 && errno == EINTR) {
            if (!keep_going())
                return WriteResult::Interrupted;
            continue;
        }
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            std::array<pollfd, 2> wait_for_room { { { descriptor, POLLOUT, 0 }, { signal_descriptor, POLLIN, 0 } } };
            ::poll(wait_for_room.data(), wait_for_room.size(), wait_limit());
            if (!keep_going())
                return WriteResult::Interrupted;
            continue;
        }
        return WriteResult::Closed;
    }
    return WriteResult::Done;
}

// Sends what the socket takes of `pending` now, without blocking, and removes it from there.
// Returns 0, or the error that ended the sending (EPIPE once the VM has gone away).
int send_pending(int descriptor, std::string& pending)
{
    std::size_t offset = 0;
    int error = 0;
    while (offset < pending.size()) {
        auto sent = ::send(descriptor, pending.data() + offset, pending.size() - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent > 0) {
            offset += static_cast<std::size_t>(sent);
            continue;
        }
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        error = sent < 0 ? errno : EPIPE;
        break;
    }
    pending.erase(0, offset);
    return error;
}

std::pair<Descriptor, Descriptor> make_socket_pair()
{
    int descriptors[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, descriptors) != 0)
        throw Failure(exit_usage, std::string("socketpair: ") + std::strerror(errno));
    // Our end never blocks the poll loop; QEMU's end stays blocking, as QEMU expects.
    ::fcntl(descriptors[0], F_SETFL, ::fcntl(descriptors[0], F_GETFL) | O_NONBLOCK);
    return { Descriptor(descriptors[0]), Descriptor(descriptors[1]) };
}

}

RunOutcome run_virtual_machine(RunSettings const& settings)
{
    auto warn = [&](std::string const& message) {
        if (settings.warn)
            settings.warn(message);
    };

    // Checked before any descriptor of ours is made, which could take a closed one's number.
    int input_source = settings.input_source;
    if (input_source >= 0 && ::fcntl(input_source, F_GETFD) < 0)
        input_source = -1;

    SignalWatch signals;
    auto [output_ours, output_theirs] = make_socket_pair();
    auto [error_ours, error_theirs] = make_socket_pair();
    auto [control_ours, control_theirs] = make_socket_pair();

    int diagnostics_descriptors[2];
    if (::pipe2(diagnostics_descriptors, O_CLOEXEC) != 0)
        throw Failure(exit_usage, std::string("pipe: ") + std::strerror(errno));
    Descriptor diagnostics_read(diagnostics_descriptors[0]);
    Descriptor diagnostics_write(diagnostics_descriptors[1]);
    ::fcntl(diagnostics_read.get(), F_SETFL, ::fcntl(diagnostics_read.get(), F_GETFL) | O_NONBLOCK);

    // The child reports a failed exec through this pipe; a successful exec closes it empty.
    int exec_error_descriptors[2];
    if (::pipe2(exec_error_descriptors, O_CLOEXEC) != 0)
        throw Failure(exit_usage, std::string("pipe: ") + std::strerror(errno));
    Descriptor exec_error_read(exec_error_descriptors[0]);
    Descriptor exec_error_write(exec_error_descriptors[1]);

    Descriptor null_device(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (null_device.get() < 0)
        throw Failure(exit_usage, std::string("/dev/null: ") + std::strerror(errno));

    auto configuration = settings.configuration;
    configuration.output_descriptor = output_theirs.get();
    configuration.error_descriptor = error_theirs.get();
    configuration.control_descriptor = control_theirs.get();
    auto arguments = build_qemu_arguments(configuration);
    std::vector<char*> argument_pointers;
    for (auto& argument : arguments)
        argument_pointers.push_back(argument.data());
    argument_pointers.push_back(nullptr);
    std::vector<int> inherited { output_theirs.get(), error_theirs.get(), control_theirs.get() };
    inherited.insert(inherited.end(), settings.inherited_descriptors.begin(), settings.inherited_descriptors.end());

    pid_t parent = ::getpid();
    pid_t child = ::fork();
    if (child < 0)
        throw Failure(exit_usage, std::string("fork: ") + std::strerror(errno));
    if (child == 0) {
        // Only async-signal-safe calls from here to exec.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        struct sigaction default_action {};
        default_action.sa_handler = SIG_DFL;
        sigemptyset(&default_action.sa_mask);
        for (int signal : forwarded_signals)
            ::sigaction(signal, &default_action, nullptr);
        ::sigaction(SIGPIPE, &default_action, nullptr);
        sigset_t nothing;
        sigemptyset(&nothing);
        ::sigprocmask(SIG_SETMASK, &nothing, nullptr);
        ::dup2(null_device.get(), 0);
        ::dup2(diagnostics_write.get(), 1);
        ::dup2(diagnostics_write.get(), 2);
        for (int descriptor : inherited)
            ::fcntl(descriptor, F_SETFD, 0);
        ::execv(argument_pointers[0], argument_pointers.data());
        int error = errno;
        [[maybe_unused]] auto ignored = ::write(exec_error_write.get(), &error, sizeof error);
        ::_exit(127);
    }

    output_theirs.reset();
    error_theirs.reset();
    control_theirs.reset();
    diagnostics_write.reset();
    exec_error_write.reset();
    null_device.reset();

    RunOutcome outcome;
    {
        int exec_error = 0;
        ssize_t got;
        do
            got = ::read(exec_error_read.get(), &exec_error, sizeof exec_error);
        while (got < 0 && errno == EINTR);
        if (got == sizeof exec_error) {
            int status;
            while (::waitpid(child, &status, 0) < 0 && errno == EINTR) { }
            throw Failure(exit_usage, "cannot run " + configuration.qemu_path + ": " + std::strerror(exec_error));
        }
    }

    // Input is polled only while the guest waits for standard input; it is not QEMU's, so it
    // does not keep the loop going.
    enum Channel { Output, Error, Control, Diagnostics, Signals, Input, ChannelCount };
    std::array<pollfd, ChannelCount> channels {};
    channels[Output] = { output_ours.get(), POLLIN, 0 };
    channels[Error] = { error_ours.get(), POLLIN, 0 };
    channels[Control] = { control_ours.get(), POLLIN, 0 };
    channels[Diagnostics] = { diagnostics_read.get(), POLLIN, 0 };
    channels[Signals] = { signals.read_descriptor(), POLLIN, 0 };
    channels[Input] = { -1, POLLIN, 0 };

    // Host -> guest traffic, sent as the sockets take it so that a guest slow to take its bytes
    // never blocks the relay. Records go out whole and in order through control_pending. The
    // answer to `read N` is its bytes on COM1 (input_pending) and then, only once every one of
    // them is in COM1's socket, its `input K` record (input_record).
    enum class InputState { Idle, Waiting, Answering };
    InputState input_state = InputState::Idle;
    std::size_t input_wanted = 0;
    std::string input_pending;
    std::string input_record;
    std::string control_pending;

    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> deadline;
    if (settings.timeout)
        deadline = Clock::now() + *settings.timeout;
    std::optional<Clock::time_point> grace_deadline;
    std::optional<Clock::time_point> stop_deadline;
    bool killed = false;
    auto stop_qemu = [&] {
        if (!killed)
            ::kill(child, SIGKILL);
        killed = true;
    };

    // Stopping on request: the first signal goes to the guest's application, which has
    // stop_timeout to exit; a second signal, or the time running out, stops the VM. Once the
    // application's exit has been reported, the VM is stopping anyway and its status stands.
    auto force_stop = [&](int signal) {
        if (killed)
            return;
        if (!outcome.record) {
            outcome.forced_stop = true;
            outcome.forced_by = signal;
        }
        stop_qemu();
    };
    // Sends what it can of the pending records; a VM that has gone away takes no more of them.
    auto flush_control = [&] {
        if (control_pending.empty())
            return;
        if (int error = send_pending(control_ours.get(), control_pending)) {
            // The stop timeout covers a lost signal; the VM is ending anyway on EPIPE.
            if (error != EPIPE && error != ECONNRESET)
                warn(std::string("could not send a control record to the guest: ") + std::strerror(error));
            control_pending.clear();
        }
    };
    auto drop_input = [&] {
        input_state = InputState::Idle;
        input_pending.clear();
        input_record.clear();
    };
    auto flush_input = [&] {
        if (input_state != InputState::Answering)
            return;
        if (int error = send_pending(output_ours.get(), input_pending)) {
            if (error != EPIPE && error != ECONNRESET)
                warn(std::string("could not pass standard input on to the guest: ") + std::strerror(error));
            drop_input();
            return;
        }
        if (!input_pending.empty())
            return;
        control_pending += input_record;
        input_record.clear();
        input_state = InputState::Idle;
        flush_control();
    };
    // The answer to the outstanding request: `bytes`, then `input K`.
    auto answer_input = [&](std::string_view bytes) {
        input_pending.assign(bytes);
        input_record = encode_input_record(bytes.size());
        input_state = InputState::Answering;
        flush_input();
    };

    auto on_signal = [&](int signal) {
        if (outcome.interrupted_by != 0) {
            force_stop(signal);
            return;
        }
        outcome.interrupted_by = signal;
        if (killed || outcome.record)
            return;
        control_pending += encode_signal_record(signal);
        flush_control();
        stop_deadline = Clock::now() + settings.stop_timeout;
    };
    // Handles the signals that have arrived and the stop timeout; false once the VM is stopped.
    auto handle_signals = [&] {
        unsigned char numbers[16];
        ssize_t got;
        while ((got = ::read(signals.read_descriptor(), numbers, sizeof numbers)) > 0) {
            for (ssize_t index = 0; index < got; ++index)
                on_signal(numbers[index]);
        }
        if (!killed && stop_deadline && Clock::now() >= *stop_deadline)
            force_stop(0);
        return !killed;
    };
    // Milliseconds until the nearest deadline, for poll(); -1 when there is none.
    auto milliseconds_to_deadline = [&] {
        int wait_milliseconds = -1;
        auto now = Clock::now();
        for (auto const& limit : { deadline, grace_deadline, stop_deadline }) {
            if (!limit || killed)
                continue;
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*limit - now).count();
            left = left < 0 ? 0 : left;
            if (wait_milliseconds < 0 || left < wait_milliseconds)
                wait_milliseconds = static_cast<int>(left);
        }
        return wait_milliseconds;
    };

    ControlRecordParser parser;
    int ignored_count = 0;
    auto report_ignored = [&](std::string const& message) {
        if (++ignored_count <= malformed_warning_limit)
            warn(message);
        else if (ignored_count == malformed_warning_limit + 1)
            warn("ignoring further bad control records without saying so");
    };
    auto report_malformed = [&](MalformedRecord const& record) {
        report_ignored("ignoring a malformed control record (" + record.reason + "): \"" + record.text + "\"");
    };
    auto on_input_request = [&](InputRequest const& request) {
        if (killed)
            return;
        if (outcome.record) {
            report_ignored("ignoring a request for input after the final record");
            return;
        }
        if (input_state != InputState::Idle) {
            report_ignored("ignoring a request for input while one is outstanding");
            return;
        }
        input_wanted = request.most;
        if (input_source < 0)
            answer_input({});
        else
            input_state = InputState::Waiting;
    };
    // One read(2), as the protocol asks: it takes no more of our standard input than the
    // application asked for, and a terminal gives one line.
    auto read_input = [&](std::span<char> buffer) {
        auto got = ::read(input_source, buffer.data(), std::min(input_wanted, buffer.size()));
        if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        // End of input, or an error (EIO, EBADF, ...): both are `input 0`.
        answer_input(std::string_view(buffer.data(), got > 0 ? static_cast<std::size_t>(got) : 0));
    };

    auto any_open = [&] {
        for (int channel : { Output, Error, Control, Diagnostics })
            if (channels[channel].fd >= 0)
                return true;
        return false;
    };

    std::array<char, 64 * 1024> buffer;
    while (any_open()) {
        // Nothing goes to a VM that is being stopped, has reported its end, or has closed the
        // ports the answer travels on.
        if (killed || outcome.record || channels[Output].fd < 0 || channels[Control].fd < 0)
            drop_input();
        if (killed || channels[Control].fd < 0)
            control_pending.clear();
        flush_input();
        flush_control();
        channels[Output].events = static_cast<short>(POLLIN | (input_pending.empty() ? 0 : POLLOUT));
        channels[Control].events = static_cast<short>(POLLIN | (control_pending.empty() ? 0 : POLLOUT));
        channels[Input].fd = input_state == InputState::Waiting ? input_source : -1;

        int ready = ::poll(channels.data(), channels.size(), milliseconds_to_deadline());
        if (ready < 0 && errno != EINTR)
            throw Failure(exit_usage, std::string("poll: ") + std::strerror(errno));

        handle_signals();
        auto now = Clock::now();
        if (!killed && deadline && now >= *deadline && !outcome.record) {
            outcome.timed_out = true;
            stop_qemu();
        }
        if (!killed && grace_deadline && now >= *grace_deadline) {
            warn("the VM did not stop after reporting its exit status; stopping it");
            stop_qemu();
        }
        if (ready <= 0)
            continue;

        for (int channel : { Output, Error, Control, Diagnostics }) {
            auto& entry = channels[channel];
            if (entry.fd < 0 || !(entry.revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            auto got = ::read(entry.fd, buffer.data(), buffer.size());
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                continue;
            if (got <= 0) {
                entry.fd = -1;
                continue;
            }
            auto length = static_cast<std::size_t>(got);
            switch (channel) {
            case Output:
                if (!outcome.output_closed && write_all(settings.output_sink, buffer.data(), length, signals.read_descriptor(), handle_signals, milliseconds_to_deadline) == WriteResult::Closed) {
                    // Like a native program writing into a closed pipe, the run ends; SIGPIPE
                    // inside the guest comes with signal delivery.
                    outcome.output_closed = true;
                    stop_qemu();
                }
                break;
            case Error:
                write_all(settings.error_sink, buffer.data(), length, signals.read_descriptor(), handle_signals, milliseconds_to_deadline);
                break;
            case Control:
                for (auto const& event : parser.feed(std::string_view(buffer.data(), length))) {
                    if (auto const* record = std::get_if<ControlRecord>(&event)) {
                        if (outcome.record) {
                            warn("ignoring a control record after the final one");
                            continue;
                        }
                        outcome.record = *record;
                        grace_deadline = Clock::now() + settings.exit_grace;
                        drop_input();
                    } else if (auto const* request = std::get_if<InputRequest>(&event)) {
                        on_input_request(*request);
                    } else {
                        report_malformed(std::get<MalformedRecord>(event));
                    }
                }
                break;
            case Diagnostics:
                if (outcome.qemu_diagnostics.size() < diagnostics_limit)
                    outcome.qemu_diagnostics.append(buffer.data(), std::min(length, diagnostics_limit - outcome.qemu_diagnostics.size()));
                break;
            }
        }
        if (!killed && input_state == InputState::Waiting && (channels[Input].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
            read_input(buffer);
    }
    if (auto leftover = parser.finish())
        report_malformed(*leftover);

    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) { }
    outcome.qemu_wait_status = status;
    return outcome;
}

}
