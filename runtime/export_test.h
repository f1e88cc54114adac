// runtime/export_test.h — test-only access to the runtime's internals (Go's export_test.go).
// Included only by *_test.cc files.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "runtime/gogo.h"
#include "runtime/gstatus.h"
#include "runtime/proc.h"
#include "runtime/touchstone.h"
#include "runtime/trace.h"

namespace touchstone::testing {

// Runs fn as the main goroutine of a fresh runtime with `procs` Ps.
inline void RunMain(int procs, std::function<void()> fn, TraceListener* trace = nullptr) {
  Config cfg;
  cfg.procs = procs;
  cfg.trace = trace;
  Runtime rt(cfg);
  rt.run(std::move(fn));
}

inline void RunMain(Config cfg, std::function<void()> fn) {
  Runtime rt(cfg);
  rt.run(std::move(fn));
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
