#pragma once

#include <arch/register_frame.h>
#include <sched/thread.h>

namespace process {

// Before the thread returns to application code after an interrupt or with a signal to
// deliver: a restartable sequence it was inside restarts at its abort handler. False when the
// registration is unusable (the process then gets SIGSEGV, as on Linux).
bool fix_up_restartable_sequence(sched::Thread&, arch::RegisterFrame&);

}
