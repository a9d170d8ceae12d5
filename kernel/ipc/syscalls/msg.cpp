// System V message queues (msgget(2), msgsnd(2), msgrcv(2), msgctl(2)). Which message a
// receive takes is ipc::MessageList; here are the queues and the waiting.
#include <ipc/message_list.h>
#include <sched/wait_queue.h>

#include "support.h"

namespace ipc {

namespace {

IpcTable s_queues { msg_mni };
uint64_t s_message_count { 0 };
uint64_t s_message_bytes { 0 };

class MessageQueue final : public IpcObject {
public:
    ~MessageQueue() override
    {
        s_message_count -= messages.count();
        s_message_bytes -= messages.bytes();
    }

    MessageList messages;
    int64_t send_time { 0 }, receive_time { 0 }, change_time { 0 };
    int last_sender { 0 }, last_receiver { 0 };
    sched::WaitQueue senders;
    sched::WaitQueue receivers;
};

ErrorOr<RefPtr<IpcObject>> create_queue()
{
    auto queue = TRY(try_make_ref_counted<MessageQueue>());
    queue->change_time = now_seconds();
    return RefPtr<IpcObject>(std::move(queue));
}

LinuxMsqidDs status_of(MessageQueue const& queue)
{
    return {
        .perm = queue.linux_perm(),
        .send_time = queue.send_time,
        .receive_time = queue.receive_time,
        .change_time = queue.change_time,
        .bytes = queue.messages.bytes(),
        .message_count = queue.messages.count(),
        .byte_limit = queue.messages.byte_limit(),
        .last_sender_pid = queue.last_sender,
        .last_receiver_pid = queue.last_receiver,
        .unused = {},
    };
}

// Waits on `queue` for the queue to change; EIDRM once it is removed, EINTR for a signal
// (Linux restarts neither msgsnd(2) nor msgrcv(2) after a handler).
ErrorOr<void> wait_on(MessageQueue& queue, sched::WaitQueue& waiters)
{
    auto reason = waiters.wait();
    if (queue.is_removed)
        return Error(EIDRM);
    if (reason == sched::WakeReason::Interrupted)
        return Error(EINTR);
    return {};
}

// msgsnd(2): a long type (at least 1) and `length` bytes of text; waits while the queue holds
// too much (EAGAIN with IPC_NOWAIT).
ErrorOr<long> send(int id, uint64_t address, uint64_t length, int flags)
{
    if (length > msg_max || id < 0)
        return Error(EINVAL);
    auto type = TRY(UserPtr<int64_t>(address).read());
    if (type < 1)
        return Error(EINVAL);
    Message message { type, {} };
    TRY(message.text.try_resize(size_t(length)));
    TRY(copy_from_user(message.text.data(), address + sizeof(int64_t), size_t(length)));

    auto caller = current_caller();
    auto* found = TRY(object_with_id<MessageQueue>(s_queues, id));
    RefPtr<IpcObject> kept(found);
    auto& queue = *found;
    for (;;) {
        TRY(queue.check_access(caller, 0222));
        if (queue.is_removed)
            return Error(EIDRM);
        if (queue.messages.fits(size_t(length)))
            break;
        if (flags & ipc_nowait)
            return Error(EAGAIN);
        TRY(wait_on(queue, queue.senders));
    }
    TRY(queue.messages.append(std::move(message)));
    ++s_message_count;
    s_message_bytes += length;
    queue.last_sender = caller.pid;
    queue.send_time = now_seconds();
    queue.receivers.wake_all();
    return 0;
}

// msgrcv(2): the message `type` selects (ipc::MessageList::find), its text cut to `length`
// with MSG_NOERROR and E2BIG without (the message stays); ENOMSG with IPC_NOWAIT when none.
ErrorOr<long> receive(int id, uint64_t address, int64_t length, int64_t type, int flags)
{
    if (id < 0 || length < 0)
        return Error(EINVAL);
    // MSG_COPY needs checkpoint/restore support, which Linux builds without by default.
    if (flags & msg_copy) {
        if ((flags & msg_except) || !(flags & ipc_nowait))
            return Error(EINVAL);
        return Error(ENOSYS);
    }
    auto caller = current_caller();
    auto* found = TRY(object_with_id<MessageQueue>(s_queues, id));
    RefPtr<IpcObject> kept(found);
    auto& queue = *found;
    Message message;
    for (;;) {
        TRY(queue.check_access(caller, 0444));
        if (queue.is_removed)
            return Error(EIDRM);
        if (auto* candidate = queue.messages.find(type, flags)) {
            if (uint64_t(length) < candidate->text.size() && !(flags & msg_noerror))
                return Error(E2BIG);
            message = queue.messages.take(*candidate);
            break;
        }
        if (flags & ipc_nowait)
            return Error(ENOMSG);
        TRY(wait_on(queue, queue.receivers));
    }
    --s_message_count;
    s_message_bytes -= message.text.size();
    queue.receive_time = now_seconds();
    queue.last_receiver = caller.pid;
    queue.senders.wake_all();
    size_t copied = message.text.size() < uint64_t(length) ? message.text.size() : size_t(length);
    TRY(UserPtr<int64_t>(address).write(message.type));
    TRY(copy_to_user(address + sizeof(int64_t), message.text.data(), copied));
    return long(copied);
}

ErrorOr<long> information(int command, uint64_t buffer)
{
    LinuxMsgInfo info {
        .msgpool = int32_t(msg_mni * msg_mnb / 1024),
        .msgmap = int32_t(msg_mnb),
        .msgmax = int32_t(msg_max),
        .msgmnb = int32_t(msg_mnb),
        .msgmni = int32_t(msg_mni),
        .msgssz = 16,
        .msgtql = int32_t(msg_mnb),
        .msgseg = 0xffff,
    };
    if (command == msg_info) {
        info.msgpool = int32_t(s_queues.count());
        info.msgmap = int32_t(s_message_count);
        info.msgtql = int32_t(s_message_bytes);
    }
    TRY(UserPtr<LinuxMsgInfo>(buffer).write(info));
    return highest_index_result(s_queues);
}

ErrorOr<long> control(int id, int command, uint64_t buffer)
{
    if (id < 0 || command < 0)
        return Error(EINVAL);
    auto caller = current_caller();
    switch (command) {
    case ipc_info:
    case msg_info:
        return information(command, buffer);
    case msg_stat:
    case msg_stat_any: {
        auto* queue = TRY(object_at_index<MessageQueue>(s_queues, id));
        if (command == msg_stat)
            TRY(queue->check_access(caller, 0444));
        TRY(UserPtr<LinuxMsqidDs>(buffer).write(status_of(*queue)));
        return queue->id;
    }
    case ipc_stat: {
        auto* queue = TRY(object_with_id<MessageQueue>(s_queues, id));
        TRY(queue->check_access(caller, 0444));
        TRY(UserPtr<LinuxMsqidDs>(buffer).write(status_of(*queue)));
        return 0;
    }
    case ipc_set: {
        auto status = TRY(UserPtr<LinuxMsqidDs>(buffer).read());
        auto* queue = TRY(object_with_id<MessageQueue>(s_queues, id));
        TRY(queue->check_owner(caller));
        // Raising the limit past MSGMNB takes CAP_SYS_RESOURCE.
        if (status.byte_limit > msg_mnb && !caller.privileged)
            return Error(EPERM);
        queue->set_owner(status.perm.uid, status.perm.gid, status.perm.mode);
        queue->messages.set_byte_limit(status.byte_limit);
        queue->change_time = now_seconds();
        queue->senders.wake_all();
        return 0;
    }
    case ipc_rmid: {
        auto* queue = TRY(object_with_id<MessageQueue>(s_queues, id));
        TRY(queue->check_owner(caller));
        RefPtr<IpcObject> kept(queue);
        s_queues.remove(*queue);
        queue->senders.wake_all();
        queue->receivers.wake_all();
        return 0;
    }
    default:
        return Error(EINVAL);
    }
}

}

}

SYSCALL_HANDLER(msgget)
{
    using namespace ipc;
    auto caller = current_caller();
    return long(TRY(get_object(
        s_queues, caller, int32_t(args[0]), args.as_int(1), [](IpcObject&) -> ErrorOr<void> { return {}; },
        [] { return create_queue(); })));
}

SYSCALL_HANDLER(msgsnd) { return ipc::send(args.as_int(0), args[1], args[2], args.as_int(3)); }
SYSCALL_HANDLER(msgrcv) { return ipc::receive(args.as_int(0), args[1], int64_t(args[2]), int64_t(args[3]), args.as_int(4)); }
SYSCALL_HANDLER(msgctl) { return ipc::control(args.as_int(0), args.as_int(1), args[2]); }
