#pragma once

#include <span>

#include <process/process.h>

namespace process {

// The registered PROCESS_LIFECYCLE_HOOKS, in link order.
std::span<LifecycleHooks const> lifecycle_hooks();

// Installs the scheduler hooks that switch address spaces and start new threads.
void initialize_scheduling();
// Run before every return to application code, from a syscall or an interrupt.
void prepare_return_to_user();

}
