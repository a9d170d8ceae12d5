/* What init does when the application exits with processes left: they get SIGTERM, and the
 * ones that ignore it SIGKILL once the grace period is over; the VM then stops with the
 * application's own status. A unifork-only test: on Linux the children would simply outlive
 * their parent. */
#include "check.h"

#include <signal.h>
#include <unistd.h>

int main(void)
{
    pid_t stubborn = fork();
    CHECK(stubborn >= 0);
    if (stubborn == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    pid_t polite = fork();
    CHECK(polite >= 0);
    if (polite == 0) {
        for (;;)
            pause();
    }
    usleep(100000); /* both children are waiting by now */
    printf("application exits with 4\n");
    return 4;
}
