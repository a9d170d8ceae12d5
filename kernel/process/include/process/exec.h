#pragma once

#include <span>
#include <string_view>

#include <arch/register_frame.h>
#include <binfmt/diagnostic.h>
#include <lib/error_or.h>
#include <lib/own_ptr.h>
#include <process/process.h>

namespace fs {
class OpenFileDescription;
}

namespace process {

// Replaces the process's image with the program at `path`, leaving the process untouched on
// failure. On success, `frame` holds the registers the new program starts with. `thread` is
// the calling thread (null while the process has none yet, at boot).
ErrorOr<void> execute(Process&, sched::Thread* thread, std::string_view path, std::span<std::string_view const> arguments,
    std::span<std::string_view const> environment, arch::RegisterFrame& frame, binfmt::Diagnostic&);
// The same for a file already opened (execveat(2), fexecve(3)); `path` is what the new
// program sees as its file name.
ErrorOr<void> execute_description(Process&, sched::Thread* thread, RefPtr<fs::OpenFileDescription> description,
    std::string_view path, std::span<std::string_view const> arguments, std::span<std::string_view const> environment,
    arch::RegisterFrame& frame, binfmt::Diagnostic&, bool path_inaccessible = false);

}
