// The simulated world itself: determinism, replay, failure detection, and PCT against Random on
// a known-buggy wakeup protocol.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "runtime/export_test.h"
#include "runtime/sim_harness.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define TS_LSAN 1
#endif
#endif

namespace touchstone {
namespace {

// A run that fails on purpose is abandoned mid-flight: objects owned by its goroutines' frames
// (a Chan handle on main's stack, say) can never be destroyed (sim_harness.h documents this).
// Leak checking is switched off for the duration of such a run only.
struct AbandonedRun {
#if defined(TS_LSAN)
  AbandonedRun() { __lsan_disable(); }
  ~AbandonedRun() { __lsan_enable(); }
#endif
};

// Hashes every runtime event (no addresses: ids, kinds and values only).
class EventHash : public TraceListener {
 public:
  void event(const runtime::Event& ev) override {
    mix(std::uint64_t(ev.kind));
    mix(std::uint64_t(std::int64_t(ev.p)));
    mix(std::uint64_t(ev.m));
    mix(std::uint64_t(ev.g));
    mix(std::uint64_t(ev.a) << 32 | ev.b);
    mix(std::uint64_t(ev.n));
    count++;
  }
  std::uint64_t h = 1469598103934665603ull;
  std::uint64_t count = 0;

 private:
  void mix(std::uint64_t v) {
    for (int i = 0; i < 8; i++) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  }
};

// A small scheduler workload: producers, consumers, a mutex, a syscall, a resize.
void workload(int procs, TraceListener* trace) {
  Config cfg;
  cfg.procs = procs;
  cfg.trace = trace;
  Runtime rt(cfg);
  rt.run([] {
    Chan<int> c(2);
    Mutex mu;
    WaitGroup wg;
    int shared = 0;
    wg.add(8);
    for (int i = 0; i < 4; i++) {
      go([c, wg, i] {
        for (int k = 0; k < 5; k++) c.send(i * 10 + k);
        wg.done();
      });
      go([c, wg, mu, &shared] {
        for (int k = 0; k < 5; k++) {
          c.recv();
          mu.lock();
          shared++;
          mu.unlock();
        }
        syscall([] {});
        wg.done();
      });
    }
    wg.wait();
    if (shared != 20) platform::fatal("fatal error: ", "workload: lost an increment");
  });
}

// A second and third workload for the determinism check: stop-the-world resizes with a busy G,
// and blocking syscalls with sysmon retakes.
void workload_resize(int procs, TraceListener* trace) {
  Config cfg;
  cfg.procs = procs;
  cfg.trace = trace;
  cfg.force_preempt_ns = 1'000'000;
  Runtime rt(cfg);
  rt.run([] {
    platform::Atomic<bool> stop{false};
    WaitGroup wg;
    wg.add(1);
    go([&stop, wg] {
      while (!stop.load(platform::relaxed)) preempt_check();
      wg.done();
    });
    for (int i = 0; i < 4; i++) gomaxprocs(1 + i % 3);
    stop.store(true, platform::relaxed);
    wg.wait();
  });
}

void workload_syscalls(int procs, TraceListener* trace) {
  Config cfg;
  cfg.procs = procs;
  cfg.trace = trace;
  Runtime rt(cfg);
  rt.run([] {
    WaitGroup wg;
    wg.add(4);
    for (int i = 0; i < 4; i++) {
      go([wg, i] {
        syscall([i] { platform::usleep(std::uint32_t(30 + 10 * i)); });
        syscall_blocking([] { platform::usleep(5); });
        wg.done();
      });
    }
    wg.wait();
  });
}

struct Outcome {
  sim::Result result;
  std::uint64_t events_hash;
};

Outcome run_once(sim::Strategy& s, int procs, void (*w)(int, TraceListener*) = workload) {
  EventHash eh;
  sim::Result r = simulate(sim::Config{}, s, [&] { w(procs, &eh); });
  return {std::move(r), eh.h};
}

TEST(Sim, SameSeedSameEventHash1000Seeds) {
  int distinct = 0;
  std::map<std::uint64_t, int> seen;
  for (std::uint64_t seed = 1; seed <= 1000; seed++) {
    auto s1 = sim::make_random(seed);
    auto s2 = sim::make_random(seed);
    const int procs = 1 + int(seed % 4);
    // Three workloads in turn: channels and a mutex; stop-the-world resizes; syscalls.
    void (*const workloads[])(int, TraceListener*) = {workload, workload_resize, workload_syscalls};
    auto* w = workloads[seed % 3];
    Outcome a = run_once(*s1, procs, w);
    Outcome b = run_once(*s2, procs, w);
    ASSERT_TRUE(a.result.ok()) << "seed " << seed << ": " << a.result.message;
    ASSERT_EQ(a.events_hash, b.events_hash) << "seed " << seed << ": nondeterministic event stream";
    ASSERT_EQ(a.result.hash, b.result.hash) << "seed " << seed;
    ASSERT_EQ(a.result.steps, b.result.steps) << "seed " << seed;
    distinct += seen[a.events_hash]++ == 0;
  }
  // Different seeds explore different interleavings (otherwise the test proves nothing).
  EXPECT_GT(distinct, 700);  // 825 when written: one-P runs have few interleavings
}

TEST(Sim, PctAndBytesAreDeterministicToo) {
  for (std::uint64_t seed = 1; seed <= 100; seed++) {
    auto p1 = sim::make_pct(seed, 3, 5000), p2 = sim::make_pct(seed, 3, 5000);
    Outcome a = run_once(*p1, 3), b = run_once(*p2, 3);
    ASSERT_TRUE(a.result.ok()) << a.result.message;
    ASSERT_EQ(a.events_hash, b.events_hash) << "pct seed " << seed;
    auto q1 = strategy_from_name("bytes", seed), q2 = strategy_from_name("bytes", seed);
    Outcome c = run_once(*q1, 2), d = run_once(*q2, 2);
    ASSERT_TRUE(c.result.ok()) << c.result.message;
    ASSERT_EQ(c.events_hash, d.events_hash) << "bytes seed " << seed;
  }
}

TEST(Sim, ReplayReproducesARunExactly) {
  auto s = sim::make_random(42);
  Outcome a = run_once(*s, 4);
  ASSERT_TRUE(a.result.ok());
  ASSERT_GT(a.result.log.size(), 100u);
  // Through the text form, as a reproducer file would carry it.
  std::vector<sim::Decision> log;
  std::string err;
  ASSERT_TRUE(sim::parse_log(sim::encode_log(a.result.log), &log, &err)) << err;
  ASSERT_EQ(log, a.result.log);
  auto r = sim::make_replay(log);
  Outcome b = run_once(*r, 4);
  ASSERT_TRUE(b.result.ok()) << b.result.message;
  EXPECT_EQ(a.events_hash, b.events_hash);
  EXPECT_EQ(a.result.steps, b.result.steps);
  EXPECT_EQ(a.result.log, b.result.log);
}

TEST(Sim, ReplayDetectsDivergence) {
  auto s = sim::make_random(7);
  Outcome a = run_once(*s, 4);
  ASSERT_TRUE(a.result.ok());
  auto r = sim::make_replay(a.result.log);
  [[maybe_unused]] AbandonedRun abandoned;
  Outcome b = run_once(*r, 2);  // a different program: 2 Ps
  EXPECT_EQ(b.result.failure, sim::Failure::Diverged);
  EXPECT_NE(b.result.message.find("replay diverged"), std::string::npos) << b.result.message;
  // And the runtime is usable again afterwards.
  auto s2 = sim::make_random(8);
  EXPECT_TRUE(run_once(*s2, 2).result.ok());
}

TEST(Sim, LogParserRejectsBadInputWithLine) {
  std::vector<sim::Decision> log;
  std::string err;
  EXPECT_FALSE(sim::parse_log("nonsense\n", &log, &err));
  EXPECT_EQ(err, "line 1: expected the header 'touchstone-decisions 1'");
  EXPECT_FALSE(sim::parse_log("touchstone-decisions 1\ns 3 1\n# c\ns 3 3\n", &log, &err));
  EXPECT_EQ(err, "line 4: a schedule decision needs n >= 2 and option < n");
  EXPECT_FALSE(sim::parse_log("touchstone-decisions 1\nx 1\n", &log, &err));
  EXPECT_EQ(err, "line 2: expected 's <n> <option>' or 'v <value>'");
  EXPECT_TRUE(sim::parse_log("touchstone-decisions 1\ns 2 1\nv 99\n", &log, &err)) << err;
  EXPECT_EQ(log.size(), 2u);
}

TEST(Sim, DeadlockDetectorFires) {
  auto s = sim::make_random(1);
  sim::Result r = sim::run(sim::Config{}, *s, [] {
    runtime::Note never;
    never.sleep();  // nobody will wake it
  });
  EXPECT_EQ(r.failure, sim::Failure::Deadlock) << r.message;
  EXPECT_NE(r.message.find("thread 0 waiting"), std::string::npos) << r.message;
}

TEST(Sim, StepBoundFires) {
  auto s = sim::make_random(1);
  sim::Config cfg;
  cfg.max_steps = 10000;
  sim::Result r = sim::run(cfg, *s, [] {
    platform::Atomic<int> x{0};
    while (x.load(platform::relaxed) == 0) {
    }
  });
  EXPECT_EQ(r.failure, sim::Failure::StepBound);
  EXPECT_EQ(r.steps, 10001u);
}

TEST(Sim, DetectorsSilentOnCorrectRuns) {
  for (std::uint64_t seed = 1; seed <= 50; seed++) {
    auto s = sim::make_random(seed);
    sim::Result r = sim::run(sim::Config{}, *s, [] {
      runtime::Note n;
      platform::Thread t;
      t.start([](void* p) { static_cast<runtime::Note*>(p)->wakeup(); }, &n);
      n.sleep();
      t.join();
      platform::usleep(1000);  // virtual time: jumps, no deadlock
    });
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_GE(r.vtime_ns, 1000 * 1000);
  }
}

TEST(Sim, RuntimeFatalIsAStructuredFailureAndTheNextRunIsClean) {
  auto s = sim::make_random(3);
  [[maybe_unused]] AbandonedRun abandoned;
  sim::Result r = simulate(sim::Config{}, *s, [] {
    Runtime rt(Config{.procs = 2});
    rt.run([] {
      Chan<int> c;
      c.recv();  // everyone asleep
    });
  });
  EXPECT_EQ(r.failure, sim::Failure::Fatal);
  EXPECT_EQ(r.message, "fatal error: all goroutines are asleep - deadlock!");
  // Replaying the failure reproduces it exactly.
  auto rp = sim::make_replay(r.log);
  sim::Result again = simulate(sim::Config{}, *rp, [] {
    Runtime rt(Config{.procs = 2});
    rt.run([] {
      Chan<int> c;
      c.recv();
    });
  });
  EXPECT_EQ(again.failure, sim::Failure::Fatal);
  EXPECT_EQ(again.message, r.message);
  EXPECT_EQ(again.steps, r.steps);
  auto s2 = sim::make_random(4);
  EXPECT_TRUE(run_once(*s2, 3).result.ok());
}

TEST(Sim, SixteenMsAndThousandsOfGoroutines) {
  auto s = sim::make_random(5);
  long sum = 0;
  int threads = 0;
  sim::Config cfg;
  cfg.max_steps = 50'000'000;
  sim::Result r = simulate(cfg, *s, [&] {
    Runtime rt(Config{.procs = 16});
    rt.run([&] {
      Chan<long> results(64);
      for (int i = 0; i < 2000; i++) {
        go([results, i] {
          for (int k = 0; k < 3; k++) gosched();  // keep every P busy for a while
          results.send(i);
        });
      }
      for (int i = 0; i < 2000; i++) sum += results.recv();
    });
  });
  threads = r.threads;
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(sum, 1999L * 2000 / 2);
  EXPECT_GE(threads, 18) << "16 Ms plus the host and sysmon expected; got " << threads;
}

// ---- a known-buggy wakeup protocol: PCT finds it faster than Random --------------------------
//
// One worker consumes kItems items; one submitter produces them. The worker, finding no work,
// announces that it sleeps and sleeps on a futex; the submitter publishes an item and wakes the
// worker if it announced sleeping. The buggy worker checks for work *before* announcing (the
// "decrement before re-checking" bug of the spinning-M protocol): an item published in between
// is seen by nobody and the worker sleeps forever -> the world reports a deadlock. Two noise
// threads do unrelated atomic work, so a random schedule rarely hits the one-step window.
struct Protocol {
  platform::Atomic<int> work{0};
  platform::Atomic<int> sleeping{0};
  platform::Atomic<std::uint32_t> word{0};
  platform::Atomic<int> noise{0};
  bool buggy = true;
  static constexpr int kItems = 3;
};

void worker(void* p) {
  auto* s = static_cast<Protocol*>(p);
  for (int done = 0; done < Protocol::kItems;) {
    if (s->work.load(platform::acquire) > 0) {
      s->work.fetch_sub(1, platform::acq_rel);
      done++;
      continue;
    }
    if (s->buggy) {
      // BUG: checked above, announce now: an item published in between is missed.
      s->sleeping.store(1, platform::seq_cst);
    } else {
      s->sleeping.store(1, platform::seq_cst);
      if (s->work.load(platform::seq_cst) > 0) {  // re-check after announcing
        s->sleeping.store(0, platform::relaxed);
        continue;
      }
    }
    const std::uint32_t w = s->word.load(platform::acquire);
    if (s->sleeping.load(platform::acquire) == 1) {
      platform::futexsleep(static_cast<std::uint32_t*>(s->word.address()), w, -1);
    }
  }
}

void submitter(void* p) {
  auto* s = static_cast<Protocol*>(p);
  for (int i = 0; i < Protocol::kItems; i++) {
    for (int k = 0; k < 20; k++) s->noise.fetch_add(1, platform::relaxed);  // unrelated work
    s->work.fetch_add(1, platform::seq_cst);
    if (s->sleeping.exchange(0, platform::seq_cst) == 1) {
      s->word.fetch_add(1, platform::release);
      platform::futexwakeup(static_cast<std::uint32_t*>(s->word.address()), 1);
    }
  }
}

void noise(void* p) {
  auto* s = static_cast<Protocol*>(p);
  for (int k = 0; k < 60; k++) s->noise.fetch_add(1, platform::relaxed);
}

sim::Result run_protocol(sim::Strategy& st, bool buggy) {
  return sim::run(sim::Config{}, st, [buggy] {
    Protocol s;
    s.buggy = buggy;
    platform::Thread t[4];
    t[0].start(worker, &s);
    t[1].start(submitter, &s);
    t[2].start(noise, &s);
    t[3].start(noise, &s);
    for (auto& th : t) th.join();
  });
}

// Runs until the first failing execution; returns how many runs it took (0: not found).
template <class Make>
int runs_to_find(Make make, int budget) {
  for (int i = 1; i <= budget; i++) {
    auto st = make(std::uint64_t(i));
    sim::Result r = run_protocol(*st, true);
    if (!r.ok()) {
      EXPECT_EQ(r.failure, sim::Failure::Deadlock) << r.message;
      return i;
    }
  }
  return 0;
}

TEST(Sim, PctFindsTheLostWakeupFasterThanRandom) {
  // The correct protocol never fails under either strategy.
  for (std::uint64_t seed = 1; seed <= 300; seed++) {
    auto a = sim::make_random(seed);
    auto b = sim::make_pct(seed, 2, 400);
    ASSERT_TRUE(run_protocol(*a, false).ok()) << "random seed " << seed;
    ASSERT_TRUE(run_protocol(*b, false).ok()) << "pct seed " << seed;
  }
  constexpr int kBudget = 20000;
  const int pct = runs_to_find([](std::uint64_t s) { return sim::make_pct(s, 2, 400); }, kBudget);
  const int random = runs_to_find([](std::uint64_t s) { return sim::make_random(s); }, kBudget);
  std::printf("[ sim ] lost wakeup found by PCT(depth 2) after %d runs, by Random after %d runs (0 = not in %d)\n",
              pct, random, kBudget);
  ASSERT_GT(pct, 0) << "PCT did not find the bug in " << kBudget << " runs";
  EXPECT_TRUE(random == 0 || random > pct) << "random " << random << " pct " << pct;
}

}  // namespace
}  // namespace touchstone
