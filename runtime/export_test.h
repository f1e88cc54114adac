// runtime/export_test.h — test-only access to the runtime's internals (Go's export_test.go).
// Included only by *_test.cc files.
#pragma once

#include <atomic>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <vector>

#include "runtime/gogo.h"
#include "runtime/gstatus.h"
#include "runtime/proc.h"
#include "runtime/touchstone.h"
#include "runtime/trace.h"
#if defined(TOUCHSTONE_PLATFORM_SIM)
#include <cstdio>
#include <cstdlib>

#include "runtime/sim_harness.h"
#endif

namespace touchstone::testing {

// Test sizes scale with TOUCHSTONE_STRESS_SCALE (the sim and slow emulators use < 1).
inline int Scale(int n) {
  const char* s = std::getenv("TOUCHSTONE_STRESS_SCALE");
  const double f = s != nullptr ? std::atof(s) : 1.0;
  const int v = int(n * f);
  return v < 1 ? 1 : v;
}

#if defined(TOUCHSTONE_PLATFORM_SIM)
// The sim build of the scheduler tests: each RunMain is one simulated run under the strategy
// and seed named by TOUCHSTONE_SIM_STRATEGY / TOUCHSTONE_SIM_SEED (ctest sets them). A failed
// run prints its failure and decision-log size and ends the test process with status 2 — the
// same observable behaviour as a native fatal error, so death tests hold on both platforms.
inline void RunMain(Config cfg, std::function<void()> fn) {
  const char* name = std::getenv("TOUCHSTONE_SIM_STRATEGY");
  const char* seed = std::getenv("TOUCHSTONE_SIM_SEED");
  auto strategy = strategy_from_name(name != nullptr ? name : "random", seed != nullptr ? std::strtoull(seed, nullptr, 10) : 1);
  // Virtual time is work (sim::Config::step_ns per scheduling point), so sysmon's 10 ms
  // preemption costs 50,000 points; 2 ms keeps the hostile tests (spawn chains starving a P,
  // which Go also only breaks by preemption) within the step bound.
  if (cfg.force_preempt_ns > 2'000'000) cfg.force_preempt_ns = 2'000'000;
  sim::Config simcfg;
  simcfg.max_steps = 20'000'000;
  sim::Result r = simulate(simcfg, *strategy, [&] {
    Runtime rt(cfg);
    rt.run(fn);
  });
  if (std::getenv("TOUCHSTONE_SIM_VERBOSE") != nullptr) {
    std::fprintf(stderr, "[sim %s: %s, %llu steps, %zu decisions, %d threads, %lld virtual ns]\n",
                 strategy->describe().c_str(), r.ok() ? "ok" : sim::failure_name(r.failure),
                 (unsigned long long)r.steps, r.log.size(), r.threads, (long long)r.vtime_ns);
  }
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n[sim %s: %s after %llu steps, %zu decisions]\n", r.message.c_str(),
                 strategy->describe().c_str(), sim::failure_name(r.failure), (unsigned long long)r.steps, r.log.size());
    std::_Exit(2);
  }
}
#else
inline void RunMain(Config cfg, std::function<void()> fn) {
  Runtime rt(cfg);
  rt.run(std::move(fn));
}
#endif

// Runs fn as the main goroutine of a fresh runtime with `procs` Ps.
inline void RunMain(int procs, std::function<void()> fn, TraceListener* trace = nullptr) {
  Config cfg;
  cfg.procs = procs;
  cfg.trace = trace;
  RunMain(cfg, std::move(fn));
}

// A standalone P and Gs for run-queue tests that do not start the scheduler.
struct FakeSched {
  std::vector<runtime::P*> ps;
  std::vector<runtime::G*> gs;
  explicit FakeSched(int nps, int ngs) {
    runtime::sched.~Sched();
    new (&runtime::sched) runtime::Sched();
    for (int i = 0; i < nps; i++) {
      auto* p = new runtime::P();
      p->id = i;
      p->status.store(runtime::Prunning, platform::relaxed);
      ps.push_back(p);
      runtime::allp[i].store(p, platform::relaxed);
    }
    runtime::gomaxprocs.store(nps, platform::relaxed);
    for (int i = 0; i < ngs; i++) {
      auto* g = new runtime::G();
      g->goid = i + 1;
      g->atomicstatus.store(runtime::Grunnable, platform::relaxed);
      gs.push_back(g);
    }
  }
  ~FakeSched() {
    for (int i = 0; i < int(ps.size()); i++) runtime::allp[i].store(nullptr, platform::relaxed);
    runtime::gomaxprocs.store(0, platform::relaxed);
    for (auto* p : ps) delete p;
    for (auto* g : gs) delete g;
  }
  // Drains the global queue (test-only: no lock contention).
  std::vector<runtime::G*> DrainGlobal() {
    std::vector<runtime::G*> out;
    runtime::sched.lock.lock();
    while (runtime::sched.runqhead_ != nullptr) {
      runtime::G* g = runtime::sched.runqhead_;
      runtime::sched.runqhead_ = g->schedlink;
      out.push_back(g);
    }
    runtime::sched.runqtail_ = nullptr;
    runtime::sched.runqsize.store(0, platform::relaxed);
    runtime::sched.lock.unlock();
    return out;
  }
};

// Collects every event (thread-safe).
class Recorder : public TraceListener {
 public:
  void event(const runtime::Event& ev) override {
    std::lock_guard<std::mutex> l(mu_);
    events_.push_back(ev);
  }
  std::vector<runtime::Event> events() {
    std::lock_guard<std::mutex> l(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::vector<runtime::Event> events_;
};

}  // namespace touchstone::testing
