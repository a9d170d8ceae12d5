#pragma once

#include <binfmt/registry.h>

namespace binfmt {

// Static ELF64 x86-64 executables: ET_EXEC at their link address, ET_DYN (static PIE) at a
// base the target chooses. PT_INTERP (dynamic executables) is refused for now.
extern BinaryFormat const elf_format;

bool probe_elf(std::span<uint8_t const> header);
ErrorOr<ExecResult> load_elf(ExecRequest& request);

}
