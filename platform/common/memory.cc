// platform/common/memory.cc — see memory.h.
#include "platform/common/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <vector>

#include "platform/platform.h"

namespace touchstone::platform {

std::size_t page_size() {
  static const std::size_t ps = std::size_t(sysconf(_SC_PAGESIZE));
  return ps;
}

#if defined(TOUCHSTONE_PLATFORM_SIM)
// The simulator runs thousands of executions per process; each maps and unmaps every stack it
// uses. Recycling the mappings here, below the seam, costs no scheduling point, so a run does not
// depend on which runs came before it. (Stacks are not cleared: the runtime never reads a stack
// before writing it.)
namespace {
struct Recycled {
  std::size_t size;
  void* lo;
};
std::vector<Recycled> g_recycled;
}  // namespace
#endif

void* map_stack(std::size_t size) {
#if defined(TOUCHSTONE_PLATFORM_SIM)
  for (std::size_t i = g_recycled.size(); i-- > 0;) {
    if (g_recycled[i].size == size) {
      void* lo = g_recycled[i].lo;
      g_recycled[i] = g_recycled.back();
      g_recycled.pop_back();
      return lo;
    }
  }
#endif
  const std::size_t guard = page_size();
  void* p = mmap(nullptr, size + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) fatal("fatal error: ", "runtime: cannot allocate goroutine stack (mmap)");
  if (mprotect(p, guard, PROT_NONE) != 0) fatal("fatal error: ", "runtime: cannot protect stack guard page");
  return static_cast<char*>(p) + guard;
}

void unmap_stack(void* lo, std::size_t size) {
#if defined(TOUCHSTONE_PLATFORM_SIM)
  if (g_recycled.size() < 4096) {
    g_recycled.push_back(Recycled{size, lo});
    return;
  }
#endif
  const std::size_t guard = page_size();
  munmap(static_cast<char*>(lo) - guard, size + guard);
}

}  // namespace touchstone::platform
