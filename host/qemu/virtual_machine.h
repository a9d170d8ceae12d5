#pragma once

#include "qemu/control_record.h"
#include "qemu/qemu_command.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace unifork::qemu {

struct RunSettings {
    // Everything but the descriptors, which run_virtual_machine() creates.
    QemuConfiguration configuration;
    int output_sink { 1 }; // where COM1 goes, byte for byte
    int error_sink { 2 };  // where COM2 goes, byte for byte
    // Where the application's standard input comes from, read only when the guest asks for it
    // (`read N`: one read(2) of at most N bytes, written to COM1, then `input K` on COM3). It is
    // never made non-blocking, as it is usually shared with the shell. -1: none, every request
    // is answered `input 0`.
    int input_source { 0 };
    std::optional<std::chrono::milliseconds> timeout;
    // After the final record the kernel ends QEMU through isa-debug-exit at once; a VM that
    // lingers past this is stopped.
    std::chrono::milliseconds exit_grace { 2000 };
    // The first SIGINT, SIGTERM, SIGHUP or SIGQUIT the CLI receives is passed on to the guest's
    // application; if the application has not exited this long after, the VM is stopped. A
    // second one stops it at once.
    std::chrono::milliseconds stop_timeout { 10000 };
    // Further descriptors QEMU inherits, such as the initrd's when it is passed as /dev/fd/N.
    std::vector<int> inherited_descriptors;
    std::function<void(std::string const&)> warn;
};

struct RunOutcome {
    std::optional<ControlRecord> record; // the first final record, if one arrived
    bool timed_out { false };
    int interrupted_by { 0 };           // the first SIGINT, SIGTERM, SIGHUP or SIGQUIT the CLI received, else 0
    // The CLI stopped the VM before the application's exit was reported: a second signal
    // (forced_by) or the stop timeout running out (forced_by 0) after interrupted_by.
    bool forced_stop { false };
    int forced_by { 0 };
    bool output_closed { false };       // the reader of our stdout went away (EPIPE)
    int qemu_wait_status { 0 };         // as waitpid() reports it
    std::string qemu_diagnostics;       // what QEMU itself printed, first 64 KiB
};

// Starts QEMU, relays COM1 and COM2 to the sinks as the bytes arrive, parses COM3, and returns
// once QEMU has exited and every channel is drained. QEMU runs in its own process group, so a
// Ctrl-C at the terminal reaches only the CLI, and it dies with the CLI (PR_SET_PDEATHSIG).
// The CLI passes the first SIGINT, SIGTERM, SIGHUP or SIGQUIT it receives on to the guest as a
// `signal N` record on COM3 and stops the VM on a second one or after stop_timeout. It answers
// the guest's requests for standard input from input_source, without ever blocking the relay.
// Throws Failure (125) when QEMU cannot be started at all.
RunOutcome run_virtual_machine(RunSettings const& settings);

}
