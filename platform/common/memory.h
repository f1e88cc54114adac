// platform/common/memory.h — stack memory, the same on every platform (the sim maps real memory
// too: simulated threads run real code on real stacks).
#pragma once

#include <cstddef>

namespace touchstone::platform {

std::size_t page_size();
// Maps `size` usable bytes plus one PROT_NONE guard page below them. Returns the lowest usable
// address (the guard page is at [lo - page_size(), lo)). Fatal on failure.
void* map_stack(std::size_t size);
void unmap_stack(void* lo, std::size_t size);

}  // namespace touchstone::platform
