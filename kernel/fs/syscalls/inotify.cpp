#include <fs/inotify.h>

#include "support.h"

namespace fs::syscalls {

// inotify_init1(2): "EINVAL An invalid value was specified in flags."
static ErrorOr<long> make_inotify(int flags)
{
    if (flags & ~(in_cloexec | in_nonblock))
        return Error(EINVAL);
    auto& table = current_fd_table();
    TRY(table.check_can_allocate());
    auto description = TRY(create_inotify(flags));
    return TRY(table.allocate(std::move(description), flags & in_cloexec));
}

static ErrorOr<InotifyInstance*> instance_for(int fd)
{
    auto description = TRY(usable_description_for(fd));
    // inotify_add_watch(2), inotify_rm_watch(2): "EINVAL ... fd is not an inotify file
    // descriptor." The instance lives on in the descriptor's description.
    auto* instance = InotifyInstance::from(description->inode());
    if (!instance)
        return Error(EINVAL);
    return instance;
}

// inotify_add_watch(2), in Linux's order: IN_MASK_ADD with IN_MASK_CREATE and a mask without a
// known bit are EINVAL, then the descriptor (EBADF, EINVAL), the path (IN_DONT_FOLLOW,
// IN_ONLYDIR: ENOTDIR) and read permission on the file (EACCES).
static ErrorOr<long> add_watch(int fd, uintptr_t path_address, uint32_t mask)
{
    constexpr uint32_t all_bits = in_all_events | in_unmount | in_q_overflow | in_ignored | in_onlydir | in_dont_follow
        | in_excl_unlink | in_mask_create | in_mask_add | in_isdir | in_oneshot;
    if ((mask & in_mask_add) && (mask & in_mask_create))
        return Error(EINVAL);
    if (!(mask & all_bits))
        return Error(EINVAL);
    auto* instance = TRY(instance_for(fd));
    auto path = TRY(copy_path(path_address));
    auto& context = current_fs_context();
    auto inode = TRY(resolve_path(context, context.cwd(), path.view(), (mask & in_dont_follow) ? Follow::No : Follow::Yes));
    if ((mask & in_onlydir) && !inode->is_directory())
        return Error(ENOTDIR);
    TRY(check_access(*inode, R_OK));
    return TRY(instance->add_watch(*inode, mask));
}

}

using namespace fs::syscalls;

SYSCALL_HANDLER(inotify_init) { return make_inotify(0); }
SYSCALL_HANDLER(inotify_init1) { return make_inotify(args.as_int(0)); }
SYSCALL_HANDLER(inotify_add_watch) { return add_watch(args.as_int(0), args[1], uint32_t(args[2])); }
SYSCALL_HANDLER(inotify_rm_watch)
{
    auto* instance = TRY(instance_for(args.as_int(0)));
    TRY(instance->remove_watch(args.as_int(1)));
    return 0;
}
