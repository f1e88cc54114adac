// platform/sim/strategy.cc — see strategy.h.
#include "platform/sim/strategy.h"

#include <algorithm>
#include <charconv>

namespace touchstone::sim {

namespace {

// splitmix64: small, fast, and the same on every machine.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::uint32_t n) { return std::uint32_t((next() >> 32) * n >> 32); }
};

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed), rng_{seed} {}
  std::uint32_t choose(Choice, std::uint32_t n, std::span<const int>) override { return rng_.below(n); }
  std::uint64_t value() override { return rng_.next(); }
  std::string describe() const override { return "random(" + std::to_string(seed_) + ")"; }

 private:
  std::uint64_t seed_;
  Rng rng_;
};

class BytesStrategy final : public Strategy {
 public:
  explicit BytesStrategy(std::span<const std::uint8_t> data) : data_(data.begin(), data.end()) {}
  std::uint32_t choose(Choice kind, std::uint32_t n, std::span<const int> threads) override {
    if (pos_ >= data_.size()) return fallback(kind, n, threads);
    std::uint32_t v = data_[pos_++];
    if (n > 256 && pos_ < data_.size()) v = v << 8 | data_[pos_++];
    return v % n;
  }
  std::uint64_t value() override {
    std::uint64_t v = 0;
    for (int i = 0; i < 8 && pos_ < data_.size(); i++) v = v << 8 | data_[pos_++];
    return v;
  }
  std::string describe() const override { return "bytes(" + std::to_string(data_.size()) + " bytes)"; }

 private:
  // Out of bytes: a fixed, fair default. Keep running the current thread (option 0), but after
  // kQuantum consecutive decisions hand over to the next runnable thread in id order (round
  // robin), so a thread spin-waiting for another one (a lock, sysmon's preemption) cannot
  // livelock the run.
  static constexpr std::uint32_t kQuantum = 256;
  //
  // The memory models' kinds fall back to the sequentially consistent choice: a load reads the
  // newest store (ReadFrom option 0) and store buffers drain eagerly (Flush option 1 until they
  // are empty), so a spin loop waiting for another thread's store cannot livelock either.
  std::uint32_t fallback(Choice kind, std::uint32_t n, std::span<const int> threads) {
    if (kind == Choice::Flush) return 1;
    if (kind != Choice::Schedule || threads.size() < n || ++streak_ < kQuantum) return 0;
    streak_ = 0;
    // threads[0] is the current thread (when runnable); the rest are in id order.
    std::uint32_t next = 1;
    for (std::uint32_t i = 1; i < n; i++) {
      if (threads[i] > threads[0]) {
        next = i;
        break;
      }
    }
    return next;
  }
  std::vector<std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::uint32_t streak_ = 0;
};

// PCT: each thread gets a random initial priority >= d; at the i-th of d-1 change points (steps
// drawn uniformly from [1, k]) the running thread's priority drops to d-i, below every initial
// one. The highest-priority runnable thread always runs.
//
// Fairness extension (documented in docs/ARCHITECTURE.md): a thread that runs for kStarve
// consecutive steps while others are runnable is demoted below everyone. Plain PCT assumes
// terminating threads; runtime code waits for other threads in bounded spin loops and in
// time-based ones (sysmon's preemption), which would otherwise livelock the highest thread.
class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth, std::uint64_t k) : seed_(seed), depth_(depth), k_(k), rng_{seed} {
    for (int i = 1; i < depth; i++) change_.push_back(1 + rng_.next() % (k == 0 ? 1 : k));
    std::sort(change_.begin(), change_.end());
  }
  std::uint32_t choose(Choice kind, std::uint32_t n, std::span<const int> threads) override {
    // PCT orders threads; which store a load reads and when a store buffer drains are not
    // thread choices: they are drawn uniformly (never under sc, so sc runs are unchanged).
    if (kind != Choice::Schedule) return rng_.below(n);
    std::uint32_t best = 0;
    for (std::uint32_t i = 1; i < n; i++) {
      if (prio(threads[i]) > prio(threads[best])) best = i;
    }
    const int chosen = threads[best];
    if (chosen == last_) {
      if (++streak_ >= kStarve) {
        prio_[std::size_t(chosen)] = --floor_;
        streak_ = 0;
      }
    } else {
      last_ = chosen;
      streak_ = 0;
    }
    return best;
  }
  std::uint64_t value() override { return rng_.next(); }
  void on_thread_start(int tid) override {
    if (prio_.size() <= std::size_t(tid)) prio_.resize(std::size_t(tid) + 1, 0);
    // Distinct with overwhelming probability; ties go to the lower position (lower id).
    prio_[std::size_t(tid)] = depth_ + std::int64_t(rng_.next() >> 2);
  }
  void on_point(int tid) override {
    steps_++;
    while (next_ < change_.size() && change_[next_] <= steps_) {
      if (std::size_t(tid) < prio_.size()) prio_[std::size_t(tid)] = depth_ - 1 - std::int64_t(next_);
      next_++;
    }
  }
  std::string describe() const override {
    return "pct(seed=" + std::to_string(seed_) + ", depth=" + std::to_string(depth_) + ", k=" + std::to_string(k_) + ")";
  }

 private:
  static constexpr std::uint64_t kStarve = 2000;
  std::int64_t prio(int tid) const { return std::size_t(tid) < prio_.size() ? prio_[std::size_t(tid)] : 0; }
  std::uint64_t seed_;
  int depth_;
  std::uint64_t k_;
  Rng rng_;
  std::vector<std::uint64_t> change_;
  std::size_t next_ = 0;
  std::uint64_t steps_ = 0;
  std::vector<std::int64_t> prio_;
  std::int64_t floor_ = 0;
  int last_ = -1;
  std::uint64_t streak_ = 0;
};

// "s 3", "v", "r 2", "f 2": a decision's kind and option count as its log line starts.
std::string describe_kind(Choice kind, std::uint32_t n) {
  switch (kind) {
    case Choice::Schedule: return "s " + std::to_string(n);
    case Choice::Value: return "v";
    case Choice::ReadFrom: return "r " + std::to_string(n);
    case Choice::Flush: return "f " + std::to_string(n);
  }
  return "?";
}

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<Decision> log) : log_(std::move(log)) {}
  std::uint32_t choose(Choice kind, std::uint32_t n, std::span<const int>) override {
    if (!check(kind, n)) return 0;  // the world fails the run with error()
    return std::uint32_t(log_[pos_++].value);
  }
  std::uint64_t value() override {
    if (!check(Choice::Value, 0)) return 0;
    return log_[pos_++].value;
  }
  const std::string* error() const override { return error_.empty() ? nullptr : &error_; }
  std::string describe() const override { return "replay(" + std::to_string(log_.size()) + " decisions)"; }

 private:
  bool check(Choice kind, std::uint32_t n) {
    if (!error_.empty()) return false;
    if (pos_ >= log_.size()) {
      error_ = "replay diverged: the run asks for decision " + std::to_string(pos_ + 1) + " but the log has " +
               std::to_string(log_.size());
      return false;
    }
    const Decision& d = log_[pos_];
    if (d.kind != kind || d.n != n || (kind != Choice::Value && d.value >= n)) {
      error_ = "replay diverged at decision " + std::to_string(pos_ + 1) + ": the log has " + describe_kind(d.kind, d.n) +
               ", the run asks for " + describe_kind(kind, n);
      return false;
    }
    return true;
  }
  std::vector<Decision> log_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::unique_ptr<Strategy> make_random(std::uint64_t seed) { return std::make_unique<RandomStrategy>(seed); }
std::unique_ptr<Strategy> make_bytes(std::span<const std::uint8_t> data) { return std::make_unique<BytesStrategy>(data); }
std::unique_ptr<Strategy> make_pct(std::uint64_t seed, int depth, std::uint64_t k) {
  return std::make_unique<PctStrategy>(seed, depth < 1 ? 1 : depth, k);
}
std::unique_ptr<Strategy> make_replay(std::vector<Decision> log) { return std::make_unique<ReplayStrategy>(std::move(log)); }

std::string encode_log(const std::vector<Decision>& log) {
  std::string out = "touchstone-decisions 1\n";
  for (const Decision& d : log) {
    if (d.kind == Choice::Value) {
      out += "v " + std::to_string(d.value) + "\n";
    } else {
      out += describe_kind(d.kind, d.n) + " " + std::to_string(d.value) + "\n";
    }
  }
  return out;
}

namespace {
bool parse_u64(std::string_view s, std::uint64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') j++;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool parse_log(std::string_view text, std::vector<Decision>* log, std::string* error) {
  log->clear();
  std::size_t lineno = 0;
  bool header = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    lineno++;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto f = split_fields(line);
    if (f.empty()) continue;
    auto fail = [&](const std::string& what) {
      *error = "line " + std::to_string(lineno) + ": " + what;
      return false;
    };
    if (!header) {
      if (f.size() != 2 || f[0] != "touchstone-decisions" || f[1] != "1") {
        return fail("expected the header 'touchstone-decisions 1'");
      }
      header = true;
      continue;
    }
    Decision d;
    std::uint64_t n = 0;
    const bool choice = f[0] == "s" || f[0] == "r" || f[0] == "f";
    if (choice && f.size() == 3 && parse_u64(f[1], &n) && parse_u64(f[2], &d.value)) {
      if (n < 2 || n > 0xffffffffu || d.value >= n) {
        return fail(std::string(f[0] == "s" ? "a schedule" : f[0] == "r" ? "a read-from" : "a flush") +
                    " decision needs n >= 2 and option < n");
      }
      d.kind = f[0] == "s" ? Choice::Schedule : f[0] == "r" ? Choice::ReadFrom : Choice::Flush;
      d.n = std::uint32_t(n);
    } else if (f[0] == "v" && f.size() == 2 && parse_u64(f[1], &d.value)) {
      d.kind = Choice::Value;
    } else {
      // (The message predates the r and f lines; tests and tools match it exactly.)
      return fail("expected 's <n> <option>' or 'v <value>'");
    }
    log->push_back(d);
  }
  if (!header) {
    *error = "line 1: expected the header 'touchstone-decisions 1'";
    return false;
  }
  return true;
}

}  // namespace touchstone::sim
