/* System V IPC: shared memory shared across fork and kept after IPC_RMID while attached,
 * shmctl(IPC_STAT) values, attach addresses and flags; semaphores as a mutex between
 * processes, blocking, IPC_NOWAIT, SEM_UNDO at exit, semtimedop timeouts, EINTR and EIDRM;
 * message queues with typed receives across processes, a full queue and Linux's error codes.
 * Natively this runs in the host's IPC namespace: every object is removed at the end, and on a
 * failed check too (atexit), and keys come from the process ID. */
#include "check.h"
#include "proc.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/* What this process created, removed at exit whatever happens. */
static pid_t creator;
static int shm_ids[8], sem_ids[8], msg_ids[8];
static int shm_count, sem_count, msg_count;

static void remove_everything(void)
{
    if (getpid() != creator)
        return;
    for (int i = 0; i < shm_count; ++i)
        shmctl(shm_ids[i], IPC_RMID, NULL);
    for (int i = 0; i < sem_count; ++i)
        semctl(sem_ids[i], 0, IPC_RMID);
    for (int i = 0; i < msg_count; ++i)
        msgctl(msg_ids[i], IPC_RMID, NULL);
}

static int new_shm(key_t key, size_t size, int flags)
{
    int id = shmget(key, size, flags);
    CHECK(id >= 0);
    shm_ids[shm_count++] = id;
    return id;
}

static int new_sem(int count)
{
    int id = semget(IPC_PRIVATE, count, IPC_CREAT | 0600);
    CHECK(id >= 0);
    sem_ids[sem_count++] = id;
    return id;
}

static int new_msg(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    CHECK(id >= 0);
    msg_ids[msg_count++] = id;
    return id;
}

static int sem_value(int id, int number) { return semctl(id, number, GETVAL); }

static int sem_change(int id, unsigned short number, short change, short flags)
{
    struct sembuf operation = { number, change, flags };
    return semop(id, &operation, 1);
}

/* Gives up root where the test has it (root passes every permission check); says whether. */
static int become_nobody(void)
{
    if (geteuid() != 0)
        return 0;
    CHECK_OK(setgid(65534));
    CHECK_OK(setuid(65534));
    return 1;
}

static void test_shm(void)
{
    key_t key = 0x5e000000 | (getpid() & 0xffffff);
    CHECK_ERRNO(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    CHECK_ERRNO(shmget(key, 100, 0600), ENOENT);
    time_t before = time(NULL);
    int id = new_shm(key, 10000, IPC_CREAT | IPC_EXCL | 0600);
    CHECK_ERRNO(shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    CHECK(shmget(key, 0, 0) == id);
    CHECK(shmget(key, 10000, IPC_CREAT | 0600) == id);
    CHECK_ERRNO(shmget(key, 10001, 0), EINVAL);

    struct shmid_ds status;
    CHECK_OK(shmctl(id, IPC_STAT, &status));
    CHECK(status.shm_segsz == 10000);
    CHECK(status.shm_nattch == 0);
    CHECK(status.shm_cpid == getpid());
    CHECK(status.shm_lpid == 0);
    CHECK(status.shm_atime == 0 && status.shm_dtime == 0);
    CHECK(status.shm_ctime >= before);
    CHECK(status.shm_perm.__ipc_perm_key == key);
    CHECK((status.shm_perm.mode & 0777) == 0600);
    CHECK(status.shm_perm.uid == geteuid() && status.shm_perm.cuid == geteuid());
    CHECK(status.shm_perm.gid == getegid() && status.shm_perm.cgid == getegid());

    char *memory = shmat(id, NULL, 0);
    CHECK(memory != (char *)-1);
    CHECK(((uintptr_t)memory & 4095) == 0);
    /* The segment is zeroed and reaches to the end of its last page. */
    CHECK(memory[0] == 0 && memory[12287] == 0);
    strcpy(memory, "from the parent");
    CHECK_OK(shmctl(id, IPC_STAT, &status));
    CHECK(status.shm_nattch == 1);
    CHECK(status.shm_lpid == getpid());
    CHECK(status.shm_atime >= before);

    /* /proc/PID/maps names the attachment after its key, as a deleted file. */
    char maps[16384];
    size_t length = read_file("/proc/self/maps", maps, sizeof maps - 1);
    maps[length] = 0;
    char name[64];
    snprintf(name, sizeof name, "/SYSV%08x (deleted)", (unsigned)key);
    CHECK(strstr(maps, name) != NULL);

    /* A child shares the pages (not copy-on-write) and counts as an attachment. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK(strcmp(memory, "from the parent") == 0);
        struct shmid_ds child_status;
        CHECK_OK(shmctl(id, IPC_STAT, &child_status));
        CHECK(child_status.shm_nattch == 2);
        strcpy(memory + 5000, "from the child");
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
    CHECK(strcmp(memory + 5000, "from the child") == 0);
    CHECK_OK(shmctl(id, IPC_STAT, &status));
    CHECK(status.shm_nattch == 1);

    /* A read-only attachment faults on writes. */
    char *read_only = shmat(id, NULL, SHM_RDONLY);
    CHECK(read_only != (char *)-1 && read_only != memory);
    CHECK(strcmp(read_only, "from the parent") == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        read_only[0] = 'x';
        _exit(0);
    }
    CHECK_SIGNALED(WAIT_FOR(child), SIGSEGV);
    CHECK_OK(shmdt(read_only));

    /* Addresses: SHM_RND rounds down, a misaligned one is EINVAL without it, SHM_REMAP needs
     * an address and may replace a mapping that is otherwise in the way. */
    char *area = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(area != MAP_FAILED);
    CHECK_ERRNO(shmat(id, area, 0), EINVAL);
    CHECK_ERRNO(shmat(id, area + 123, 0), EINVAL);
    CHECK_ERRNO(shmat(id, NULL, SHM_REMAP), EINVAL);
    char *remapped = shmat(id, area + 123, SHM_RND | SHM_REMAP);
    CHECK(remapped == area);
    CHECK(strcmp(remapped, "from the parent") == 0);
    CHECK_OK(shmctl(id, IPC_STAT, &status));
    CHECK(status.shm_nattch == 2);
    CHECK_ERRNO(shmdt(remapped + 4096), EINVAL);
    CHECK_ERRNO(shmdt(remapped + 1), EINVAL);
    CHECK_OK(shmdt(remapped));
    CHECK_ERRNO(shmdt(remapped), EINVAL);
    CHECK_OK(munmap(area + 3 * 4096, 4096));
    CHECK_OK(shmctl(id, IPC_STAT, &status));
    CHECK(status.shm_nattch == 1);
    CHECK(status.shm_dtime >= before);
    CHECK_ERRNO(shmat(-1, NULL, 0), EINVAL);
    CHECK_ERRNO(shmat(id + 1, NULL, 0), EINVAL);

    /* IPC_SET changes the mode; permission checks follow it. */
    status.shm_perm.mode = 0;
    CHECK_OK(shmctl(id, IPC_SET, &status));
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int dropped = become_nobody();
        CHECK_ERRNO(shmat(id, NULL, SHM_RDONLY), EACCES);
        CHECK_ERRNO(shmctl(id, IPC_STAT, &status), EACCES);
        CHECK_ERRNO(shmget(key, 0, 0400), EACCES);
        CHECK(shmget(key, 0, 0) == id); /* asks for no access */
        if (dropped)
            CHECK_ERRNO(shmctl(id, IPC_RMID, NULL), EPERM);
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
    status.shm_perm.mode = 0600;
    CHECK_OK(shmctl(id, IPC_SET, &status));

    /* IPC_RMID while attached: the key goes at once, the segment stays until the last detach. */
    CHECK_OK(shmctl(id, IPC_RMID, NULL));
    CHECK_ERRNO(shmget(key, 0, 0), ENOENT);
    CHECK_OK(shmctl(id, IPC_STAT, &status));
    CHECK(status.shm_perm.mode & 01000); /* SHM_DEST */
    CHECK(status.shm_perm.__ipc_perm_key == IPC_PRIVATE);
    CHECK(status.shm_nattch == 1);
    CHECK(strcmp(memory, "from the parent") == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        strcpy(memory, "after removal");
        CHECK_OK(shmdt(memory));
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
    CHECK(strcmp(memory, "after removal") == 0);
    CHECK_OK(shmdt(memory));
    CHECK_ERRNO(shmctl(id, IPC_STAT, &status), EINVAL);
    shm_count--;

    /* A private segment removed before anyone attached is gone at once. */
    int private_id = new_shm(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    CHECK_OK(shmctl(private_id, IPC_RMID, NULL));
    CHECK_ERRNO(shmctl(private_id, IPC_STAT, &status), EINVAL);
    CHECK_ERRNO(shmctl(private_id, 12345, &status), EINVAL);
    shm_count--;
}

static void on_signal(int signal) { (void)signal; }

/* A child blocked in semop on `id`, semaphore `number`, that expects `expected` errno. */
static pid_t blocked_child(int id, unsigned short number, short change, int expected)
{
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        struct sigaction action = { 0 };
        action.sa_handler = on_signal;
        action.sa_flags = SA_RESTART; /* semop is never restarted after a handler */
        CHECK_OK(sigaction(SIGUSR1, &action, NULL));
        if (expected)
            CHECK_ERRNO(sem_change(id, number, change, 0), expected);
        else
            CHECK_OK(sem_change(id, number, change, 0));
        _exit(0);
    }
    return child;
}

static void test_sem(void)
{
    CHECK_ERRNO(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    CHECK_ERRNO(semget(IPC_PRIVATE, 32001, IPC_CREAT | 0600), EINVAL);
    int id = new_sem(2);
    union semun argument;

    struct semid_ds status;
    argument.buf = &status;
    CHECK_OK(semctl(id, 0, IPC_STAT, argument));
    CHECK(status.sem_nsems == 2);
    CHECK(status.sem_otime == 0);
    CHECK((status.sem_perm.mode & 0777) == 0600);
    CHECK(status.sem_perm.cuid == geteuid());

    CHECK(sem_value(id, 0) == 0 && sem_value(id, 1) == 0);
    CHECK_ERRNO(semctl(id, 2, GETVAL), EINVAL);
    argument.val = -1;
    CHECK_ERRNO(semctl(id, 0, SETVAL, argument), ERANGE);
    argument.val = 32768;
    CHECK_ERRNO(semctl(id, 0, SETVAL, argument), ERANGE);
    argument.val = 32767;
    CHECK_OK(semctl(id, 0, SETVAL, argument));
    CHECK_ERRNO(sem_change(id, 0, 1, 0), ERANGE);
    CHECK(semctl(id, 0, GETPID) == getpid());

    unsigned short values[2] = { 3, 4 };
    argument.array = values;
    CHECK_OK(semctl(id, 0, SETALL, argument));
    values[0] = values[1] = 0;
    CHECK_OK(semctl(id, 0, GETALL, argument));
    CHECK(values[0] == 3 && values[1] == 4);

    /* Errors before any value is looked at. */
    struct sembuf operations[501];
    memset(operations, 0, sizeof operations);
    CHECK_ERRNO(semop(id, operations, 0), EINVAL);
    CHECK_ERRNO(semop(id, operations, 501), E2BIG);
    operations[0].sem_num = 2;
    CHECK_ERRNO(semop(id, operations, 1), EFBIG);
    CHECK_ERRNO(semop(-1, operations, 1), EINVAL);

    /* All or nothing: the second operation cannot go, so the first is not applied. */
    struct sembuf both[2] = { { 0, -1, IPC_NOWAIT }, { 1, -5, IPC_NOWAIT } };
    CHECK_ERRNO(semop(id, both, 2), EAGAIN);
    CHECK(sem_value(id, 0) == 3 && sem_value(id, 1) == 4);
    both[1].sem_op = -4;
    CHECK_OK(semop(id, both, 2));
    CHECK(sem_value(id, 0) == 2 && sem_value(id, 1) == 0);
    CHECK_OK(semctl(id, 0, IPC_STAT, (union semun){ .buf = &status }));
    CHECK(status.sem_otime > 0);
    CHECK_ERRNO(sem_change(id, 1, -1, IPC_NOWAIT), EAGAIN);
    CHECK_ERRNO(sem_change(id, 0, 0, IPC_NOWAIT), EAGAIN);

    /* semtimedop: a timeout that passes is EAGAIN; a bad one EINVAL. */
    struct sembuf take = { 1, -1, 0 };
    struct timespec timeout = { 0, 50 * 1000 * 1000 };
    long long start = monotonic_ns();
    CHECK_ERRNO(syscall(SYS_semtimedop, id, &take, 1, &timeout), EAGAIN);
    CHECK(monotonic_ns() - start >= 40 * 1000 * 1000LL);
    timeout.tv_nsec = 1000000000;
    CHECK_ERRNO(syscall(SYS_semtimedop, id, &take, 1, &timeout), EINVAL);

    /* Blocking: a child waits (GETNCNT counts it) until the parent adds. */
    pid_t child = blocked_child(id, 1, -1, 0);
    WAIT_UNTIL(semctl(id, 1, GETNCNT) == 1, 5000);
    CHECK(semctl(id, 1, GETZCNT) == 0);
    CHECK_OK(sem_change(id, 1, 1, 0));
    CHECK_CHILD_EXITS(child, 0);
    CHECK(sem_value(id, 1) == 0);
    CHECK(semctl(id, 1, GETPID) == child);

    /* Waiting for zero. */
    child = blocked_child(id, 0, 0, 0);
    WAIT_UNTIL(semctl(id, 0, GETZCNT) == 1, 5000);
    CHECK_OK(sem_change(id, 0, -2, 0));
    CHECK_CHILD_EXITS(child, 0);

    /* A signal ends the wait with EINTR, even with SA_RESTART. */
    child = blocked_child(id, 1, -1, EINTR);
    WAIT_UNTIL(semctl(id, 1, GETNCNT) == 1, 5000);
    CHECK_OK(kill(child, SIGUSR1));
    CHECK_CHILD_EXITS(child, 0);
    CHECK(semctl(id, 1, GETNCNT) == 0);

    /* SEM_UNDO: what an exiting process did is taken back. */
    argument.val = 3;
    CHECK_OK(semctl(id, 0, SETVAL, argument));
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK_OK(sem_change(id, 0, -2, SEM_UNDO));
        CHECK_OK(sem_change(id, 1, 5, SEM_UNDO));
        CHECK_OK(sem_change(id, 1, -1, 0));
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
    CHECK(sem_value(id, 0) == 3);
    CHECK(sem_value(id, 1) == 0); /* 4 less 5 is kept at 0 */

    /* A mutex between processes around a counter in shared memory. */
    volatile int *counter = shared_memory(sizeof(int));
    argument.val = 1;
    CHECK_OK(semctl(id, 0, SETVAL, argument));
    pid_t children[3];
    for (int i = 0; i < 3; ++i) {
        children[i] = fork();
        CHECK(children[i] >= 0);
        if (children[i] == 0) {
            for (int round = 0; round < 100; ++round) {
                CHECK_OK(sem_change(id, 0, -1, SEM_UNDO));
                int seen = *counter;
                if (round % 10 == 0)
                    sched_yield();
                *counter = seen + 1;
                CHECK_OK(sem_change(id, 0, 1, SEM_UNDO));
            }
            _exit(0);
        }
    }
    for (int i = 0; i < 3; ++i)
        CHECK_CHILD_EXITS(children[i], 0);
    CHECK(*counter == 300);
    CHECK(sem_value(id, 0) == 1);

    /* IPC_RMID wakes waiters with EIDRM. */
    child = blocked_child(id, 1, -1, EIDRM);
    WAIT_UNTIL(semctl(id, 1, GETNCNT) == 1, 5000);
    CHECK_OK(semctl(id, 0, IPC_RMID));
    sem_count--;
    CHECK_CHILD_EXITS(child, 0);
    CHECK_ERRNO(semctl(id, 0, GETVAL), EINVAL);
    CHECK_ERRNO(sem_change(id, 0, 1, 0), EINVAL);
}

struct message {
    long type;
    char text[64];
};

static int send_text(int id, long type, const char *text, int flags)
{
    struct message message = { type, { 0 } };
    strcpy(message.text, text);
    return msgsnd(id, &message, strlen(text) + 1, flags);
}

static void test_msg(void)
{
    int id = new_msg();
    struct message message;
    CHECK_ERRNO(send_text(id, 0, "no type", 0), EINVAL);
    CHECK_ERRNO(msgsnd(id, &message, 8193, 0), EINVAL);
    CHECK_ERRNO(msgrcv(id, &message, sizeof message.text, 0, IPC_NOWAIT), ENOMSG);

    CHECK_OK(send_text(id, 3, "three", 0));
    CHECK_OK(send_text(id, 1, "one", 0));
    CHECK_OK(send_text(id, 2, "two", 0));
    CHECK_OK(send_text(id, 1, "one again", 0));
    struct msqid_ds status;
    CHECK_OK(msgctl(id, IPC_STAT, &status));
    CHECK(status.msg_qnum == 4);
    CHECK(status.msg_cbytes == 6 + 4 + 4 + 10);
    CHECK(status.msg_lspid == getpid() && status.msg_lrpid == 0);
    CHECK(status.msg_qbytes > 0);

    CHECK(msgrcv(id, &message, sizeof message.text, 2, 0) == 4);
    CHECK(message.type == 2 && strcmp(message.text, "two") == 0);
    CHECK(msgrcv(id, &message, sizeof message.text, -3, 0) == 4);
    CHECK(message.type == 1 && strcmp(message.text, "one") == 0);
    CHECK(msgrcv(id, &message, sizeof message.text, 1, MSG_EXCEPT) == 6);
    CHECK(message.type == 3);
    /* Too small: E2BIG and the message stays; MSG_NOERROR cuts it. */
    CHECK_ERRNO(msgrcv(id, &message, 4, 0, 0), E2BIG);
    memset(message.text, 0, sizeof message.text);
    CHECK(msgrcv(id, &message, 4, 0, MSG_NOERROR) == 4);
    CHECK(message.type == 1 && memcmp(message.text, "one ", 4) == 0 && message.text[4] == 0);
    CHECK_ERRNO(msgrcv(id, &message, sizeof message.text, 0, IPC_NOWAIT), ENOMSG);
    CHECK_OK(msgctl(id, IPC_STAT, &status));
    CHECK(status.msg_qnum == 0 && status.msg_cbytes == 0);
    CHECK(status.msg_lrpid == getpid());

    /* Typed receive across processes: the child waits for type 7 and ignores type 5. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        struct message received;
        CHECK(msgrcv(id, &received, sizeof received.text, 7, 0) == 6);
        CHECK(strcmp(received.text, "seven") == 0);
        CHECK_OK(send_text(id, 8, "reply", 0));
        _exit(0);
    }
    sleep_ms(20);
    CHECK_OK(send_text(id, 5, "five", 0));
    CHECK_OK(send_text(id, 7, "seven", 0));
    CHECK(msgrcv(id, &message, sizeof message.text, 8, 0) == 6);
    CHECK(strcmp(message.text, "reply") == 0);
    CHECK_CHILD_EXITS(child, 0);
    CHECK(msgrcv(id, &message, sizeof message.text, 0, IPC_NOWAIT) == 5);
    CHECK(message.type == 5);

    /* A full queue: IPC_NOWAIT is EAGAIN, a blocking sender waits for a receive. */
    CHECK_OK(msgctl(id, IPC_STAT, &status));
    status.msg_qbytes = 100;
    CHECK_OK(msgctl(id, IPC_SET, &status));
    char text[61];
    memset(text, 'x', 60);
    text[60] = 0;
    CHECK_OK(send_text(id, 1, text, 0));
    CHECK_ERRNO(send_text(id, 1, text, IPC_NOWAIT), EAGAIN);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK_OK(send_text(id, 2, text, 0));
        _exit(0);
    }
    sleep_ms(50);
    CHECK_ERRNO(msgrcv(id, &message, sizeof message.text, 2, IPC_NOWAIT), ENOMSG);
    CHECK(msgrcv(id, &message, sizeof message.text, 1, 0) == 61);
    CHECK(msgrcv(id, &message, sizeof message.text, 2, 0) == 61);
    CHECK_CHILD_EXITS(child, 0);

    /* IPC_RMID wakes a waiting receiver with EIDRM. */
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK_ERRNO(msgrcv(id, &message, sizeof message.text, 0, 0), EIDRM);
        _exit(0);
    }
    sleep_ms(50);
    CHECK_OK(msgctl(id, IPC_RMID, NULL));
    msg_count--;
    CHECK_CHILD_EXITS(child, 0);
    CHECK_ERRNO(msgsnd(id, &message, 1, 0), EINVAL);
    CHECK_ERRNO(msgctl(id, IPC_STAT, &status), EINVAL);
}

int main(void)
{
    creator = getpid();
    atexit(remove_everything);
    test_shm();
    test_sem();
    test_msg();
    return check_passed("sysv_ipc");
}
