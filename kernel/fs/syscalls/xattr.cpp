// Extended attributes (xattr(7)): getxattr(2), listxattr(2), setxattr(2), removexattr(2) and
// their l- and f- forms. The file systems keep none: every file has an empty list, a name
// with a known namespace has no value (ENODATA), and nothing can be set or removed
// (EOPNOTSUPP, which the C library also calls ENOTSUP). The arguments are still checked in
// Linux's order, so that a bad name, pointer or path is reported as Linux reports it.
#include "support.h"

namespace {

// XATTR_NAME_MAX and XATTR_SIZE_MAX.
constexpr size_t xattr_name_max = 255;
constexpr size_t xattr_size_max = 65536;
constexpr int xattr_create = 1, xattr_replace = 2;

enum class Target {
    Path,           // follows a final symbolic link
    PathNoFollow,   // the l- form
    Descriptor,     // the f- form
};

// Linux's import_xattr_name(): EFAULT for a bad pointer, ERANGE for an empty name or one longer
// than XATTR_NAME_MAX.
ErrorOr<String> copy_name(uintptr_t address)
{
    auto name = TRY(copy_string_from_user(address, xattr_name_max, ERANGE));
    if (name.view().empty())
        return Error(ERANGE);
    return name;
}

// Names outside the namespaces Linux knows have no handler on any file system (EOPNOTSUPP).
bool has_known_namespace(std::string_view name)
{
    for (std::string_view prefix : { "user.", "trusted.", "security.", "system." })
        if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix)
            return true;
    return false;
}

ErrorOr<RefPtr<fs::Inode>> target_inode(Target target, uint64_t argument)
{
    if (target == Target::Descriptor)
        return TRY(fs::syscalls::usable_description_for(int(argument)))->inode_ref();
    return fs::syscalls::resolve_user_path(AT_FDCWD, argument, target == Target::PathNoFollow ? AT_SYMLINK_NOFOLLOW : 0);
}

// getxattr(2): "ENODATA The named attribute does not exist, or the process has no access to
// this attribute"; "ERANGE The size of the value buffer is too small" never arises.
ErrorOr<long> get_attribute(Target target, syscall::Arguments const& args)
{
    auto inode = TRY(target_inode(target, args[0]));
    auto name = TRY(copy_name(args[1]));
    if (!has_known_namespace(name.view()))
        return Error(EOPNOTSUPP);
    return Error(ENODATA);
}

// listxattr(2): the list of names is empty, so its length is 0 whatever the buffer.
ErrorOr<long> list_attributes(Target target, syscall::Arguments const& args)
{
    TRY(target_inode(target, args[0]));
    return 0;
}

// setxattr(2): the flags, the name and the value are checked before the file is looked up
// (Linux's setxattr_copy()): "EINVAL flags is invalid"; "ERANGE The size of name or value
// exceeds a filesystem-specific limit" (E2BIG for a value over XATTR_SIZE_MAX on Linux);
// then "ENOTSUP Extended attributes are not supported by the filesystem".
ErrorOr<long> set_attribute(Target target, syscall::Arguments const& args)
{
    int flags = args.as_int(4);
    if (flags & ~(xattr_create | xattr_replace))
        return Error(EINVAL);
    auto name = TRY(copy_name(args[1]));
    size_t size = args[3];
    if (size > xattr_size_max)
        return Error(E2BIG);
    if (size && !lib::is_user_range(args[2], size))
        return Error(EFAULT);
    TRY(target_inode(target, args[0]));
    return Error(EOPNOTSUPP);
}

// removexattr(2): no attribute can be there to remove, and the file system refuses the change
// before it would look (EOPNOTSUPP, as on a file system without xattr support).
ErrorOr<long> remove_attribute(Target target, syscall::Arguments const& args)
{
    TRY(copy_name(args[1]));
    TRY(target_inode(target, args[0]));
    return Error(EOPNOTSUPP);
}

}

SYSCALL_HANDLER(getxattr) { return get_attribute(Target::Path, args); }
SYSCALL_HANDLER(lgetxattr) { return get_attribute(Target::PathNoFollow, args); }
SYSCALL_HANDLER(fgetxattr) { return get_attribute(Target::Descriptor, args); }
SYSCALL_HANDLER(listxattr) { return list_attributes(Target::Path, args); }
SYSCALL_HANDLER(llistxattr) { return list_attributes(Target::PathNoFollow, args); }
SYSCALL_HANDLER(flistxattr) { return list_attributes(Target::Descriptor, args); }
SYSCALL_HANDLER(setxattr) { return set_attribute(Target::Path, args); }
SYSCALL_HANDLER(lsetxattr) { return set_attribute(Target::PathNoFollow, args); }
SYSCALL_HANDLER(fsetxattr) { return set_attribute(Target::Descriptor, args); }
SYSCALL_HANDLER(removexattr) { return remove_attribute(Target::Path, args); }
SYSCALL_HANDLER(lremovexattr) { return remove_attribute(Target::PathNoFollow, args); }
SYSCALL_HANDLER(fremovexattr) { return remove_attribute(Target::Descriptor, args); }
