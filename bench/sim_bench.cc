// bench/sim_bench.cc — simulator throughput: complete simulated executions per second.
//
//   sim_bench --peer-format [--only sim-runq|sim-sched] [--scale S]
//
//   sim-runq   one owner and two thief threads on one P's run queue: the owner puts 16 Gs
//              (some to runnext) and takes some back while the thieves steal; a few hundred
//              atomic operations per execution, every one a scheduling point (Random strategy)
//   sim-sched  the whole runtime: 4 Ps, 20 goroutines passing values over channels
//
// Each execution is a fresh world with a new Random seed; the strategy, world and runtime are
// reset between executions exactly as a fuzzing harness would do.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/proc.h"
#include "runtime/sim_harness.h"
#include "runtime/touchstone.h"

namespace {

using namespace touchstone;

struct RunqScene {
  runtime::P owner, thief1, thief2;
  runtime::G gs[16];
  int taken = 0;
};

void thief(void* arg) {
  auto* pair = static_cast<std::pair<RunqScene*, runtime::P*>*>(arg);
  bool inherit;
  for (int i = 0; i < 3; i++) {
    if (runtime::runqsteal(pair->second, &pair->first->owner, i == 2) != nullptr) pair->first->taken++;
    while (runtime::runqget(pair->second, &inherit) != nullptr) pair->first->taken++;
  }
}

void runq_execution() {
  RunqScene s;
  for (int i = 0; i < 16; i++) s.gs[i].goid = i + 1;
  s.owner.status.store(runtime::Prunning, platform::relaxed);
  std::pair<RunqScene*, runtime::P*> a{&s, &s.thief1}, b{&s, &s.thief2};
  platform::Thread t1, t2;
  t1.start(thief, &a);
  t2.start(thief, &b);
  bool inherit;
  for (int i = 0; i < 16; i++) {
    runtime::runqput(&s.owner, &s.gs[i], i % 5 == 0);
    if (i % 4 == 3 && runtime::runqget(&s.owner, &inherit) != nullptr) s.taken++;
  }
  t1.join();
  t2.join();
  while (runtime::runqget(&s.owner, &inherit) != nullptr) s.taken++;
  if (s.taken != 16) platform::fatal("fatal error: ", "sim-runq: a G was lost or duplicated");
}

void sched_execution() {
  Runtime rt(Config{.procs = 4});
  rt.run([] {
    Chan<int> c(2);
    WaitGroup wg;
    wg.add(20);
    for (int i = 0; i < 10; i++) {
      go([c, wg, i] {
        c.send(i);
        wg.done();
      });
      go([c, wg] {
        c.recv();
        wg.done();
      });
    }
    wg.wait();
  });
}

template <class Body>
double executions_per_second(long n, Body body, unsigned long long* steps) {
  sim::Config cfg;
  *steps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; i++) {
    auto s = sim::make_random(std::uint64_t(i) + 1);
    sim::Result r = simulate(cfg, *s, body);
    if (!r.ok()) {
      std::fprintf(stderr, "sim_bench: execution %ld failed: %s\n", i, r.message.c_str());
      std::exit(1);
    }
    *steps += r.steps;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return double(n) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only;
  double scale = 1.0;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--peer-format") continue;
    if ((a == "--only" || a == "--scale" || a == "--reps-internal") && i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--only") only = v;
      if (a == "--scale") scale = std::atof(v.c_str());
      continue;
    }
    std::fprintf(stderr, "sim_bench: unknown argument '%s' (usage: sim_bench --peer-format [--only NAME] [--scale S])\n",
                 a.c_str());
    return 2;
  }
  if (!only.empty() && only != "sim-runq" && only != "sim-sched") {
    std::fprintf(stderr, "sim_bench: unknown workload '%s' (sim-runq, sim-sched)\n", only.c_str());
    return 2;
  }
  if (!(scale > 0)) scale = 1.0;
  auto report = [&](const char* name, long base, void (*body)()) {
    if (!only.empty() && only != name) return;
    const long n = std::max(1L, long(double(base) * scale));
    unsigned long long steps = 0;
    const double eps = executions_per_second(n, body, &steps);
    std::printf("BENCH %s executions/s %.0f %ld\n", name, eps, n);
    std::fprintf(stderr, "%s: %.0f scheduling points per execution, %.2fM points/s\n", name, double(steps) / double(n),
                 eps * double(steps) / double(n) / 1e6);
  };
  report("sim-runq", 20000, runq_execution);
  report("sim-sched", 2000, sched_execution);
  return 0;
}
