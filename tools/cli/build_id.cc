// tools/cli/build_id.cc — the binary's identity, compiled once per CLI binary with the
// definitions CMake sets (tools/cli/CMakeLists.txt):
//   TOUCHSTONE_CLI_COMMIT   git rev-parse --short HEAD at configure time ("unknown" if none)
//   TOUCHSTONE_CLI_VARIANT  "sim", "broken" or "native"
#include <string>

#include "tools/cli/common.h"

#ifndef TOUCHSTONE_CLI_COMMIT
#define TOUCHSTONE_CLI_COMMIT "unknown"
#endif
#ifndef TOUCHSTONE_CLI_VARIANT
#define TOUCHSTONE_CLI_VARIANT "native"
#endif

namespace touchstone::cli {

std::string build_id() { return std::string(TOUCHSTONE_CLI_COMMIT) + "-" + TOUCHSTONE_CLI_VARIANT; }

bool broken_build() { return std::string(TOUCHSTONE_CLI_VARIANT) == "broken"; }

std::string version_text() {
  const std::string variant = TOUCHSTONE_CLI_VARIANT;
  std::string what;
  if (variant == "sim") what = "simulated and native runtimes";
  if (variant == "native") what = "native runtime only";
  if (variant == "broken") {
    what = "BROKEN runtime on purpose: runqgrab does not advance the victim's head, so stolen Gs are "
           "duplicated; for testing the harnesses only";
  }
  return "touchstone 0.2 (build " + build_id() + "; " + what + ")";
}

}  // namespace touchstone::cli
