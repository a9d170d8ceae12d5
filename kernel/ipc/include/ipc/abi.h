#pragma once

#include <cstddef>
#include <cstdint>

// System V IPC as Linux x86_64 presents it: flags, commands, limits and the structures that
// shmctl(2), semctl(2) and msgctl(2) read and write (the 64-bit layouts, which x86_64 uses
// whatever IPC_64 says).
namespace ipc {

constexpr int32_t ipc_private = 0;

// Flags of the get calls and the operations.
constexpr int ipc_create = 01000;
constexpr int ipc_exclusive = 02000;
constexpr int ipc_nowait = 04000;

// Commands every kind takes.
constexpr int ipc_rmid = 0;
constexpr int ipc_set = 1;
constexpr int ipc_stat = 2;
constexpr int ipc_info = 3;

// Shared memory.
constexpr int shm_rdonly = 010000;
constexpr int shm_rnd = 020000;
constexpr int shm_remap = 040000;
constexpr int shm_exec = 0100000;
constexpr int shm_lock = 11;
constexpr int shm_unlock = 12;
constexpr int shm_stat = 13;
constexpr int shm_info = 14;
constexpr int shm_stat_any = 15;
// Mode bits Linux keeps beside the permissions of a segment.
constexpr uint32_t shm_dest_mode = 01000;
constexpr uint32_t shm_locked_mode = 02000;

// Semaphores.
constexpr int sem_undo = 0x1000;
constexpr int sem_getpid = 11;
constexpr int sem_getval = 12;
constexpr int sem_getall = 13;
constexpr int sem_getncnt = 14;
constexpr int sem_getzcnt = 15;
constexpr int sem_setval = 16;
constexpr int sem_setall = 17;
constexpr int sem_stat = 18;
constexpr int sem_info = 19;
constexpr int sem_stat_any = 20;

// Message queues.
constexpr int msg_noerror = 010000;
constexpr int msg_except = 020000;
constexpr int msg_copy = 040000;
constexpr int msg_stat = 11;
constexpr int msg_info = 12;
constexpr int msg_stat_any = 13;

// Limits, Linux's defaults (ipc/namespace.c, include/uapi/linux/{shm,sem,msg}.h).
constexpr uint64_t shm_min = 1;
constexpr uint64_t shm_max = ~uint64_t(0) - (1ull << 24);
constexpr uint64_t shm_all = ~uint64_t(0) - (1ull << 24);
constexpr size_t shm_mni = 4096;
constexpr int sem_msl = 32000;   // semaphores per set
constexpr size_t sem_mni = 32000; // sets
constexpr int sem_opm = 500;     // operations per semop
constexpr int sem_vmx = 32767;   // largest value
constexpr int sem_aem = sem_vmx; // largest undo adjustment
constexpr int64_t sem_mns = int64_t(sem_msl) * int64_t(sem_mni);
constexpr size_t msg_mni = 32000;
constexpr uint64_t msg_max = 8192;  // largest message
constexpr uint64_t msg_mnb = 16384; // default bytes per queue

// IPC ids: the slot index in the low 15 bits, the slot's sequence number above it.
constexpr int id_index_bits = 15;
constexpr int id_index_limit = 1 << id_index_bits;
constexpr int id_sequence_limit = 0x7fff'ffff >> id_index_bits;

struct LinuxIpcPerm {
    int32_t key;
    uint32_t uid;
    uint32_t gid;
    uint32_t cuid;
    uint32_t cgid;
    uint32_t mode;
    uint16_t sequence;
    uint16_t pad;
    uint64_t unused[2];
};
static_assert(sizeof(LinuxIpcPerm) == 48);

struct LinuxShmidDs {
    LinuxIpcPerm perm;
    uint64_t segment_size;
    int64_t attach_time;
    int64_t detach_time;
    int64_t change_time;
    int32_t creator_pid;
    int32_t last_pid;
    uint64_t attach_count;
    uint64_t unused[2];
};
static_assert(sizeof(LinuxShmidDs) == 112);

struct LinuxShmInfo64 { // IPC_INFO
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};

struct LinuxShmInfo { // SHM_INFO
    int32_t used_ids;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

struct LinuxSemidDs {
    LinuxIpcPerm perm;
    int64_t operation_time;
    uint64_t unused1;
    int64_t change_time;
    uint64_t unused2;
    uint64_t semaphore_count;
    uint64_t unused3;
    uint64_t unused4;
};
static_assert(sizeof(LinuxSemidDs) == 104);

struct LinuxSemInfo { // IPC_INFO and SEM_INFO
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

// struct sembuf
struct SemaphoreOperation {
    uint16_t number;
    int16_t operation;
    int16_t flags;
};
static_assert(sizeof(SemaphoreOperation) == 6);

struct LinuxMsqidDs {
    LinuxIpcPerm perm;
    int64_t send_time;
    int64_t receive_time;
    int64_t change_time;
    uint64_t bytes;
    uint64_t message_count;
    uint64_t byte_limit;
    int32_t last_sender_pid;
    int32_t last_receiver_pid;
    uint64_t unused[2];
};
static_assert(sizeof(LinuxMsqidDs) == 120);

struct LinuxMsgInfo { // IPC_INFO and MSG_INFO
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

}
