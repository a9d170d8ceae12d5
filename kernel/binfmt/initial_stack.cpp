// The layout is Linux's (fs/exec.c: copy_strings, bprm_stack_limits; fs/binfmt_elf.c:
// create_elf_tables) with address randomization off, so a program sees the same stack it would
// see natively under `setarch -R`.
#include <cstring>

#include <binfmt/elf.h>
#include <binfmt/initial_stack.h>

namespace binfmt {

namespace {

constexpr uint64_t clock_ticks_per_second = 100;

struct AuxiliaryEntry {
    uint64_t key;
    uint64_t value;
};

class ImageWriter {
public:
    ImageWriter(Vector<uint8_t>& image, uint64_t base)
        : m_image(image)
        , m_base(base)
    {
    }
    void write(uint64_t address, void const* bytes, size_t size)
    {
        VERIFY(address >= m_base && address - m_base <= m_image.size() && size <= m_image.size() - (address - m_base));
        if (size)
            memcpy(m_image.data() + (address - m_base), bytes, size);
    }
    void write_word(uint64_t address, uint64_t value) { write(address, &value, sizeof(value)); }
    // Strings go in with their NUL; the image starts zeroed, but writing it keeps each string
    // self-contained.
    void write_string(uint64_t address, std::string_view text)
    {
        write(address, text.data(), text.size());
        uint8_t nul = 0;
        write(address + text.size(), &nul, 1);
    }

private:
    Vector<uint8_t>& m_image;
    uint64_t m_base;
};

ErrorOr<size_t> strings_size(std::span<std::string_view const> strings, size_t total)
{
    for (auto const& string : strings) {
        if (string.size() >= max_argument_string_size)
            return Error(E2BIG);
        if (__builtin_add_overflow(total, string.size() + 1, &total))
            return Error(E2BIG);
    }
    return total;
}

}

ErrorOr<InitialStackLayout> build_initial_stack(InitialStackRequest const& request, Vector<uint8_t>& image)
{
    if (request.stack_top % 16 != 0)
        return Error(EINVAL);

    static constexpr std::string_view no_arguments[] = { "" };
    auto const arguments = request.arguments.empty() ? std::span<std::string_view const>(no_arguments) : request.arguments;
    auto const& environment = request.environment;

    // The E2BIG rule of bprm_stack_limits: strings and one pointer each must fit the limit.
    size_t const string_area = TRY(strings_size(environment, TRY(strings_size(arguments, 0))));
    size_t pointer_area;
    if (__builtin_add_overflow(arguments.size(), environment.size(), &pointer_area) || __builtin_mul_overflow(pointer_area, sizeof(uint64_t), &pointer_area))
        return Error(E2BIG);
    size_t accounted;
    if (__builtin_add_overflow(string_area, pointer_area, &accounted) || accounted > request.argument_limit)
        return Error(E2BIG);
    if (request.executable_filename.size() >= max_argument_string_size || request.platform.size() >= max_argument_string_size)
        return Error(E2BIG);

    // Addresses from the top down. The sizes are bounded by the checks above, yet the stack
    // top is the caller's, so every subtraction is still checked.
    uint64_t cursor = request.stack_top;
    auto allocate = [&cursor](uint64_t size) -> bool { return !__builtin_sub_overflow(cursor, size, &cursor); };

    if (!allocate(sizeof(uint64_t)))
        return Error(E2BIG);
    if (!allocate(request.executable_filename.size() + 1))
        return Error(E2BIG);
    uint64_t const executable_filename_address = cursor;
    if (!allocate(string_area))
        return Error(E2BIG);
    uint64_t const strings_start = cursor;

    cursor &= ~uint64_t(15);
    uint64_t platform_address = 0;
    if (!request.platform.empty()) {
        if (!allocate(request.platform.size() + 1))
            return Error(E2BIG);
        platform_address = cursor;
    }
    if (!allocate(request.random_bytes.size()))
        return Error(E2BIG);
    uint64_t const random_address = cursor;

    auto const& values = request.auxiliary;
    AuxiliaryEntry auxiliary[24];
    size_t auxiliary_count = 0;
    auto add = [&](uint64_t key, uint64_t value) {
        VERIFY(auxiliary_count < sizeof(auxiliary) / sizeof(auxiliary[0]));
        auxiliary[auxiliary_count++] = { key, value };
    };
    if (values.system_information_header)
        add(elf::AT_SYSINFO_EHDR, values.system_information_header);
    if (values.minimum_signal_stack_size)
        add(elf::AT_MINSIGSTKSZ, values.minimum_signal_stack_size);
    add(elf::AT_HWCAP, values.hardware_capabilities);
    add(elf::AT_PAGESZ, 4096);
    add(elf::AT_CLKTCK, clock_ticks_per_second);
    add(elf::AT_PHDR, values.program_headers);
    add(elf::AT_PHENT, values.program_header_entry_size);
    add(elf::AT_PHNUM, values.program_header_count);
    add(elf::AT_BASE, values.interpreter_base);
    add(elf::AT_FLAGS, 0);
    add(elf::AT_ENTRY, values.entry);
    add(elf::AT_UID, values.credentials.user_id);
    add(elf::AT_EUID, values.credentials.effective_user_id);
    add(elf::AT_GID, values.credentials.group_id);
    add(elf::AT_EGID, values.credentials.effective_group_id);
    add(elf::AT_SECURE, values.credentials.secure);
    add(elf::AT_RANDOM, random_address);
    add(elf::AT_HWCAP2, 0);
    add(elf::AT_EXECFN, executable_filename_address);
    if (platform_address)
        add(elf::AT_PLATFORM, platform_address);
    add(elf::AT_NULL, 0);

    // argc, argv with its NULL, envp with its NULL: STACK_ROUND then aligns the whole table
    // down so that rsp (pointing at argc) is 16-byte aligned.
    size_t const table_words = 1 + (arguments.size() + 1) + (environment.size() + 1) + auxiliary_count * 2;
    if (!allocate(table_words * sizeof(uint64_t)))
        return Error(E2BIG);
    cursor &= ~uint64_t(15);
    uint64_t const stack_pointer = cursor;

    InitialStackLayout layout;
    layout.stack_pointer = stack_pointer;
    layout.arguments = stack_pointer + sizeof(uint64_t);
    layout.environment = layout.arguments + (arguments.size() + 1) * sizeof(uint64_t);
    layout.auxiliary_vector = layout.environment + (environment.size() + 1) * sizeof(uint64_t);
    layout.strings_start = strings_start;

    image.clear();
    TRY(image.try_resize(request.stack_top - stack_pointer));
    ImageWriter writer(image, stack_pointer);

    writer.write_word(stack_pointer, arguments.size());
    uint64_t string_address = strings_start;
    for (size_t i = 0; i < arguments.size(); ++i) {
        writer.write_word(layout.arguments + i * sizeof(uint64_t), string_address);
        writer.write_string(string_address, arguments[i]);
        string_address += arguments[i].size() + 1;
    }
    writer.write_word(layout.arguments + arguments.size() * sizeof(uint64_t), 0);
    for (size_t i = 0; i < environment.size(); ++i) {
        writer.write_word(layout.environment + i * sizeof(uint64_t), string_address);
        writer.write_string(string_address, environment[i]);
        string_address += environment[i].size() + 1;
    }
    writer.write_word(layout.environment + environment.size() * sizeof(uint64_t), 0);
    VERIFY(string_address == executable_filename_address);
    writer.write_string(executable_filename_address, request.executable_filename);
    writer.write_word(request.stack_top - sizeof(uint64_t), 0);
    if (platform_address)
        writer.write_string(platform_address, request.platform);
    writer.write(random_address, request.random_bytes.data(), request.random_bytes.size());
    for (size_t i = 0; i < auxiliary_count; ++i) {
        writer.write_word(layout.auxiliary_vector + i * 2 * sizeof(uint64_t), auxiliary[i].key);
        writer.write_word(layout.auxiliary_vector + (i * 2 + 1) * sizeof(uint64_t), auxiliary[i].value);
    }
    return layout;
}

}
