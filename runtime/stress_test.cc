// Stress: thousands of goroutines on several Ps, channels and yields; run under TSan and ASan
// by ci/gate. The scale is reduced under qemu (TOUCHSTONE_STRESS_SCALE).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

#include "runtime/export_test.h"

namespace touchstone {
namespace {

using testing::RunMain;

int scale(int n) { return testing::Scale(n); }

// A pipeline of stages connected by channels, several goroutines per stage.
TEST(Stress, PipelineOfThousandsOfGoroutines) {
  const int kStages = 50, kWorkers = scale(40), kItems = scale(4000);
  long sum = 0;
  RunMain(4, [&] {
    std::vector<Chan<int>> stages;
    for (int s = 0; s <= kStages; s++) stages.emplace_back(4);
    WaitGroup all;
    for (int s = 0; s < kStages; s++) {
      WaitGroup stage;
      stage.add(kWorkers);
      all.add(kWorkers);
      for (int w = 0; w < kWorkers; w++) {
        go([in = stages[s], out = stages[s + 1], stage, all] {
          for (;;) {
            auto [v, ok] = in.recv2();
            if (!ok) break;
            out.send(v + 1);
          }
          stage.done();
          all.done();
        });
      }
      // Close the next stage when every worker of this one is done.
      go([stage, out = stages[s + 1]] {
        stage.wait();
        out.close();
      });
    }
    go([in = stages[0], kItems] {
      for (int i = 0; i < kItems; i++) in.send(i);
      in.close();
    });
    for (;;) {
      auto [v, ok] = stages[kStages].recv2();
      if (!ok) break;
      sum += v;
    }
    all.wait();
  });
  const long n = kItems;
  EXPECT_EQ(sum, n * (n - 1) / 2 + n * kStages);
}

// 10,000 goroutines that each yield and block once, on 4 Ps.
TEST(Stress, TenThousandGoroutines) {
  const int kN = scale(10000);
  std::atomic<int> finished{0};
  RunMain(4, [&] {
    WaitGroup wg;
    wg.add(kN);
    Chan<int> gate;
    for (int i = 0; i < kN; i++) {
      go([&, wg, gate] {
        gosched();
        gate.recv();
        finished.fetch_add(1, std::memory_order_relaxed);
        wg.done();
      });
    }
    for (int i = 0; i < kN; i++) gate.send(i);
    wg.wait();
  });
  EXPECT_EQ(finished.load(), kN);
}

// Mutex and semaphore contention with hand-off.
TEST(Stress, MutexProtectsCounter) {
  long counter = 0;
  const int kGs = scale(64), kIters = scale(500);
  RunMain(4, [&] {
    Mutex mu;
    WaitGroup wg;
    wg.add(kGs);
    for (int g = 0; g < kGs; g++) {
      go([&, mu, wg] {
        for (int i = 0; i < kIters; i++) {
          mu.lock();
          counter++;
          if (i % 16 == 0) gosched();  // hold the lock across a yield: others park
          mu.unlock();
        }
        wg.done();
      });
    }
    wg.wait();
  });
  EXPECT_EQ(counter, long(kGs) * kIters);
}

}  // namespace
}  // namespace touchstone
