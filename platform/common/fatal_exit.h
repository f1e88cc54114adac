// platform/common/fatal_exit.h — how every platform ends the process on a fatal error.
#pragma once

#include <string_view>

namespace touchstone::platform {

// Writes "<prefix><msg>\n" to stderr in one write (lines from concurrent fatal errors do not
// interleave) and exits with status 2, as Go's throw does.
[[noreturn]] void write_fatal_and_exit(std::string_view prefix, std::string_view msg);

}  // namespace touchstone::platform
