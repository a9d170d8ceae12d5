// The wait queue functions the file system calls, for host unit tests (see fake_sched.h).
#include "fake_sched.h"

namespace fake_sched {

std::function<sched::WakeReason(sched::WaitQueue&, uint64_t)> on_wait;
size_t wait_count;
size_t wake_count;

void reset()
{
    on_wait = nullptr;
    wait_count = 0;
    wake_count = 0;
}

}

namespace sched {

WaitQueue::~WaitQueue() = default;

WakeReason WaitQueue::wait(uint64_t deadline)
{
    ++fake_sched::wait_count;
    if (!fake_sched::on_wait)
        return WakeReason::Interrupted;
    return fake_sched::on_wait(*this, deadline);
}

size_t WaitQueue::wake(size_t)
{
    ++fake_sched::wake_count;
    return 0;
}

}
