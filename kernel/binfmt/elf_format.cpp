// The ELF handler: fs/binfmt_elf.c's load_elf_binary for static executables, written against
// ExecTarget so that the same code runs in the kernel and in host tests.
#include <cstring>

#include <binfmt/elf.h>
#include <binfmt/elf_format.h>

namespace binfmt {

namespace {

uint32_t protection_of(LoadSegment const& segment)
{
    uint32_t protection = ProtectionNone;
    if (segment.is_readable())
        protection |= ProtectionRead;
    if (segment.is_writable())
        protection |= ProtectionWrite;
    if (segment.is_executable())
        protection |= ProtectionExecute;
    return protection;
}

}

BinaryFormat const elf_format {
    .name = "elf",
    .probe = probe_elf,
    .load = load_elf,
};

bool probe_elf(std::span<uint8_t const> header)
{
    return header.size() >= sizeof(elf::magic) && memcmp(header.data(), elf::magic, sizeof(elf::magic)) == 0;
}

ErrorOr<ExecResult> load_elf(ExecRequest& request)
{
    auto& diagnostic = request.diagnostic;
    auto& target = request.target;
    auto image = TRY(ElfImage::parse(request.file, diagnostic));

    // Linux would look for the interpreter (usually /lib64/ld-linux-x86-64.so.2) and fail
    // with ENOENT when it is missing; we say plainly what is going on instead.
    if (image.has_interpreter())
        return diagnostic.refuse(ENOEXEC, "dynamic executables are not supported yet");

    if (image.is_position_independent()) {
        auto const span = image.span();
        uint64_t const base = TRY(target.choose_load_base(span));
        uint64_t bias;
        if (__builtin_sub_overflow(base, span.start, &bias))
            return diagnostic.refuse(ENOEXEC, "load base 0x%lx lies below the image's start 0x%lx", base, span.start);
        TRY(image.apply_bias(bias, diagnostic));
    }

    for (auto const& segment : image.segments()) {
        TRY(target.map_segment(SegmentMapping {
                                   .virtual_address = segment.virtual_address,
                                   .memory_size = segment.memory_size,
                                   .file_offset = segment.file_offset,
                                   .file_size = segment.file_size,
                                   .protection = protection_of(segment),
                               },
            request.file));
    }
    uint64_t const program_break = image.program_break_start();
    TRY(target.set_program_break(program_break));

    auto const stack = TRY(target.map_stack(image.wants_executable_stack()));
    InitialStackRequest stack_request {
        .stack_top = stack.top,
        .arguments = request.arguments,
        .environment = request.environment,
        .executable_filename = request.filename,
        .random_bytes = request.random_bytes,
        .auxiliary = {
            .program_headers = image.program_headers_address().value_or(0),
            .program_header_entry_size = image.program_header_entry_size(),
            .program_header_count = image.program_header_count(),
            .entry = image.entry(),
            .hardware_capabilities = request.hardware_capabilities,
            .credentials = request.credentials,
        },
        .argument_limit = request.argument_limit,
    };
    Vector<uint8_t> stack_image;
    auto layout = build_initial_stack(stack_request, stack_image);
    if (layout.is_error()) {
        if (layout.error().code() == E2BIG)
            return diagnostic.refuse(E2BIG, "argument list too long");
        return layout.release_error();
    }
    if (stack_image.size() > stack.size)
        return diagnostic.refuse(E2BIG, "arguments and environment (%zu bytes) do not fit in the %lu-byte stack", stack_image.size(), stack.size);
    uint64_t const stack_pointer = layout.value().stack_pointer;
    TRY(target.write_memory(stack_pointer, stack_image.span()));

    return ExecResult {
        .entry = image.entry(),
        .stack_pointer = stack_pointer,
        .program_break = program_break,
    };
}

}
