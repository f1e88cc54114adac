// Run-queue tests in the spirit of Go's RunSchedLocalQueue*Test (export_test.go).
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "runtime/export_test.h"

namespace touchstone::runtime {
namespace {

using testing::FakeSched;

G* get(P* p) {
  bool inherit = false;
  return runqget(p, &inherit);
}

// Go's RunSchedLocalQueueTest, but with distinct Gs so FIFO order is checked too.
TEST(Runq, FillAndEmptyInOrder) {
  FakeSched s(1, 256);
  P* p = s.ps[0];
  for (int i = 0; i < 256; i++) {
    ASSERT_TRUE(runqempty(p)) << i;
    for (int j = 0; j < i; j++) runqput(p, s.gs[j], false);
    EXPECT_EQ(runqlen(p), std::uint32_t(i));
    for (int j = 0; j < i; j++) ASSERT_EQ(get(p), s.gs[j]) << "i=" << i << " j=" << j;
    ASSERT_TRUE(runqempty(p));
    ASSERT_EQ(get(p), nullptr);
  }
  EXPECT_TRUE(s.DrainGlobal().empty());
}

TEST(Runq, RunnextFirstAndKickedToTail) {
  FakeSched s(1, 3);
  P* p = s.ps[0];
  runqput(p, s.gs[0], false);
  runqput(p, s.gs[1], true);
  runqput(p, s.gs[2], true);  // kicks gs[1] to the tail
  bool inherit = false;
  EXPECT_EQ(runqget(p, &inherit), s.gs[2]);
  EXPECT_TRUE(inherit) << "a G from runnext inherits the time slice";
  EXPECT_EQ(runqget(p, &inherit), s.gs[0]);
  EXPECT_FALSE(inherit);
  EXPECT_EQ(runqget(p, &inherit), s.gs[1]);
  EXPECT_TRUE(runqempty(p));
}

// The 257th put moves half the ring plus the new G to the global queue (runqputslow).
TEST(Runq, OverflowMovesHalfToGlobal) {
  FakeSched s(1, 257);
  P* p = s.ps[0];
  for (int i = 0; i < 257; i++) runqput(p, s.gs[i], false);
  EXPECT_EQ(runqlen(p), 128u);
  EXPECT_EQ(sched.runqsize.load(platform::relaxed), 129);
  auto global = s.DrainGlobal();
  ASSERT_EQ(global.size(), 129u);
  for (int i = 0; i < 128; i++) EXPECT_EQ(global[i], s.gs[i]) << i;
  EXPECT_EQ(global[128], s.gs[256]);
  for (int i = 128; i < 256; i++) EXPECT_EQ(get(p), s.gs[i]);
  EXPECT_TRUE(runqempty(p));
}

TEST(Runq, PutBatchOverflowsToGlobal) {
  FakeSched s(1, 300);
  P* p = s.ps[0];
  std::vector<G*> batch(s.gs.begin(), s.gs.end());
  runqputbatch(p, batch.data(), std::uint32_t(batch.size()));
  EXPECT_EQ(runqlen(p), 256u);
  auto global = s.DrainGlobal();
  ASSERT_EQ(global.size(), 44u);
  EXPECT_EQ(global.front(), s.gs[256]);
  for (int i = 0; i < 256; i++) ASSERT_EQ(get(p), s.gs[i]);
}

// Go's RunSchedLocalQueueStealTest: every G seen exactly once; the thief gets half (ceil).
TEST(Runq, StealHalf) {
  FakeSched s(2, 256);
  P* p1 = s.ps[0];
  P* p2 = s.ps[1];
  for (int i = 0; i < 256; i++) {
    std::vector<int> seen(256, 0);
    for (int j = 0; j < i; j++) runqput(p1, s.gs[j], false);
    int stolen = 0;
    if (G* gp = runqsteal(p2, p1, true)) {
      seen[gp->goid - 1]++;
      stolen++;
      while (G* g = get(p2)) {
        seen[g->goid - 1]++;
        stolen++;
      }
    }
    while (G* g = get(p1)) seen[g->goid - 1]++;
    for (int j = 0; j < i; j++) ASSERT_EQ(seen[j], 1) << "i=" << i << " G " << j;
    for (int j = i; j < 256; j++) ASSERT_EQ(seen[j], 0);
    ASSERT_TRUE(stolen == i / 2 || stolen == i / 2 + 1) << "i=" << i << " stolen=" << stolen;
  }
}

TEST(Runq, RunnextStolenOnlyWhenAsked) {
  FakeSched s(2, 1);
  s.ps[0]->status.store(Pidle, platform::relaxed);  // no 3µs back-off
  runqput(s.ps[0], s.gs[0], true);
  EXPECT_EQ(runqsteal(s.ps[1], s.ps[0], false), nullptr);
  EXPECT_EQ(runqsteal(s.ps[1], s.ps[0], true), s.gs[0]);
  EXPECT_TRUE(runqempty(s.ps[0]));
}

// The owner puts and gets while thieves steal: every G is taken exactly once.
TEST(Runq, ConcurrentStealEachGOnce) {
  constexpr int kThieves = 3;
  constexpr int kGs = 20000;
  FakeSched s(1 + kThieves, kGs);
  std::vector<std::atomic<int>> seen(kGs);
  std::atomic<bool> done{false};
  std::atomic<int> taken{0};
  auto take = [&](G* g) {
    seen[g->goid - 1].fetch_add(1, std::memory_order_relaxed);
    taken.fetch_add(1, std::memory_order_relaxed);
  };
  std::vector<std::thread> thieves;
  for (int t = 0; t < kThieves; t++) {
    thieves.emplace_back([&, t] {
      P* me = s.ps[1 + t];
      while (!done.load(std::memory_order_acquire) || !runqempty(s.ps[0])) {
        if (G* g = runqsteal(me, s.ps[0], t == 0)) {
          take(g);
          while (G* h = get(me)) take(h);
        }
      }
    });
  }
  P* owner = s.ps[0];
  for (int i = 0; i < kGs; i++) {
    runqput(owner, s.gs[i], i % 7 == 0);
    if (i % 3 == 0) {
      if (G* g = get(owner)) take(g);
    }
  }
  while (G* g = get(owner)) take(g);
  done.store(true, std::memory_order_release);
  for (auto& t : thieves) t.join();
  for (G* g : s.DrainGlobal()) take(g);
  EXPECT_EQ(taken.load(), kGs);
  for (int i = 0; i < kGs; i++) ASSERT_EQ(seen[i].load(), 1) << "G " << i + 1;
}

// Go's RunSchedLocalQueueEmptyTest: at every moment one G is present, in runnext or in the
// ring, so runqempty must never report empty.
TEST(Runq, EmptyNeverSpurious) {
  FakeSched s(1, 2);
  P* p = s.ps[0];
  constexpr int kIters = 20000;
  std::atomic<bool> stop{false};
  std::atomic<int> spurious{0};
  runqput(p, s.gs[0], false);
  std::thread checker([&] {
    while (!stop.load(std::memory_order_acquire)) {
      if (runqempty(p)) spurious.fetch_add(1);
    }
  });
  G* present = s.gs[0];
  for (int i = 0; i < kIters; i++) {
    // Go's cases: the new G goes to the ring or to runnext (kicking the resident to the ring).
    G* other = present == s.gs[0] ? s.gs[1] : s.gs[0];
    runqput(p, other, i % 2 == 0);
    G* got = get(p);
    ASSERT_TRUE(got == present || got == other);
    present = got == present ? other : present;
  }
  stop.store(true, std::memory_order_release);
  checker.join();
  EXPECT_EQ(spurious.load(), 0);
}

// Go's RunStealOrderTest.
TEST(Runq, StealOrderVisitsEveryPOnce) {
  RandomOrder ord;
  for (std::uint32_t procs = 1; procs <= 64; procs++) {
    ord.reset(procs);
    std::set<std::pair<std::uint32_t, std::uint32_t>> starts;
    for (std::uint32_t r = 0; r < procs * procs; r++) {
      std::vector<int> visited(procs, 0);
      auto e = ord.start(r);
      starts.insert({e.pos, e.inc});
      for (; !e.done(); e.next()) visited[e.position()]++;
      for (std::uint32_t i = 0; i < procs; i++) ASSERT_EQ(visited[i], 1) << procs << " " << r << " " << i;
    }
    EXPECT_EQ(starts.size(), std::size_t(procs) * ord.ncoprimes) << "every (start, stride) reachable";
  }
}

TEST(Runq, GlobrunqGetTakesFairShare) {
  FakeSched s(4, 40);
  for (G* g : s.gs) {
    sched.lock.lock();
    globrunqput(g);
    sched.lock.unlock();
  }
  sched.lock.lock();
  G* first = globrunqget(s.ps[0], 0);
  sched.lock.unlock();
  EXPECT_EQ(first, s.gs[0]);
  // 40/4 + 1 = 11 taken: one returned, ten on the local ring.
  EXPECT_EQ(runqlen(s.ps[0]), 10u);
  EXPECT_EQ(sched.runqsize.load(platform::relaxed), 29);
  sched.lock.lock();
  EXPECT_EQ(globrunqget(s.ps[1], 1), s.gs[11]);
  sched.lock.unlock();
  EXPECT_EQ(runqlen(s.ps[1]), 0u);
  s.DrainGlobal();
  while (get(s.ps[0]) != nullptr) {
  }
}

}  // namespace
}  // namespace touchstone::runtime
