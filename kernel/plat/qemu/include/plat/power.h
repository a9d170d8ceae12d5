#pragma once

namespace plat {

// Reports how the application ended on the control channel (docs/protocol.md) and stops the VM.
[[noreturn]] void exit_vm_exited(int status);
[[noreturn]] void exit_vm_signaled(int signal);
[[noreturn]] void exit_vm_panic();

}
