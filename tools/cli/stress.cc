// tools/cli/stress.cc — see stress.h.
//
// The online check is deliberately small (the full conformance checker is its own issue): every
// G status change must be a legal edge of the transition table and must start where that
// goroutine's previous change ended; every created goroutine except main must end (Gdead);
// per-round sums computed by the goroutines must match.
#include "tools/cli/stress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include "runtime/gstatus.h"
#include "runtime/touchstone.h"

namespace touchstone::cli {

namespace {

class OnlineCheck : public TraceListener {
 public:
  void event(const runtime::Event& ev) override {
    std::lock_guard<std::mutex> l(mu_);
    res_.events++;
    switch (ev.kind) {
      case runtime::EvKind::GStatus: {
        res_.transitions++;
        if (!runtime::gtransition_legal(ev.a, ev.b)) {
          fail(fmt::format("G-TRANS: goroutine {} took illegal edge {} -> {} on M{}", ev.g,
                           runtime::gstatus_name(ev.a), runtime::gstatus_name(ev.b), ev.m));
        }
        auto [it, fresh] = last_.try_emplace(ev.g, ev.b);
        if (!fresh) {
          if (it->second != ev.a) {
            fail(fmt::format("G-TRANS: goroutine {} went {} -> {} but was {}", ev.g, runtime::gstatus_name(ev.a),
                             runtime::gstatus_name(ev.b), runtime::gstatus_name(it->second)));
          }
          it->second = ev.b;
        }
        break;
      }
      case runtime::EvKind::GoCreate: res_.goroutines++; break;
      case runtime::EvKind::RunqSteal: res_.steals++; break;
      case runtime::EvKind::StwBegin: res_.stw++; break;
      case runtime::EvKind::Retake: res_.retakes++; break;
      case runtime::EvKind::PreemptRequest: res_.preemptions++; break;
      default: break;
    }
  }
  void fail(std::string msg) {
    if (res_.violations.size() < 20) res_.violations.push_back(std::move(msg));
  }
  StressResult finish(std::int64_t maingoid) {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [g, s] : last_) {
      if (g != maingoid && s != runtime::Gdead) {
        fail(fmt::format("CONSERVE: goroutine {} ended the run in {}, not Gdead", g, runtime::gstatus_name(s)));
      }
    }
    return res_;
  }

 private:
  std::mutex mu_;
  std::map<std::int64_t, std::uint32_t> last_;
  StressResult res_;
};

// One round: producers spawn workers that pass values through buffered and unbuffered
// channels, take a mutex, make short syscalls and yield. Returns the sum of received values.
long round(int n, int r) {
  Chan<long> results(64);
  Chan<long> relay;
  Mutex mu;
  long shared = 0;
  WaitGroup wg;
  wg.add(n);
  for (int i = 0; i < n; i++) {
    go([=, &shared] {
      switch (i % 4) {
        case 0: relay.send(i); break;
        case 1: results.send(relay.recv()); break;
        case 2:
          mu.lock();
          shared++;
          mu.unlock();
          results.send(0);
          break;
        default:
          syscall([] { ::usleep(10); });
          gosched();
          results.send(0);
          break;
      }
      wg.done();
    });
  }
  long sum = 0;
  const int expect = n - (n + 3) / 4;  // every G except the relay senders sends one result
  for (int i = 0; i < expect; i++) sum += results.recv();
  wg.wait();
  if (shared != (n + 1) / 4) {
    std::fprintf(stderr, "round %d: mutex-protected counter %ld, want %d\n", r, shared, (n + 1) / 4);
    return -1;
  }
  return sum;
}

}  // namespace

StressResult run_stress(const StressOptions& opt) {
  OnlineCheck check;
  Config cfg;
  cfg.procs = opt.procs;
  cfg.seed = opt.seed;
  cfg.trace = &check;
  std::int64_t maingoid = 0;
  std::vector<std::string> semantic;
  const auto t0 = std::chrono::steady_clock::now();
  Runtime rt(cfg);
  rt.run([&] {
    maingoid = goid();
    for (int r = 0; r < opt.rounds; r++) {
      const int n = opt.goroutines;
      long want = 0;
      for (int i = 0; i < n; i++) want += i % 4 == 0 && i + 1 < n ? i : 0;
      // The relay pairs sender i (i%4==0) with some receiver (i%4==1); only complete pairs exist
      // when every sender has a receiver: use n divisible by 4.
      const long got = round(n, r);
      if (got != want) semantic.push_back(fmt::format("CHAN-DELIVER: round {} summed {}, want {}", r, got, want));
      if (opt.resize) gomaxprocs(1 + (r % opt.procs));
      if (opt.progress) {
        std::fprintf(stderr, "\rstress: round %d/%d", r + 1, opt.rounds);
        std::fflush(stderr);
      }
    }
    if (opt.progress) std::fprintf(stderr, "\n");
  });
  StressResult res = check.finish(maingoid);
  res.rounds = opt.rounds;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& s : semantic) res.violations.push_back(s);
  return res;
}

}  // namespace touchstone::cli
