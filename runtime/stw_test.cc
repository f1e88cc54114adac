// Stop-the-world through GOMAXPROCS changes while goroutines run, park and make syscalls.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>

#include "runtime/export_test.h"

namespace touchstone {
namespace {

using testing::RunMain;

TEST(Stw, GomaxprocsReturnsPrevious) {
  RunMain(2, [] {
    EXPECT_EQ(gomaxprocs(0), 2);
    EXPECT_EQ(gomaxprocs(4), 2);
    EXPECT_EQ(gomaxprocs(1), 4);
    EXPECT_EQ(gomaxprocs(3), 1);
    EXPECT_EQ(gomaxprocs(0), 3);
  });
}

// Shrinking moves every runnable G of a dead P to the global queue: none is lost.
TEST(Stw, ShrinkKeepsEveryRunnableG) {
  std::atomic<int> ran{0};
  RunMain(4, [&] {
    WaitGroup wg;
    constexpr int kN = 3000;
    wg.add(kN);
    for (int i = 0; i < kN; i++) {
      go([&ran, wg] {
        ran.fetch_add(1);
        wg.done();
      });
      if (i == kN / 2) gomaxprocs(1);
    }
    gomaxprocs(2);
    wg.wait();
  });
  EXPECT_EQ(ran.load(), 3000);
}

// Like Go's TestStopTheWorldDeadlock: GOMAXPROCS changes race with goroutines that keep
// spawning successors, busy Gs with preemption checks, and syscalls.
TEST(Stw, ResizeUnderLoad) {
  std::atomic<long> work{0};
  RunMain(3, [&] {
    std::atomic<bool> stop{false};
    WaitGroup wg;
    constexpr int kChains = 4;
    wg.add(kChains + 2);
    for (int i = 0; i < kChains; i++) {
      // A chain: each G spawns its successor and exits.
      struct Link {
        std::atomic<bool>* stop;
        std::atomic<long>* work;
        WaitGroup wg;
        void operator()() const {
          work->fetch_add(1, std::memory_order_relaxed);
          if (stop->load(std::memory_order_relaxed)) {
            wg.done();
            return;
          }
          go(*this);
        }
      };
      go(Link{&stop, &work, wg});
    }
    go([&, wg] {  // busy G: only preemption stops it
      while (!stop.load(std::memory_order_relaxed)) preempt_check();
      wg.done();
    });
    go([&, wg] {  // syscalls during stop-the-world
      while (!stop.load(std::memory_order_relaxed)) syscall([] { platform::usleep(50); });
      wg.done();
    });
    WaitGroup resizers;
    resizers.add(2);
    for (int r = 0; r < 2; r++) {
      go([resizers, r] {
        // Never 1 P while the chains run: with one P a chain starves everyone else for ~61
        // preemption periods, exactly as in Go (its TestStopTheWorldDeadlock keeps 3 Ps).
        for (int i = 0; i < testing::Scale(60); i++) gomaxprocs(2 + (i + r) % 3);
        resizers.done();
      });
    }
    resizers.wait();
    stop.store(true);
    wg.wait();
  });
  EXPECT_GT(work.load(), 0);
}

// While the world is stopped no other G runs: a counter bumped by busy Gs stays still.
TEST(Stw, NoGoroutineRunsWhileStopped) {
  long moved = -1;
  RunMain(4, [&] {
    std::atomic<bool> stop{false};
    std::atomic<long> counter{0};
    WaitGroup wg;
    wg.add(3);
    for (int i = 0; i < 3; i++) {
      go([&, wg] {
        while (!stop.load(std::memory_order_relaxed)) {
          counter.fetch_add(1, std::memory_order_relaxed);
          preempt_check();
        }
        wg.done();
      });
    }
    while (counter.load() < 1000) gosched();
    runtime::stopTheWorld("test");
    const long before = counter.load();
    platform::usleep(20000);
    moved = counter.load() - before;
    runtime::startTheWorld();
    stop.store(true);
    wg.wait();
  });
  EXPECT_EQ(moved, 0);
}

}  // namespace
}  // namespace touchstone
