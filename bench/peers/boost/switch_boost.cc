// Boost.Context peer for Touchstone's `switch` workload.
//
// Two boost::context::fiber contexts (main and one fiber) ping-pong via
// resume(); one round trip is two switches (main -> fiber -> main). Prints
//
//   BENCH switch ns/roundtrip <value> <iterations>
//
// Usage: boost_switch_bench [--only NAME] [--scale S] [--peer-format]
//   --only NAME   run only NAME; any workload other than `switch` prints nothing
//   --scale S     multiply the iteration count (default 10,000,000) by S;
//                 defaults to $TOUCHSTONE_BENCH_SCALE, else 1.0
//   --peer-format accepted and ignored (the output is always the BENCH line)
//
// Build: g++ -O2 -std=c++20 switch_boost.cc -lboost_context

#include <boost/context/fiber.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace ctx = boost::context;

namespace {

constexpr std::int64_t kDefaultN = 10'000'000;

// Written by the fiber on every switch in, read by main: keeps the loop from
// being optimised away and lets us check the number of round trips.
volatile std::int64_t g_counter = 0;
bool g_stop = false;

// Runs n round trips and returns the elapsed nanoseconds.
std::int64_t run_switch(std::int64_t n) {
  g_stop = false;
  g_counter = 0;
  ctx::fiber f{[](ctx::fiber&& main_ctx) {
    while (!g_stop) {
      g_counter = g_counter + 1;
      main_ctx = std::move(main_ctx).resume();
    }
    return std::move(main_ctx);
  }};
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < n; ++i) {
    f = std::move(f).resume();
  }
  const auto stop = std::chrono::steady_clock::now();
  g_stop = true;
  f = std::move(f).resume();  // fiber returns; f becomes empty
  if (f || g_counter != n) {
    std::fprintf(stderr, "boost_switch_bench: fiber did not finish cleanly (count %lld, want %lld)\n",
                 static_cast<long long>(g_counter), static_cast<long long>(n));
    std::exit(1);
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count();
}

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: boost_switch_bench [--only NAME] [--scale S] [--peer-format]\n");
  std::exit(code);
}

bool parse_scale(const char* s, double* out) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v > 0)) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double scale = 1.0;
  if (const char* env = std::getenv("TOUCHSTONE_BENCH_SCALE"); env && *env) {
    if (!parse_scale(env, &scale)) {
      std::fprintf(stderr, "boost_switch_bench: bad TOUCHSTONE_BENCH_SCALE '%s'\n", env);
      return 2;
    }
  }
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string val;
    bool has_val = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_val = true;
    }
    auto next = [&]() -> std::string {
      if (has_val) return val;
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(0);
    } else if (a == "--peer-format") {
      // accepted for symmetry with touchstone_bench
    } else if (a == "--only" || a == "-only") {
      only = next();
    } else if (a == "--scale" || a == "-scale") {
      if (!parse_scale(next().c_str(), &scale)) {
        std::fprintf(stderr, "boost_switch_bench: --scale must be a number > 0\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "boost_switch_bench: unknown argument '%s'\n", argv[i]);
      usage(2);
    }
  }
  if (!only.empty() && only != "switch") return 0;

  std::int64_t n = static_cast<std::int64_t>(static_cast<double>(kDefaultN) * scale);
  if (n < 1) n = 1;
  run_switch(n / 10 > 0 ? n / 10 : 1);  // untimed warm-up
  const std::int64_t ns = run_switch(n);
  std::printf("BENCH switch ns/roundtrip %.3f %lld\n", static_cast<double>(ns) / static_cast<double>(n),
              static_cast<long long>(n));
  return 0;
}
