// The litmus catalog under every memory model, and the memory models' own properties: sc is
// untouched, weak and tso runs replay bit-exactly, locations reset between runs and on reuse,
// the decision-log and litmus parsers reject bad input with a line number.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include "conformance/litmus/litmus.h"
#include "conformance/litmus/sc_baseline.h"
#include "platform/sim/atomic.h"
#include "platform/sim/os.h"
#include "runtime/sim_harness.h"

namespace touchstone::litmus {
namespace {

const sim::Model kAll[] = {sim::Model::Sc, sim::Model::Tso, sim::Model::Weak};

std::vector<litmus::Test> load_catalog() {
  std::vector<litmus::Test> tests;
  for (const auto& f : catalog_files(default_catalog_dir())) {
    std::string err;
    EXPECT_TRUE(parse_file(f, &tests, &err)) << err;
  }
  return tests;
}

TEST(Litmus, CatalogHasTheClassicTests) {
  const auto tests = load_catalog();
  EXPECT_GE(tests.size(), 25u);
  for (const char* name : {"SB", "MP", "LB", "WRC", "IRIW", "2+2W", "R", "S", "CoRR", "CoWW", "CoRW1", "CoWR",
                           "SB+fences-sc", "MP+rel+acq", "IRIW+sc", "R+fences-sc", "S+rel+acq"}) {
    EXPECT_TRUE(std::any_of(tests.begin(), tests.end(), [&](const litmus::Test& t) { return t.name == name; })) << name;
  }
}

// The point of the catalog: every model produces exactly what the expectations allow.
// `keep` picks the tests; prints one line per test and the total runs and seconds.
void catalog_passes(const std::function<bool(const litmus::Test&)>& keep) {
  const auto tests = load_catalog();
  std::uint64_t runs = 0;
  std::size_t ran = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const litmus::Test& t : tests) {
    if (!keep(t)) continue;
    ran++;
    std::string line = t.name;
    for (sim::Model m : kAll) {
      const ModelResult r = run_test(t, m);
      runs += r.runs;
      line += std::string("  ") + sim::model_name(m) + ": " + std::to_string(r.found.size()) + " outcomes/" +
              std::to_string(r.runs) + " runs";
      for (const auto& p : r.problems) ADD_FAILURE() << t.file << ":" << t.line << ": " << t.name << " under " << sim::model_name(m) << ": " << p;
    }
    std::printf("%s\n", line.c_str());
  }
  EXPECT_GT(ran, 0u);
  std::printf("%zu tests, %llu runs in %.2f s\n", ran, static_cast<unsigned long long>(runs),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// The whole catalog: about 4.5 million runs (IRIW-shaped tests dominate), about a minute in a
// release build. ctest runs it as `litmus_catalog`, in release builds only (labels release,
// litmus; conformance/litmus/CMakeLists.txt), and `touchstone litmus` runs the same search.
TEST(Litmus, CatalogPassesUnderEveryModel) {
  catalog_passes([](const litmus::Test&) { return true; });
}

// The part of the catalog with at most three threads (every shape except IRIW and CoRR2, whose
// four threads cost 99% of the runs): every model still meets every SB, MP, LB, R, S, 2+2W, WRC,
// coherence, RMW and fence expectation. This is what the dev, asan and tsan tiers run.
TEST(Litmus, SmallCatalogPassesUnderEveryModel) {
  catalog_passes([](const litmus::Test& t) { return t.threads.size() <= 3; });
}

// The sc oracle and the sc model agree, and a relaxed outcome outside the oracle is reported.
TEST(Litmus, UnexpectedOutcomesAreReported) {
  std::vector<litmus::Test> tests;
  std::string err;
  // SB without the expectation: the tso and weak runs find 0:r0=0 1:r0=0, which is neither sc nor allowed.
  ASSERT_TRUE(parse("test SBbare\ncite none\ninit x=0 y=0\nthread 0: st x 1 rlx; ld r0 y rlx\n"
                    "thread 1: st y 1 rlx; ld r0 x rlx\nexpect 0:r0=1 1:r0=1 : sc=allowed tso=allowed weak=allowed\nend\n",
                    "t", &tests, &err))
      << err;
  EXPECT_TRUE(run_test(tests[0], sim::Model::Sc).problems.empty());
  const auto tso = run_test(tests[0], sim::Model::Tso);
  ASSERT_EQ(tso.problems.size(), 1u);
  EXPECT_NE(tso.problems[0].find("unexpected outcome"), std::string::npos) << tso.problems[0];
  EXPECT_EQ(run_test(tests[0], sim::Model::Weak).problems.size(), 1u);
}

TEST(Litmus, BadInputGivesFileAndLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"nonsense\n", "f:1: expected 'test NAME'"},
      {"test A\ncite c\ninit x=0\nthread 0: st y 1 rlx\nend\n", "f:4: unknown location 'y'"},
      {"test A\ncite c\ninit x=0\nthread 0: ld r0 x rel\nend\n", "f:4: memory order 'rel' is not valid for 'ld'"},
      {"test A\ncite c\ninit x=0\nthread 1: st x 1 rlx\nend\n", "f:4: threads must be numbered"},
      {"test A\ncite c\ninit x=0\nthread 0: st x 1 rlx\nexpect 0:r0=1 : sc=allowed tso=allowed weak=allowed\nend\n",
       "f:5: thread 0 has no register 'r0'"},
      {"test A\ncite c\ninit x=0\nthread 0: ld r0 x rlx\nexpect 0:r0=1 : sc=allowed tso=maybe weak=allowed\nend\n",
       "f:5: expected 'allowed' or 'forbidden'"},
      {"test A\ncite c\ninit x=0\nthread 0: ld r0 x rlx\nexpect 0:r0=1 : sc=allowed weak=allowed\nend\n",
       "f:5: an expectation must give sc, tso and weak"},
      {"test A\ninit x=0\nthread 0: ld r0 x rlx\nexpect 0:r0=0 : sc=allowed tso=allowed weak=allowed\nend\n",
       "f:5: test 'A' has no 'cite'"},
      {"test A\ncite c\ninit x=0\nthread 0: ld r0 x rlx;\nend\n", "f:4: empty instruction"},
      {"test A\ncite c\ninit x=0\nthread 0: ld r0 x rlx\n", "f:4: test 'A' has no 'end'"},
      {"test A\ncite c\ninit x=0\nthread 0: st x 99999999999999999999 rlx\nend\n", "f:4: expected a number"},
  };
  for (const Case& c : cases) {
    std::vector<litmus::Test> tests;
    std::string err;
    EXPECT_FALSE(parse(c.text, "f", &tests, &err)) << c.text;
    EXPECT_EQ(err.rfind(c.error, 0), 0u) << "got: " << err << "\nwant: " << c.error;
  }
}

// ---- the memory models ------------------------------------------------------------------------

TEST(MemoryModel, ArchNamesMapToModels) {
  sim::Model m = sim::Model::Sc;
  EXPECT_TRUE(sim::model_for_arch("x86_64", &m));
  EXPECT_EQ(m, sim::Model::Tso);
  EXPECT_TRUE(sim::model_for_arch("aarch64", &m));
  EXPECT_EQ(m, sim::Model::Weak);
  EXPECT_TRUE(sim::model_for_arch("riscv64", &m));
  EXPECT_EQ(m, sim::Model::Weak);
  EXPECT_FALSE(sim::model_for_arch("mips", &m));
  EXPECT_EQ(sim::Config{}.model, sim::Model::Sc);  // the default stays sc
  EXPECT_EQ(sim::Config{}.history, 8u);
}

// sc draws no memory-model decision and is the default: a run with the default config and one
// with an explicit sc config are the same run. (Bit-identity with the simulator before memory
// models was checked when they were added: docs/MEMORY-MODELS.md, "sc is untouched".)
TEST(MemoryModel, ScDrawsNoNewDecisions) {
  for (std::uint64_t seed = 1; seed <= 5; seed++) {
    for (const char* s : {"random", "pct", "bytes"}) {
      auto a = strategy_from_name(s, seed);
      auto b = strategy_from_name(s, seed);
      sim::Config def;
      sim::Config sc;
      sc.model = sim::Model::Sc;
      const auto ra = runq_workload_run(def, *a);
      const auto rb = runq_workload_run(sc, *b);
      ASSERT_TRUE(ra.ok()) << ra.message;
      EXPECT_EQ(ra.hash, rb.hash);
      for (const auto& d : ra.log) {
        ASSERT_TRUE(d.kind == sim::Choice::Schedule || d.kind == sim::Choice::Value);
      }
    }
  }
}

// Weak and tso runs of the runtime replay bit-exactly from their logs, also through the text form.
TEST(MemoryModel, WeakAndTsoRunsReplay) {
  for (sim::Model m : {sim::Model::Tso, sim::Model::Weak}) {
    bool saw_model_decision = false;
    for (std::uint64_t seed = 1; seed <= 10; seed++) {
      sim::Config cfg;
      cfg.model = m;
      auto st = strategy_from_name(seed % 2 ? "random" : "pct", seed);
      const auto r = runq_workload_run(cfg, *st);
      ASSERT_TRUE(r.ok()) << sim::model_name(m) << " seed " << seed << ": " << r.message;
      for (const auto& d : r.log) saw_model_decision |= d.kind == sim::Choice::ReadFrom || d.kind == sim::Choice::Flush;
      std::vector<sim::Decision> log;
      std::string err;
      ASSERT_TRUE(sim::parse_log(sim::encode_log(r.log), &log, &err)) << err;
      ASSERT_EQ(log, r.log);
      auto rp = sim::make_replay(log);
      const auto r2 = runq_workload_run(cfg, *rp);
      EXPECT_TRUE(r2.ok()) << r2.message;
      EXPECT_EQ(r2.hash, r.hash);
      EXPECT_EQ(r2.steps, r.steps);
    }
    EXPECT_TRUE(saw_model_decision) << sim::model_name(m);
  }
}

TEST(MemoryModel, LogTextHasReadFromAndFlushLines) {
  std::vector<sim::Decision> log;
  std::string err;
  ASSERT_TRUE(sim::parse_log("touchstone-decisions 1\ns 2 1\nr 3 2\nf 2 0\nv 7\n", &log, &err)) << err;
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[1], (sim::Decision{sim::Choice::ReadFrom, 3, 2}));
  EXPECT_EQ(log[2], (sim::Decision{sim::Choice::Flush, 2, 0}));
  EXPECT_EQ(sim::encode_log(log), "touchstone-decisions 1\ns 2 1\nr 3 2\nf 2 0\nv 7\n");
  EXPECT_FALSE(sim::parse_log("touchstone-decisions 1\nr 3 3\n", &log, &err));
  EXPECT_EQ(err, "line 2: a read-from decision needs n >= 2 and option < n");
  EXPECT_FALSE(sim::parse_log("touchstone-decisions 1\nf 1 0\n", &log, &err));
}

// Explores every run of `body` (as run_test does) and collects what `observe` returns.
std::set<std::uint64_t> all_values(sim::Model m, const std::function<std::uint64_t()>& body) {
  struct Dfs final : sim::Strategy {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> path;
    std::size_t pos = 0;
    std::uint32_t choose(sim::Choice, std::uint32_t n, std::span<const int>) override {
      if (pos < path.size()) return path[pos++].second;
      path.push_back({n, 0});
      pos++;
      return 0;
    }
    std::uint64_t value() override { return 0; }
    std::string describe() const override { return "dfs"; }
  } dfs;
  std::set<std::uint64_t> out;
  sim::Config cfg;
  cfg.model = m;
  do {
    dfs.pos = 0;
    std::uint64_t v = 0;
    const auto r = sim::run(cfg, dfs, [&] { v = body(); });
    EXPECT_TRUE(r.ok()) << r.message;
    out.insert(v);
    while (!dfs.path.empty() && dfs.path.back().second + 1 >= dfs.path.back().first) dfs.path.pop_back();
    if (!dfs.path.empty()) dfs.path.back().second++;
  } while (!dfs.path.empty());
  return out;
}

// A location reused for a new object within a run (a freed G reallocated) starts a fresh
// history: the constructor's value is its initialisation, and stale stores of the old object
// are never read.
TEST(MemoryModel, ReusedMemoryStartsAFreshHistory) {
  using A = platform::Atomic<std::uint64_t>;
  const auto values = all_values(sim::Model::Weak, [] {
    alignas(A) static unsigned char buf[sizeof(A)];
    platform::Atomic<std::uint64_t> flag(0);
    auto* a = new (buf) A(0);
    platform::Thread t;
    t.start([](void* p) { static_cast<A*>(p)->store(5, std::memory_order_relaxed); }, a);
    t.join();
    a->~A();
    a = new (buf) A(7);  // same address, new object
    const std::uint64_t v = a->load(std::memory_order_relaxed);
    a->~A();
    return v;
  });
  EXPECT_EQ(values, (std::set<std::uint64_t>{7}));
}

// A weak relaxed load may read a stale store; the next run starts from the final value (the
// history does not leak), and outside a run an Atomic is a plain value.
TEST(MemoryModel, HistoryIsPerRun) {
  using A = platform::Atomic<std::uint64_t>;
  static A x(0);
  static A y(0);
  x.store(0, std::memory_order_relaxed);
  const auto stale = all_values(sim::Model::Weak, [] {
    platform::Thread t;
    t.start([](void*) { x.store(1, std::memory_order_relaxed); }, nullptr);
    const std::uint64_t a = x.load(std::memory_order_relaxed);
    t.join();
    y.store(a, std::memory_order_relaxed);
    return a;
  });
  EXPECT_EQ(stale, (std::set<std::uint64_t>{0, 1}));
  // Now x == 1 outside any run; a new run must treat 1 as the initial value, not offer 0.
  EXPECT_EQ(x.load(std::memory_order_relaxed), 1u);
  const auto fresh = all_values(sim::Model::Weak, [] { return x.load(std::memory_order_relaxed); });
  EXPECT_EQ(fresh, (std::set<std::uint64_t>{1}));
}

// Executions per second of the run-queue workload under each model (docs/MEMORY-MODELS.md).
TEST(MemoryModel, Throughput) {
  double rate[3] = {0, 0, 0};
  for (sim::Model m : kAll) {
    const int runs = 150;
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t decisions = 0;
    for (int i = 1; i <= runs; i++) {
      sim::Config cfg;
      cfg.model = m;
      auto st = strategy_from_name("random", std::uint64_t(i));
      const auto r = runq_workload_run(cfg, *st);
      ASSERT_TRUE(r.ok()) << sim::model_name(m) << ": " << r.message;
      decisions += r.log.size();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rate[int(m)] = runs / s;
    std::printf("throughput %-4s %8.0f executions/s  %6.0f decisions/run\n", sim::model_name(m), rate[int(m)],
                double(decisions) / runs);
  }
  std::printf("weak costs %.2fx sc, tso %.2fx sc\n", rate[0] / rate[2], rate[0] / rate[1]);
}

}  // namespace
}  // namespace touchstone::litmus
