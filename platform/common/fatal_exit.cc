// platform/common/fatal_exit.cc — see fatal_exit.h.
#include "platform/common/fatal_exit.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace touchstone::platform {

void write_fatal_and_exit(std::string_view prefix, std::string_view msg) {
  std::string line;
  line.reserve(prefix.size() + msg.size() + 1);
  line.append(prefix).append(msg).push_back('\n');
  [[maybe_unused]] ssize_t written = write(2, line.data(), line.size());
  std::_Exit(2);
}

}  // namespace touchstone::platform
