#include <cstring>

#include <arch/cpu.h>
#include <fs/fd_table.h>
#include <lib/user_memory.h>
#include <binfmt/registry.h>
#include <fs/fs_context.h>
#include <fs/open_file_description.h>
#include <fs/path_walk.h>
#include <fs/permissions.h>
#include <fs/vfs.h>
#include <mm/address_space.h>
#include <mm/mapped_files.h>
#include <mm/memory.h>
#include <plat/random.h>
#include <arch/context.h>
#include <config.h>
#include <lib/scope_guard.h>
#include <process/exec.h>
#include <process/futex.h>
#include <process/lifecycle.h>
#include <signal/signal_state.h>

namespace process {

namespace {

// The executable, read through an open file description.
class DescriptionReader final : public binfmt::FileReader {
public:
    explicit DescriptionReader(fs::OpenFileDescription& description)
        : m_description(description)
    {
    }
    uint64_t size() const override { return m_description.inode().size(); }
    ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override { return m_description.read_at(offset, buffer); }
    ErrorOr<uint64_t> shared_frame(uint64_t offset) override { return m_description.inode().shared_frame(offset); }

private:
    fs::OpenFileDescription& m_description;
};

// Builds the new image in a fresh address space, aside from the caller's.
class AddressSpaceTarget final : public binfmt::ExecTarget {
public:
    AddressSpaceTarget(mm::AddressSpace& space, binfmt::Diagnostic& diagnostic)
        : m_space(space)
        , m_diagnostic(diagnostic)
    {
    }

    ErrorOr<uint64_t> choose_load_base(binfmt::ImageSpan const& span) override
    {
        m_base_chosen = true;
#ifdef CONFIG_ADDRESS_SPACE_SHARED
        // Beside whatever else is loaded: every program shares these page tables.
        uint64_t shared_alignment = span.alignment < mm::page_size ? mm::page_size : span.alignment;
        uint64_t room = TRY(m_space.find_free_range(span.size() + shared_alignment + mm::shared_break_reservation));
        return (room + shared_alignment - 1) & ~(shared_alignment - 1);
#else
        // Linux's ELF_ET_DYN_BASE on x86_64: two thirds of the user address space.
        constexpr uint64_t dyn_base = 0x5555'5555'4000;
        uint64_t alignment = span.alignment < mm::page_size ? mm::page_size : span.alignment;
        uint64_t base = (dyn_base + alignment - 1) & ~(alignment - 1);
        if (!lib::is_user_range(base, span.size()))
            return Error(ENOMEM);
        return base;
#endif
    }

    // Segments are set up at exec rather than read on first touch, so the boundary pages two
    // segments share need no special case. A page wholly inside the segment's file bytes is the
    // file's own page where the file system can share it (ramfs), mapped copy-on-write: the
    // text of every process running a program is one copy, and a write to data copies the
    // page first. The other pages are copied from the file.
    ErrorOr<void> map_segment(binfmt::SegmentMapping const& segment, binfmt::FileReader& file) override
    {
#ifdef CONFIG_ADDRESS_SPACE_SHARED
        if (!m_base_chosen)
            return m_diagnostic.refuse(ENOEXEC, "only position-independent executables run in the shared address space (CONFIG_ADDRESS_SPACE_SHARED)");
#endif
        int prot = int(segment.protection);
        for (uint64_t page = segment.page_start(); page < segment.page_end(); page += mm::page_size) {
            if (auto* existing = m_space.find_region(page)) {
                if ((existing->prot | prot) != existing->prot)
                    TRY(m_space.protect(page, mm::page_size, existing->prot | prot));
                continue;
            }
            uint64_t run_end = page + mm::page_size;
            while (run_end < segment.page_end() && !m_space.find_region(run_end))
                run_end += mm::page_size;
            TRY(m_space.map_fixed(mm::Region { .start = page, .end = run_end, .prot = prot }));
            page = run_end - mm::page_size;
        }

        uint64_t file_bytes_end = segment.virtual_address + segment.file_size;
        uint64_t shared_start = mm::page_round_up(segment.virtual_address);
        uint64_t shared_end = shared_start;
        if (prot != 0) {
            for (uint64_t page = shared_start; page + mm::page_size <= file_bytes_end; page += mm::page_size) {
                auto frame = file.shared_frame(segment.file_offset + (page - segment.virtual_address));
                if (frame.is_error())
                    break;
                TRY(m_space.map_copy_on_write(page, frame.value()));
                shared_end = page + mm::page_size;
            }
        }

        // The rest straight from the file into the new pages: no bounce buffer.
        uint64_t copied = 0;
        while (copied < segment.file_size) {
            uint64_t address = segment.virtual_address + copied;
            if (address >= shared_start && address < shared_end) {
                copied = shared_end - segment.virtual_address;
                continue;
            }
            size_t room = size_t(mm::page_size - (address % mm::page_size));
            size_t chunk = segment.file_size - copied < room ? size_t(segment.file_size - copied) : room;
            uint8_t* target = TRY(m_space.writable_bytes(address));
            size_t read = TRY(file.read_at(segment.file_offset + copied, { target, chunk }));
            if (read != chunk)
                return Error(EIO);
            copied += chunk;
        }
        return {};
    }

    ErrorOr<void> set_program_break(uint64_t start) override
    {
#ifdef CONFIG_ADDRESS_SPACE_SHARED
        // An inaccessible reservation that brk opens up; nothing else gets mapped there.
        start = mm::page_round_up(start);
        TRY(m_space.map_fixed(mm::Region { .start = start, .end = start + mm::shared_break_reservation, .prot = 0 }));
        program_break = { start, start, start + mm::shared_break_reservation };
#else
        m_space.set_break_start(start);
#endif
        return {};
    }

    mm::ProgramBreak program_break;

    ErrorOr<binfmt::StackRegion> map_stack(bool executable) override
    {
        uint64_t top = mm::AddressSpace::default_stack_top;
        uint64_t size = mm::AddressSpace::default_stack_size;
        int prot = mm::prot_read | mm::prot_write | (executable ? mm::prot_exec : 0);
#ifdef CONFIG_ADDRESS_SPACE_SHARED
        // A stack of its own for each program, with an unmapped guard gap below it.
        constexpr uint64_t guard = 64 * 1024;
        top = TRY(m_space.find_free_range(size + guard)) + guard + size;
#endif
        TRY(m_space.map_fixed(mm::Region { .start = top - size, .end = top, .prot = prot }));
        return binfmt::StackRegion { top, size };
    }

    ErrorOr<void> write_memory(uint64_t address, std::span<uint8_t const> bytes) override
    {
        return m_space.write_bytes(address, bytes.data(), bytes.size());
    }

private:
    mm::AddressSpace& m_space;
    binfmt::Diagnostic& m_diagnostic;
    bool m_base_chosen { false };
};

}

// Where argv's and envp's strings lie in the new image, for /proc/PID/cmdline and environ:
// the initial stack holds argc, then the argv and envp pointers.
void record_argument_area(Process& process, uint64_t stack_pointer, std::span<std::string_view const> arguments,
    std::span<std::string_view const> environment)
{
    auto read_pointer = [&](size_t index) -> uint64_t {
        uint64_t value = 0;
        (void)process.address_space().read_bytes(stack_pointer + 8 * index, &value, sizeof(value));
        return value;
    };
    size_t argc = arguments.size();
    process.arguments_start = argc ? read_pointer(1) : 0;
    process.arguments_end = argc ? read_pointer(argc) + arguments[argc - 1].size() + 1 : 0;
    size_t envc = environment.size();
    process.environment_start = envc ? read_pointer(argc + 2) : 0;
    process.environment_end = envc ? read_pointer(argc + 1 + envc) + environment[envc - 1].size() + 1 : 0;
    if (!argc)
        process.arguments_start = process.arguments_end = process.environment_start;
}

// execve(2) from one thread of several: the others leave before the new image is installed,
// and the caller takes the process's ID as its thread ID, as Linux's de_thread does.
void end_other_threads(Process& process, sched::Thread& survivor)
{
    for (auto& thread : process.threads()) {
        if (&thread == &survivor)
            continue;
        thread.exit_requested = true;
        sched::interrupt(thread);
    }
    while (process.thread_count() > 1)
        process.thread_exit_queue.wait_uninterruptible();
    survivor.set_tid(process.pid());
}

// The refusals execve(2) makes of the file itself: EACCES for anything but a regular file,
// and for a file the caller may not execute (root needs one execute bit).
ErrorOr<void> check_executable_file(fs::Inode const& inode, binfmt::Diagnostic& diagnostic)
{
    if (inode.is_directory())
        return diagnostic.refuse(EACCES, "is a directory");
    if (!inode.is_regular_file())
        return diagnostic.refuse(EACCES, "not a regular file");
    if (!(inode.permissions() & 0111))
        return diagnostic.refuse(EACCES, "permission denied (no execute permission)");
    if (fs::check_permission(inode, X_OK, fs::caller_identity()).is_error())
        return diagnostic.refuse(EACCES, "permission denied (no execute permission for this user)");
    return {};
}

// The IDs a program runs with (Linux's bprm_fill_uid() and cap_bprm_creds_from_file()): a
// set-user-ID file makes its owner the effective user, a set-group-ID file with group execute
// its group the effective group, unless no_new_privs is set; the saved and file system IDs
// follow the effective ones.
void ids_after_exec(Process const& process, fs::Inode const& file, lib::IdSet& user, lib::IdSet& group)
{
    user = process.credentials.user;
    group = process.credentials.group;
    bool set_user_id = !process.no_new_privileges && (file.mode() & S_ISUID);
    bool set_group_id = !process.no_new_privileges && (file.mode() & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
    lib::apply_exec(user, group, set_user_id, file.uid(), set_group_id, file.gid());
}

// A file a format handler asks for (a #! interpreter), read through its own description.
class OwningDescriptionReader final : public binfmt::FileReader {
public:
    explicit OwningDescriptionReader(RefPtr<fs::OpenFileDescription> description)
        : m_description(std::move(description))
    {
    }
    uint64_t size() const override { return m_description->inode().size(); }
    ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override { return m_description->read_at(offset, buffer); }
    ErrorOr<uint64_t> shared_frame(uint64_t offset) override { return m_description->inode().shared_frame(offset); }

private:
    RefPtr<fs::OpenFileDescription> m_description;
};

// Interpreters are looked up like the program: from the working directory, following links.
class InterpreterOpener final : public binfmt::FileOpener {
public:
    InterpreterOpener(fs::FsContext& context, binfmt::Diagnostic& diagnostic)
        : m_context(context)
        , m_diagnostic(diagnostic)
    {
    }
    ErrorOr<OwnPtr<binfmt::FileReader>> open(std::string_view path) override
    {
        fs::PathWalker walker(m_context);
        auto inode = TRY(walker.resolve(m_context.cwd(), path, fs::Follow::Yes));
        TRY(check_executable_file(*inode, m_diagnostic));
        auto description = TRY(fs::OpenFileDescription::create(inode, O_RDONLY));
        auto* reader = new (std::nothrow) OwningDescriptionReader(std::move(description));
        if (!reader)
            return Error(ENOMEM);
        return OwnPtr<binfmt::FileReader>(reader);
    }

private:
    fs::FsContext& m_context;
    binfmt::Diagnostic& m_diagnostic;
};

ErrorOr<void> execute(Process& process, sched::Thread* thread, std::string_view path, std::span<std::string_view const> arguments,
    std::span<std::string_view const> environment, arch::RegisterFrame& frame, binfmt::Diagnostic& diagnostic)
{
    auto& context = process.fs_context();
    fs::PathWalker walker(context);
    auto inode = TRY(walker.resolve(context.cwd(), path, fs::Follow::Yes));
    TRY(check_executable_file(*inode, diagnostic));
    auto description = TRY(fs::open(context, context.cwd(), path, O_RDONLY, 0));
    return execute_description(process, thread, std::move(description), path, arguments, environment, frame, diagnostic);
}

ErrorOr<void> execute_description(Process& process, sched::Thread* thread, RefPtr<fs::OpenFileDescription> description,
    std::string_view path, std::span<std::string_view const> arguments, std::span<std::string_view const> environment,
    arch::RegisterFrame& frame, binfmt::Diagnostic& diagnostic, bool path_inaccessible)
{
    TRY(check_executable_file(description->inode(), diagnostic));
    DescriptionReader reader(*description);
    InterpreterOpener opener(process.fs_context(), diagnostic);

#ifdef CONFIG_ADDRESS_SPACE_SHARED
    // The new image goes beside the old one in the one address space, under a new owner; a
    // failed load takes back what it mapped.
    RefPtr<mm::AddressSpace> space = process.address_space_ref();
    uint64_t old_image = process.image_id;
    uint64_t new_image = allocate_image_id();
    space->set_owner(new_image);
    ScopeGuard restore_owner([&] { space->set_owner(process.image_id); });
    ScopeGuard discard_new_image([&] { space->unmap_owned_by(new_image); });
#else
    auto space = TRY(mm::AddressSpace::create());
#endif
    AddressSpaceTarget target(*space, diagnostic);
    binfmt::ExecRequest request {
        .file = reader,
        .target = target,
        .diagnostic = diagnostic,
        .filename = path,
        .arguments = arguments,
        .environment = environment,
    };
    request.opener = &opener;
    request.path_inaccessible = path_inaccessible;
    plat::random_bytes(request.random_bytes.data(), request.random_bytes.size());
    request.hardware_capabilities = arch::cpu_features().hwcap;
    lib::IdSet new_user, new_group;
    ids_after_exec(process, description->inode(), new_user, new_group);
    // AT_SECURE: "the effective user or group ID differs from the real one" after the exec.
    bool secure = new_user.effective != new_user.real || new_group.effective != new_group.real;
    request.credentials = {
        .user_id = new_user.real,
        .effective_user_id = new_user.effective,
        .group_id = new_group.real,
        .effective_group_id = new_group.effective,
        .secure = secure,
    };
    auto result = TRY(binfmt::registry().execute(request));

    // Past the point of no return: the other threads and the old image go.
    if (thread) {
        end_other_threads(process, *thread);
        // The old image's robust mutexes die with it (Linux's exec_mm_release).
        release_robust_futexes(*thread);
    }
#ifdef CONFIG_ADDRESS_SPACE_SHARED
    discard_new_image.disarm();
    if (!process.borrows_image)
        space->unmap_owned_by(old_image);
    process.borrows_image = false;
    process.image_id = new_image;
    process.program_break = target.program_break;
#else
    process.set_address_space(std::move(space));
#endif
    process.set_executable_path(TRY(String::try_create(path)));
    process.executable = std::move(description);
    record_argument_area(process, result.stack_pointer, arguments, environment);
    process.set_name(path);
    process.set_has_executed();
    process.credentials.user = new_user;
    process.credentials.group = new_group;
    // A secure exec neither dumps core nor keeps its parent-death signal (Linux's
    // begin_new_exec()).
    if (secure) {
        process.dumpable = false;
        process.parent_death_signal = 0;
    }
    if (thread) {
        thread->set_fs_base(0);
        thread->set_gs_base(0);
        thread->clear_child_tid = 0;
        thread->robust_list_head = 0;
        thread->rseq_address = 0;
        thread->rseq_signature = 0;
        thread->alternate_stack = 0;
        thread->alternate_stack_size = 0;
        thread->alternate_stack_flags = 2; // SS_DISABLE
    }
    for (auto const& hooks : lifecycle_hooks())
        if (hooks.exec)
            hooks.exec(process);
    process.complete_vfork();

    memset(&frame, 0, sizeof(frame));
    frame.rip = result.entry;
    frame.rsp = result.stack_pointer;
    frame.cs = arch::kernel_code_selector;
    frame.ss = arch::kernel_data_selector;
    frame.rflags = 0x202; // interrupts on
    frame.vector = arch::syscall_vector;
    // A fresh program starts with clean x87, SSE and AVX state, as Linux gives it.
    if (thread)
        arch::reset_extended_state();
    return {};
}

}
