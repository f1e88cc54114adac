// platform/common/memory.cc — see memory.h.
#include "platform/common/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include "platform/platform.h"

namespace touchstone::platform {

std::size_t page_size() {
  static const std::size_t ps = std::size_t(sysconf(_SC_PAGESIZE));
  return ps;
}

void* map_stack(std::size_t size) {
  const std::size_t guard = page_size();
  void* p = mmap(nullptr, size + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) fatal("fatal error: ", "runtime: cannot allocate goroutine stack (mmap)");
  if (mprotect(p, guard, PROT_NONE) != 0) fatal("fatal error: ", "runtime: cannot protect stack guard page");
  return static_cast<char*>(p) + guard;
}

void unmap_stack(void* lo, std::size_t size) {
  const std::size_t guard = page_size();
  munmap(static_cast<char*>(lo) - guard, size + guard);
}

}  // namespace touchstone::platform
