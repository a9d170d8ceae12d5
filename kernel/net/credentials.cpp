// The caller's identity as sockets record it, from the process library.
#include <net/unix_socket.h>
#include <process/process.h>
#include <sched/thread.h>

namespace net {

// SO_PEERCRED takes the effective IDs (Linux's init_peercred()), SCM_CREDENTIALS the real ones
// (scm_send()); both the process's (thread group's) id. The kernel's own threads are root.
SocketCredentials current_socket_credentials(bool effective)
{
    auto* process = sched::current_thread().process();
    if (!process)
        return { 0, 0, 0 };
    auto const& credentials = process->credentials;
    if (effective)
        return { process->pid(), credentials.user.effective, credentials.group.effective };
    return { process->pid(), credentials.user.real, credentials.group.real };
}

}
