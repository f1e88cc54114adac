// bench/touchstone_bench.cc — the six workloads of docs/PERFORMANCE.md on the reference runtime.
//
// Two modes:
//   touchstone_bench [Google Benchmark flags]       microbenchmarks (BM_yield, ...), including
//                                                   the cost of the trace hook (BM_*_traced)
//   touchstone_bench --peer-format [--only NAME] [--scale S]
//                                                   one "BENCH <name> <unit> <ns> <n>" line per
//                                                   workload, timed exactly like the Go and
//                                                   Boost peers (bench/peers/), for
//                                                   tools/bench-compare
// The workloads are the same programs as bench/peers/go/peers.go: read them side by side.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "runtime/arch/context.h"
#include "runtime/touchstone.h"

namespace {

using Clock = std::chrono::steady_clock;
using touchstone::Chan;
using touchstone::Config;
using touchstone::Runtime;
using touchstone::WaitGroup;

// Runs body as the main goroutine on `procs` Ps and returns what it measured (ns).
template <class Body>
double in_runtime(int procs, Body body, touchstone::TraceListener* trace = nullptr) {
  double ns = 0;
  Config cfg;
  cfg.procs = procs;
  cfg.trace = trace;
  Runtime rt(cfg);
  rt.run([&] { ns = body(); });
  return ns;
}

double since(Clock::time_point t0) {
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

int ncpu() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

// yield: 2 Gs on 1 P alternately calling Gosched. Returns ns for 2n yields.
double yield_ns(long n, touchstone::TraceListener* trace = nullptr) {
  return in_runtime(
      1,
      [n] {
        WaitGroup wg;
        wg.add(2);
        const auto t0 = Clock::now();
        for (int k = 0; k < 2; k++) {
          touchstone::go([n, wg] {
            for (long i = 0; i < n; i++) touchstone::gosched();
            wg.done();
          });
        }
        wg.wait();
        return since(t0);
      },
      trace);
}

// spawn: 1 P; each G spawns the next and exits. Returns ns for n Gs.
struct SpawnLink {
  long left;
  Chan<int> done;
  void operator()() const {
    if (left == 1) {
      done.close();
      return;
    }
    touchstone::go(SpawnLink{left - 1, done});
  }
};
double spawn_ns(long n) {
  return in_runtime(1, [n] {
    Chan<int> done;
    const auto t0 = Clock::now();
    touchstone::go(SpawnLink{n, done});
    done.recv();
    return since(t0);
  });
}

// pingpong: 1 P, two unbuffered channels. Returns ns for n round trips.
double pingpong_ns(long n, touchstone::TraceListener* trace = nullptr) {
  return in_runtime(
      1,
      [n] {
        Chan<int> ping, pong;
        touchstone::go([n, ping, pong] {
          for (long i = 0; i < n; i++) pong.send(ping.recv());
        });
        const auto t0 = Clock::now();
        for (long i = 0; i < n; i++) {
          ping.send(1);
          pong.recv();
        }
        return since(t0);
      },
      trace);
}

// ring: 1000 Gs in a ring of unbuffered channels pass one token n hops, on all CPUs.
double ring_ns(long n) {
  return in_runtime(ncpu(), [n] {
    constexpr int kRing = 1000;
    std::vector<Chan<long>> chs(kRing);
    Chan<int> done;
    WaitGroup wg;
    wg.add(kRing);
    for (int i = 0; i < kRing; i++) {
      touchstone::go([in = chs[i], out = chs[(i + 1) % kRing], done, wg] {
        for (;;) {
          auto [v, ok] = in.recv2();
          if (!ok) break;
          if (v == 0) {
            done.close();
            break;
          }
          out.send(v - 1);
        }
        wg.done();
      });
    }
    const auto t0 = Clock::now();
    chs[0].send(n);
    done.recv();
    const double ns = since(t0);
    for (auto& c : chs) c.close();
    wg.wait();
    return ns;
  });
}

// fanout: parallel fib(27), a goroutine per call above 12, joined by channels, on all CPUs.
long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
void pfib(int n, Chan<long> out) {
  if (n <= 12) {
    out.send(fib(n));
    return;
  }
  Chan<long> c(2);
  touchstone::go([n, c] { pfib(n - 1, c); });
  touchstone::go([n, c] { pfib(n - 2, c); });
  out.send(c.recv() + c.recv());
}
long pfib_goroutines(int n) { return n <= 12 ? 1 : 1 + pfib_goroutines(n - 1) + pfib_goroutines(n - 2); }
// `trees` trees in a row (one is ~2 ms: too noisy alone), after one warm-up tree (stack pool
// and G free lists), exactly as the Go peer does.
double fanout_ns(long trees, long* result) {
  return in_runtime(ncpu(), [trees, result] {
    Chan<long> out(1);
    touchstone::go([out] { pfib(27, out); });
    out.recv();
    const auto t0 = Clock::now();
    for (long t = 0; t < trees; t++) {
      touchstone::go([out] { pfib(27, out); });
      *result = out.recv();
    }
    return since(t0);
  });
}

// switch: raw gogo/gosave round trip between two contexts (no scheduler).
struct SwitchPair {
  touchstone::arch::Gobuf main, fiber;
  long n = 0;
};
void switch_fiber(void* arg) {
  auto* sp = static_cast<SwitchPair*>(arg);
  for (;;) touchstone::arch::touchstone_gogo_switch(&sp->fiber, &sp->main);
}
double switch_ns(long n) {
  static char stack[64 * 1024] __attribute__((aligned(16)));
  SwitchPair sp;
  touchstone::arch::gostartcall(&sp.fiber, stack + sizeof stack, switch_fiber, &sp);
  for (long i = 0; i < 1000; i++) touchstone::arch::touchstone_gogo_switch(&sp.main, &sp.fiber);
  const auto t0 = Clock::now();
  for (long i = 0; i < n; i++) touchstone::arch::touchstone_gogo_switch(&sp.main, &sp.fiber);
  return since(t0);
}

// A listener that ignores events: what the hook costs when someone listens.
class NullListener : public touchstone::TraceListener {
 public:
  void event(const touchstone::runtime::Event&) override {}
};

// ---- Google Benchmark ---------------------------------------------------------------------

void report_manual(benchmark::State& state, double ns, double units) {
  state.SetIterationTime(ns / 1e9);
  state.counters["ns_per_op"] = ns / units;
}

void BM_yield(benchmark::State& state) {
  for (auto _ : state) report_manual(state, yield_ns(state.range(0)), 2.0 * state.range(0));
}
BENCHMARK(BM_yield)->Arg(200000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_yield_traced(benchmark::State& state) {
  NullListener l;
  for (auto _ : state) report_manual(state, yield_ns(state.range(0), &l), 2.0 * state.range(0));
}
BENCHMARK(BM_yield_traced)->Arg(200000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_spawn(benchmark::State& state) {
  for (auto _ : state) report_manual(state, spawn_ns(state.range(0)), double(state.range(0)));
}
BENCHMARK(BM_spawn)->Arg(200000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_pingpong(benchmark::State& state) {
  for (auto _ : state) report_manual(state, pingpong_ns(state.range(0)), double(state.range(0)));
}
BENCHMARK(BM_pingpong)->Arg(100000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_pingpong_traced(benchmark::State& state) {
  NullListener l;
  for (auto _ : state) report_manual(state, pingpong_ns(state.range(0), &l), double(state.range(0)));
}
BENCHMARK(BM_pingpong_traced)->Arg(100000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_ring(benchmark::State& state) {
  for (auto _ : state) report_manual(state, ring_ns(state.range(0)), double(state.range(0)));
}
BENCHMARK(BM_ring)->Arg(200000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_fanout(benchmark::State& state) {
  long r = 0;
  for (auto _ : state) report_manual(state, fanout_ns(5, &r), 5.0 * double(pfib_goroutines(27)));
  if (r != 196418) state.SkipWithError("fanout: wrong result");
}
BENCHMARK(BM_fanout)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_switch(benchmark::State& state) {
  for (auto _ : state) report_manual(state, switch_ns(state.range(0)), double(state.range(0)));
}
BENCHMARK(BM_switch)->Arg(1000000)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- --peer-format ----------------------------------------------------------------------------

long scaled(long n, double scale) {
  const long v = long(double(n) * scale);
  return v < 1 ? 1 : v;
}

void emit(const char* name, const char* unit, double ns, long units) {
  std::printf("BENCH %s %s %.2f %ld\n", name, unit, ns / double(units), units);
  std::fflush(stdout);
}

int peer_main(const std::string& only, double scale) {
  const char* all[] = {"yield", "spawn", "pingpong", "ring", "fanout", "switch"};
  bool known = only.empty();
  for (const char* w : all) known |= only == w;
  if (!known) {
    std::fprintf(stderr, "touchstone_bench: unknown workload '%s'\n", only.c_str());
    return 2;
  }
  auto want = [&](const char* w) { return only.empty() || only == w; };
  if (want("yield")) {
    const long n = scaled(1000000, scale);
    yield_ns(scaled(n / 10, 1.0));  // warm-up
    emit("yield", "ns/yield", yield_ns(n), 2 * n);
  }
  if (want("spawn")) {
    const long n = scaled(1000000, scale);
    spawn_ns(scaled(n / 10, 1.0));
    emit("spawn", "ns/goroutine", spawn_ns(n), n);
  }
  if (want("pingpong")) {
    const long n = scaled(500000, scale);
    pingpong_ns(scaled(n / 10, 1.0));
    emit("pingpong", "ns/roundtrip", pingpong_ns(n), n);
  }
  if (want("ring")) {
    const long n = scaled(1000000, scale);
    ring_ns(scaled(n / 10, 1.0));
    emit("ring", "ns/hop", ring_ns(n), n);
  }
  if (want("fanout")) {
    long r = 0;
    const long trees = scaled(20, scale);
    const double ns = fanout_ns(trees, &r);
    if (r != 196418) {
      std::fprintf(stderr, "touchstone_bench: fanout: pfib(27) = %ld, want 196418\n", r);
      return 1;
    }
    emit("fanout", "ns/goroutine", ns, trees * pfib_goroutines(27));
  }
  if (want("switch")) {
    const long n = scaled(10000000, scale);
    emit("switch", "ns/roundtrip", switch_ns(n), n);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool peer = false;
  std::string only;
  double scale = 1.0;
  if (const char* s = std::getenv("TOUCHSTONE_BENCH_SCALE")) scale = std::atof(s);
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "touchstone_bench: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--peer-format") {
      peer = true;
    } else if (a == "--only") {
      only = value("--only");
    } else if (a == "--scale") {
      char* end = nullptr;
      const std::string v = value("--scale");
      scale = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(scale > 0)) {
        std::fprintf(stderr, "touchstone_bench: --scale: not a positive number: '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--reps-internal") {
      value("--reps-internal");  // accepted for bench-compare; one repetition per process
    } else if (peer) {
      std::fprintf(stderr, "touchstone_bench: unknown flag '%s' (see bench/peers/README.md)\n", a.c_str());
      return 2;
    }
  }
  if (peer) return peer_main(only, scale);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
