// Stacks: pooled reuse, size classes and the guard page.
#include <gtest/gtest.h>

#include <csignal>

#include "runtime/export_test.h"

namespace touchstone::runtime {
namespace {

TEST(Stack, FreedStackIsReused) {
  Stack a = stackalloc(64 * 1024);
  ASSERT_NE(a.lo, nullptr);
  EXPECT_EQ(a.size(), 64u * 1024);
  a.lo[0] = 1;
  a.hi[-1] = 2;
  stackfree(a);
  Stack b = stackalloc(64 * 1024);
  EXPECT_EQ(b.lo, a.lo) << "the pool should hand back the freed stack";
  stackfree(b);
  stackpool_release_all();
}

TEST(Stack, SizesRoundUpToClasses) {
  Stack a = stackalloc(20 * 1024);
  EXPECT_EQ(a.size(), 32u * 1024);
  Stack big = stackalloc(3 * 1024 * 1024);  // beyond the classes: mapped directly
  EXPECT_GE(big.size(), 3u * 1024 * 1024);
  stackfree(a);
  stackfree(big);
  stackpool_release_all();
}

TEST(StackDeathTest, GuardPageFaults) {
  Stack s = stackalloc(16 * 1024);
  EXPECT_DEATH(
      {
        volatile char* below = s.lo - 1;
        *below = 1;
      },
      "");
  stackfree(s);
  stackpool_release_all();
}

TEST(Stack, ConfiguredSizeIsUsed) {
  std::size_t seen = 0;
  Config cfg;
  cfg.procs = 1;
  cfg.stack_size = 128 * 1024;
  testing::RunMain(cfg, [&] {
    Chan<std::size_t> c;
    go([c] { c.send(getg()->stack.size()); });
    seen = c.recv();
  });
  EXPECT_EQ(seen, 128u * 1024);
}

}  // namespace
}  // namespace touchstone::runtime
