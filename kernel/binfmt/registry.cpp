#include <string_view>

#include <binfmt/registry.h>
#include <config.h>
#include <lib/format.h>

#ifdef CONFIG_BINFMT_ELF
#    include <binfmt/elf_format.h>
#endif
#ifdef CONFIG_BINFMT_SCRIPT
#    include <binfmt/script_format.h>
#endif

namespace binfmt {

ErrorOr<void> Registry::add(BinaryFormat const& format)
{
    for (size_t i = 0; i < m_count; ++i) {
        if (std::string_view(m_formats[i]->name) == std::string_view(format.name))
            return Error(EEXIST);
    }
    if (m_count == capacity)
        return Error(ENOSPC);
    m_formats[m_count++] = &format;
    return {};
}

BinaryFormat const* Registry::find(std::span<uint8_t const> header) const
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_formats[i]->probe(header))
            return m_formats[i];
    }
    return nullptr;
}

ErrorOr<ExecResult> Registry::execute(ExecRequest& request) const
{
    if (request.depth > max_exec_depth)
        return request.diagnostic.refuse(ELOOP, "too many levels of interpreters (more than %u)", max_exec_depth);

    uint8_t header[exec_header_size];
    uint64_t const file_size = request.file.size();
    size_t const header_size = file_size < sizeof(header) ? size_t(file_size) : sizeof(header);
    TRY(read_exact(request.file, 0, std::span<uint8_t>(header, header_size)));
    request.header = std::span<uint8_t const>(header, header_size);
    request.registry = this;

    auto const* format = find(request.header);
    if (!format) {
        // Name what we would have accepted, so "not an ELF file" reads as such when ELF is all
        // this configuration has.
        char names[96] = {};
        size_t length = 0;
        for (size_t i = 0; i < m_count && length < sizeof(names); ++i)
            length += lib::format(names + length, sizeof(names) - length, "%s%s", i ? ", " : "", m_formats[i]->name);
        auto result = request.diagnostic.refuse(ENOEXEC, "not an executable format this kernel runs (formats: %s)", m_count ? names : "none");
        request.header = {};
        return result;
    }
    auto result = format->load(request);
    request.header = {};
    return result;
}

Registry& registry()
{
    static Registry s_registry;
    return s_registry;
}

ErrorOr<void> register_builtin_formats(Registry& registry)
{
#ifdef CONFIG_BINFMT_ELF
    TRY(registry.add(elf_format));
#endif
#ifdef CONFIG_BINFMT_SCRIPT
    TRY(registry.add(script_format));
#endif
    (void)registry;
    return {};
}

}
