// Scheduler tests: goroutines run, migrate between Ms, wake idle Ps, and the event hook sees
// a consistent history; deadlocks are reported like Go's checkdead.
#include <gtest/gtest.h>

#include <pthread.h>

#include <atomic>
#include <map>
#include <set>

#include "runtime/export_test.h"

namespace touchstone {
namespace {

using testing::RunMain;

// The identity of the OS thread (natively) or simulated thread (sim) running the caller.
[[gnu::noinline]] unsigned long current_thread() {
  asm volatile("" ::: "memory");
#if defined(TOUCHSTONE_PLATFORM_SIM)
  return static_cast<unsigned long>(sim::current_thread());
#else
  return static_cast<unsigned long>(pthread_self());
#endif
}

TEST(Proc, MainRunsAndReturns) {
  int ran = 0;
  RunMain(1, [&] { ran = 1; });
  EXPECT_EQ(ran, 1);
  RunMain(3, [&] { ran = 2; });  // runtimes run one after another
  EXPECT_EQ(ran, 2);
}

TEST(Proc, EveryGoroutineRuns) {
  for (int procs : {1, 2, 4}) {
    std::atomic<int> count{0};
    RunMain(procs, [&] {
      WaitGroup wg;
      constexpr int kN = 2000;
      wg.add(kN);
      for (int i = 0; i < kN; i++) {
        go([&count, wg] {
          count.fetch_add(1, std::memory_order_relaxed);
          wg.done();
        });
      }
      wg.wait();
    });
    EXPECT_EQ(count.load(), 2000) << "procs=" << procs;
  }
}

TEST(Proc, LargeClosuresAreBoxed) {
  struct Big {
    char bytes[512];
  };
  int sum = 0;
  RunMain(1, [&] {
    Big big{};
    big.bytes[511] = 42;
    Chan<int> c;
    go([big, c] { c.send(big.bytes[511]); });
    sum = c.recv();
  });
  EXPECT_EQ(sum, 42);
}

// A G resumed on another M must not use the old M's thread-locals (gogo.h). Each G keeps a
// stack canary and counts how often it woke up on a different OS thread.
TEST(Proc, GoroutinesMigrateBetweenMsIntact) {
  std::atomic<long> migrations{0};
  std::atomic<long> corrupt{0};
  RunMain(4, [&] {
    WaitGroup wg;
    constexpr int kGs = 8;
    wg.add(kGs);
    for (int i = 0; i < kGs; i++) {
      go([&, i, wg] {
        volatile std::uint64_t canary[8];
        for (int k = 0; k < 8; k++) canary[k] = 0x5A5A0000u + i * 8 + k;
        const std::int64_t me = goid();
        unsigned long last = current_thread();
        for (int n = 0; n < 3000; n++) {
          gosched();
          const unsigned long now = current_thread();
          if (now != last) migrations.fetch_add(1, std::memory_order_relaxed);
          last = now;
          if (goid() != me) corrupt.fetch_add(1);
          for (int k = 0; k < 8; k++) {
            if (canary[k] != 0x5A5A0000u + i * 8 + k) corrupt.fetch_add(1);
          }
        }
        wg.done();
      });
    }
    wg.wait();
  });
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_GT(migrations.load(), 0) << "Gs never changed M: the test exercised nothing";
}

// Spinning/wakeup stress: many Gs readied from many Ms while Ps go idle and come back.
// Every G must run (a lost wakeup with all other Ps parked would leave the program stuck
// until the P holding the G ran it; here that P is blocked in wg.wait, so it would hang).
TEST(Proc, WakeupsFromManyMs) {
  std::atomic<int> ran{0};
  RunMain(4, [&] {
    for (int round = 0; round < 200; round++) {
      WaitGroup wg;
      constexpr int kProducers = 4, kPer = 16;
      wg.add(kProducers * kPer);
      for (int p = 0; p < kProducers; p++) {
        go([&ran, wg] {
          for (int i = 0; i < kPer; i++) {
            go([&ran, wg] {
              ran.fetch_add(1, std::memory_order_relaxed);
              wg.done();
            });
          }
        });
      }
      wg.wait();
    }
  });
  EXPECT_EQ(ran.load(), 200 * 4 * 16);
}

// Parked Gs readied by Gs running on other Ps (channel hand-offs across Ps).
TEST(Proc, ParkReadyAcrossPs) {
  long total = 0;
  RunMain(4, [&] {
    constexpr int kPairs = 16, kMsgs = 500;
    Chan<long> results(kPairs);
    for (int i = 0; i < kPairs; i++) {
      Chan<long> c;
      go([c] {
        for (long k = 1; k <= kMsgs; k++) c.send(k);
        c.close();
      });
      go([c, results] {
        long s = 0;
        for (;;) {
          auto [v, ok] = c.recv2();
          if (!ok) break;
          s += v;
        }
        results.send(s);
      });
    }
    for (int i = 0; i < kPairs; i++) total += results.recv();
  });
  EXPECT_EQ(total, 16L * 500 * 501 / 2);
}

// The event hook sees every G's history as a chain of legal transitions, and every created G.
TEST(Proc, TraceHistoryIsConsistent) {
  testing::Recorder rec;
  RunMain(
      2,
      [&] {
        WaitGroup wg;
        wg.add(50);
        Chan<int> c;
        for (int i = 0; i < 50; i++) {
          go([wg, c, i] {
            if (i % 2 == 0) {
              c.send(i);
            } else {
              c.recv();
            }
            gosched();
            wg.done();
          });
        }
        wg.wait();
      },
      &rec);
  std::map<std::int64_t, std::uint32_t> last;
  std::set<std::int64_t> created;
  int steals = 0, puts = 0, statuses = 0;
  for (const auto& ev : rec.events()) {
    switch (ev.kind) {
      case runtime::EvKind::GStatus: {
        statuses++;
        ASSERT_TRUE(runtime::gtransition_legal(ev.a, ev.b));
        auto it = last.find(ev.g);
        if (it != last.end()) {
          ASSERT_EQ(it->second, ev.a) << "goroutine " << ev.g << " history broken";
        }
        last[ev.g] = ev.b;
        break;
      }
      case runtime::EvKind::GoCreate: created.insert(ev.g); break;
      case runtime::EvKind::RunqSteal: steals++; break;
      case runtime::EvKind::RunqPut: puts++; break;
      default: break;
    }
  }
  EXPECT_EQ(created.size(), 51u) << "main + 50";
  EXPECT_GT(statuses, 51 * 3);
  EXPECT_GT(puts, 50);
  for (std::int64_t g : created) {
    if (g == 1) continue;  // main is abandoned mid-run when it returns
    EXPECT_EQ(last[g], runtime::Gdead) << "goroutine " << g << " did not end";
  }
  (void)steals;
}

TEST(ProcDeathTest, AllGoroutinesAsleepIsADeadlock) {
  EXPECT_EXIT(RunMain(2,
                  [] {
                    Chan<int> c;
                    go([c] { c.recv(); });
                    c.recv();
                  }),
              ::testing::ExitedWithCode(2), "fatal error: all goroutines are asleep - deadlock!");
}

TEST(ProcDeathTest, WaitGroupDeadlock) {
  EXPECT_EXIT(RunMain(1,
                  [] {
                    WaitGroup wg;
                    wg.add(1);
                    wg.wait();
                  }),
              ::testing::ExitedWithCode(2), "all goroutines are asleep - deadlock!");
}

}  // namespace
}  // namespace touchstone
