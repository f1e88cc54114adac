// conformance/litmus/litmus.cc — see litmus.h (the runner's algorithm) and README.md (the format).
#include "conformance/litmus/litmus.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "platform/sim/atomic.h"
#include "platform/sim/os.h"
#include "platform/sim/strategy.h"

#ifndef TOUCHSTONE_LITMUS_DIR
#define TOUCHSTONE_LITMUS_DIR "conformance/litmus"
#endif

namespace touchstone::litmus {

// ---- parsing ---------------------------------------------------------------------------------

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_u64(std::string_view s, std::uint64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ident(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool parse_order(std::string_view s, std::memory_order* mo) {
  if (s == "rlx") *mo = std::memory_order_relaxed;
  else if (s == "acq") *mo = std::memory_order_acquire;
  else if (s == "rel") *mo = std::memory_order_release;
  else if (s == "acqrel") *mo = std::memory_order_acq_rel;
  else if (s == "sc") *mo = std::memory_order_seq_cst;
  else return false;
  return true;
}

struct Parser {
  std::string file;
  int lineno = 0;
  std::string* error = nullptr;

  bool fail(const std::string& msg) {
    *error = file + ":" + std::to_string(lineno) + ": " + msg;
    return false;
  }

  int loc_index(const Test& t, std::string_view name) {
    for (std::size_t i = 0; i < t.locs.size(); i++) {
      if (t.locs[i] == name) return int(i);
    }
    return -1;
  }

  // "st x 1 rel", "ld r0 x acq", "xchg r0 x 1 sc", "faa r0 x 1 rlx", "cas r0 x 0 1 acqrel",
  // "fence sc".
  bool instr(Test& t, Thread& th, std::string_view text) {
    const auto w = sim::split_fields(text);
    if (w.empty()) return fail("empty instruction (a stray ';'?)");
    Instr in;
    in.line = lineno;
    auto reg = [&](std::string_view name) {
      if (!ident(name) || loc_index(t, name) >= 0) return -1;
      for (std::size_t i = 0; i < th.regs.size(); i++) {
        if (th.regs[i] == name) return int(i);
      }
      th.regs.emplace_back(name);
      return int(th.regs.size() - 1);
    };
    auto loc = [&](std::string_view name, int* out) {
      *out = loc_index(t, name);
      if (*out < 0) return fail("unknown location '" + std::string(name) + "' (declare it in 'init')");
      return true;
    };
    auto value = [&](std::string_view s, std::uint64_t* v) {
      if (!parse_u64(s, v)) return fail("expected a number, got '" + std::string(s) + "'");
      return true;
    };
    auto order = [&](std::string_view s, std::initializer_list<std::memory_order> ok) {
      if (!parse_order(s, &in.mo)) return fail("unknown memory order '" + std::string(s) + "' (rlx, acq, rel, acqrel, sc)");
      if (std::find(ok.begin(), ok.end(), in.mo) == ok.end()) {
        return fail("memory order '" + std::string(s) + "' is not valid for '" + std::string(w[0]) + "'");
      }
      return true;
    };
    const auto rlx = std::memory_order_relaxed, acq = std::memory_order_acquire, rel = std::memory_order_release,
               ar = std::memory_order_acq_rel, sc = std::memory_order_seq_cst;
    const std::string op(w[0]);
    if (op == "ld") {
      if (w.size() != 4) return fail("expected 'ld REG LOC ORDER'");
      in.kind = OpKind::Load;
      if ((in.reg = reg(w[1])) < 0) return fail("bad register name '" + std::string(w[1]) + "'");
      if (!loc(w[2], &in.loc) || !order(w[3], {rlx, acq, sc})) return false;
    } else if (op == "st") {
      if (w.size() != 4) return fail("expected 'st LOC VALUE ORDER'");
      in.kind = OpKind::Store;
      if (!loc(w[1], &in.loc) || !value(w[2], &in.value) || !order(w[3], {rlx, rel, sc})) return false;
    } else if (op == "xchg" || op == "faa") {
      if (w.size() != 5) return fail("expected '" + op + " REG LOC VALUE ORDER'");
      in.kind = op == "xchg" ? OpKind::Xchg : OpKind::Faa;
      if ((in.reg = reg(w[1])) < 0) return fail("bad register name '" + std::string(w[1]) + "'");
      if (!loc(w[2], &in.loc) || !value(w[3], &in.value) || !order(w[4], {rlx, acq, rel, ar, sc})) return false;
    } else if (op == "cas") {
      if (w.size() != 6) return fail("expected 'cas REG LOC EXPECTED DESIRED ORDER'");
      in.kind = OpKind::Cas;
      if ((in.reg = reg(w[1])) < 0) return fail("bad register name '" + std::string(w[1]) + "'");
      if (!loc(w[2], &in.loc) || !value(w[3], &in.expected) || !value(w[4], &in.value) ||
          !order(w[5], {rlx, acq, rel, ar, sc})) {
        return false;
      }
    } else if (op == "fence") {
      if (w.size() != 2) return fail("expected 'fence ORDER'");
      in.kind = OpKind::Fence;
      if (!order(w[1], {acq, rel, ar, sc})) return false;
    } else {
      return fail("unknown instruction '" + op + "' (ld, st, xchg, faa, cas, fence)");
    }
    th.code.push_back(in);
    return true;
  }

  // "0:r0=1 1:r1=0 x=2"
  bool outcome(Test& t, std::string_view text, std::vector<Cond>* conds) {
    const auto w = sim::split_fields(text);
    if (w.empty()) return fail("an expectation needs at least one condition");
    for (auto c : w) {
      const std::size_t eq = c.find('=');
      if (eq == std::string_view::npos) return fail("expected 'T:REG=VALUE' or 'LOC=VALUE', got '" + std::string(c) + "'");
      Cond cond;
      if (!parse_u64(c.substr(eq + 1), &cond.value)) return fail("bad value in '" + std::string(c) + "'");
      const std::string_view lhs = c.substr(0, eq);
      const std::size_t colon = lhs.find(':');
      if (colon == std::string_view::npos) {
        cond.index = loc_index(t, lhs);
        if (cond.index < 0) return fail("unknown location '" + std::string(lhs) + "'");
        if (std::find(t.finals.begin(), t.finals.end(), cond.index) == t.finals.end()) {
          return fail("location '" + std::string(lhs) + "' is not listed in 'final'");
        }
      } else {
        std::uint64_t th = 0;
        if (!parse_u64(lhs.substr(0, colon), &th) || th >= t.threads.size()) {
          return fail("no thread '" + std::string(lhs.substr(0, colon)) + "'");
        }
        cond.thread = int(th);
        const auto& regs = t.threads[th].regs;
        const auto it = std::find(regs.begin(), regs.end(), lhs.substr(colon + 1));
        if (it == regs.end()) return fail("thread " + std::to_string(th) + " has no register '" + std::string(lhs.substr(colon + 1)) + "'");
        cond.index = int(it - regs.begin());
      }
      conds->push_back(cond);
    }
    return true;
  }

  bool run(std::string_view text, std::vector<Test>* out) {
    Test* cur = nullptr;
    bool have_init = false;
    while (!text.empty()) {
      const std::size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      lineno++;
      if (const std::size_t h = line.find('#'); h != std::string_view::npos) line = line.substr(0, h);
      line = trim(line);
      if (line.empty()) continue;
      const std::size_t sp = line.find_first_of(" \t");
      const std::string_view key = line.substr(0, sp);
      const std::string_view rest = sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
      if (key == "test") {
        if (cur != nullptr) return fail("'test' inside test '" + cur->name + "' (missing 'end')");
        if (sim::split_fields(rest).size() != 1) return fail("expected 'test NAME'");
        for (const Test& t : *out) {
          if (t.name == rest) return fail("duplicate test name '" + std::string(rest) + "'");
        }
        out->emplace_back();
        cur = &out->back();
        cur->name = std::string(rest);
        cur->file = file;
        cur->line = lineno;
        have_init = false;
        continue;
      }
      if (cur == nullptr) return fail("expected 'test NAME'");
      if (key == "cite" || key == "note") {
        if (rest.empty()) return fail("'" + std::string(key) + "' needs text");
        (key == "cite" ? cur->cites : cur->notes).emplace_back(rest);
      } else if (key == "init") {
        if (have_init) return fail("a second 'init'");
        if (!cur->threads.empty()) return fail("'init' must come before the threads");
        have_init = true;
        for (auto w : sim::split_fields(rest)) {
          const std::size_t eq = w.find('=');
          std::uint64_t v = 0;
          if (eq == std::string_view::npos || !ident(w.substr(0, eq)) || !parse_u64(w.substr(eq + 1), &v)) {
            return fail("expected 'LOC=VALUE', got '" + std::string(w) + "'");
          }
          if (loc_index(*cur, w.substr(0, eq)) >= 0) return fail("location '" + std::string(w.substr(0, eq)) + "' declared twice");
          cur->locs.emplace_back(w.substr(0, eq));
          cur->init.push_back(v);
        }
        if (cur->locs.empty()) return fail("'init' needs at least one location");
      } else if (key == "thread") {
        if (!have_init) return fail("'init' must come before the threads");
        if (!cur->expects.empty() || !cur->finals.empty()) return fail("threads must come before 'final' and 'expect'");
        const std::size_t colon = rest.find(':');
        std::uint64_t n = 0;
        if (colon == std::string_view::npos || !parse_u64(trim(rest.substr(0, colon)), &n)) {
          return fail("expected 'thread N: INSTR; INSTR; ...'");
        }
        if (n != cur->threads.size()) return fail("threads must be numbered 0, 1, 2, ... in order; expected thread " + std::to_string(cur->threads.size()));
        if (n >= 6) return fail("at most 6 threads");
        cur->threads.emplace_back();
        std::string_view body = rest.substr(colon + 1);
        while (true) {
          const std::size_t semi = body.find(';');
          if (!instr(*cur, cur->threads.back(), body.substr(0, semi))) return false;
          if (semi == std::string_view::npos) break;
          body = body.substr(semi + 1);
        }
      } else if (key == "final") {
        if (cur->threads.empty()) return fail("'final' after the threads");
        if (!cur->finals.empty()) return fail("a second 'final'");
        for (auto w : sim::split_fields(rest)) {
          const int i = loc_index(*cur, w);
          if (i < 0) return fail("unknown location '" + std::string(w) + "'");
          cur->finals.push_back(i);
        }
        if (cur->finals.empty()) return fail("'final' needs at least one location");
      } else if (key == "expect") {
        if (cur->threads.empty()) return fail("'expect' before any thread");
        const std::size_t colon = rest.rfind(':');
        const std::size_t first_eq = rest.find("sc=");
        if (colon == std::string_view::npos || first_eq == std::string_view::npos || colon > first_eq) {
          return fail("expected 'expect OUTCOME : sc=allowed|forbidden tso=... weak=...'");
        }
        Expect e;
        e.line = lineno;
        e.text = std::string(trim(rest.substr(0, colon)));
        if (!outcome(*cur, rest.substr(0, colon), &e.conds)) return false;
        bool seen[kModels] = {false, false, false};
        for (auto w : sim::split_fields(rest.substr(colon + 1))) {
          const std::size_t eq = w.find('=');
          sim::Model m;
          if (eq == std::string_view::npos || !sim::parse_model(w.substr(0, eq), &m)) {
            return fail("expected 'sc=...', 'tso=...' or 'weak=...', got '" + std::string(w) + "'");
          }
          const std::string_view v = w.substr(eq + 1);
          if (v != "allowed" && v != "forbidden") return fail("expected 'allowed' or 'forbidden', got '" + std::string(v) + "'");
          if (seen[int(m)]) return fail("model '" + std::string(w.substr(0, eq)) + "' given twice");
          seen[int(m)] = true;
          e.allowed[int(m)] = v == "allowed";
        }
        if (!seen[0] || !seen[1] || !seen[2]) return fail("an expectation must give sc, tso and weak");
        cur->expects.push_back(std::move(e));
      } else if (key == "end") {
        if (!rest.empty()) return fail("'end' takes nothing");
        if (cur->threads.empty()) return fail("test '" + cur->name + "' has no threads");
        if (cur->expects.empty()) return fail("test '" + cur->name + "' has no 'expect'");
        if (cur->cites.empty()) return fail("test '" + cur->name + "' has no 'cite' (where do its expectations come from?)");
        cur = nullptr;
      } else {
        return fail("unknown line '" + std::string(key) + "' (test, cite, note, init, thread, final, expect, end)");
      }
    }
    if (cur != nullptr) return fail("test '" + cur->name + "' has no 'end'");
    return true;
  }
};

}  // namespace

bool parse(std::string_view text, const std::string& file, std::vector<Test>* out, std::string* error) {
  Parser p;
  p.file = file;
  p.error = error;
  return p.run(text, out);
}

bool parse_file(const std::string& path, std::vector<Test>* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path, out, error);
}

std::vector<std::string> catalog_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".litmus") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string default_catalog_dir() { return TOUCHSTONE_LITMUS_DIR; }

// ---- outcomes --------------------------------------------------------------------------------

namespace {
std::size_t reg_offset(const Test& t, int thread) {
  std::size_t off = 0;
  for (int i = 0; i < thread; i++) off += t.threads[std::size_t(i)].regs.size();
  return off;
}
}  // namespace

std::string outcome_text(const Test& t, const Outcome& o) {
  std::string s;
  std::size_t k = 0;
  for (std::size_t th = 0; th < t.threads.size(); th++) {
    for (const auto& r : t.threads[th].regs) {
      if (!s.empty()) s += ' ';
      s += std::to_string(th) + ":" + r + "=" + std::to_string(o[k++]);
    }
  }
  for (int f : t.finals) {
    if (!s.empty()) s += ' ';
    s += t.locs[std::size_t(f)] + "=" + std::to_string(o[k++]);
  }
  return s;
}

bool matches(const Test& t, const Expect& e, const Outcome& o) {
  for (const Cond& c : e.conds) {
    std::size_t k;
    if (c.thread >= 0) {
      k = reg_offset(t, c.thread) + std::size_t(c.index);
    } else {
      k = reg_offset(t, int(t.threads.size())) +
          std::size_t(std::find(t.finals.begin(), t.finals.end(), c.index) - t.finals.begin());
    }
    if (o[k] != c.value) return false;
  }
  return true;
}

// ---- the sc oracle: plain interleavings, no simulator ------------------------------------------

namespace {
struct Interleaver {
  const Test& t;
  std::vector<std::uint64_t> mem;
  std::vector<std::size_t> pc;
  Outcome regs;
  std::set<Outcome>* out;

  void step(std::size_t th) {
    const Instr& in = t.threads[th].code[pc[th]];
    const std::size_t r = reg_offset(t, int(th)) + std::size_t(std::max(in.reg, 0));
    auto& m = in.loc >= 0 ? mem[std::size_t(in.loc)] : mem[0];
    switch (in.kind) {
      case OpKind::Load: regs[r] = m; break;
      case OpKind::Store: m = in.value; break;
      case OpKind::Xchg: regs[r] = m; m = in.value; break;
      case OpKind::Faa: regs[r] = m; m += in.value; break;
      case OpKind::Cas: regs[r] = m; if (m == in.expected) m = in.value; break;
      case OpKind::Fence: break;
    }
  }
  void go() {
    bool any = false;
    for (std::size_t th = 0; th < t.threads.size(); th++) {
      if (pc[th] >= t.threads[th].code.size()) continue;
      any = true;
      const auto saved_mem = mem;
      const auto saved_regs = regs;
      step(th);
      pc[th]++;
      go();
      pc[th]--;
      mem = saved_mem;
      regs = saved_regs;
    }
    if (!any) {
      Outcome o = regs;
      for (int f : t.finals) o.push_back(mem[std::size_t(f)]);
      out->insert(o);
    }
  }
};
}  // namespace

std::set<Outcome> sc_outcomes(const Test& t) {
  std::set<Outcome> out;
  Interleaver it{t, t.init, std::vector<std::size_t>(t.threads.size(), 0), Outcome(reg_offset(t, int(t.threads.size())), 0), &out};
  it.go();
  return out;
}

// ---- the exhaustive runner ---------------------------------------------------------------------

namespace {

// Depth-first search over decision sequences (litmus.h, step 2).
class DfsStrategy final : public sim::Strategy {
 public:
  explicit DfsStrategy(const bool* spawning) : spawning_(spawning) {}
  std::uint32_t choose(sim::Choice kind, std::uint32_t n, std::span<const int>) override {
    // While thread 0 starts the others it keeps running (option 0): a thread start touches no
    // location, so running the new thread first reaches no new outcome, only more runs.
    if (*spawning_ && kind == sim::Choice::Schedule) return 0;
    if (pos_ < path_.size()) {
      if (path_[pos_].n != n) {
        error_ = "litmus: nondeterministic run (a replayed prefix asked for a different decision)";
        return 0;
      }
      return path_[pos_++].v;
    }
    path_.push_back({n, 0});
    pos_++;
    return 0;
  }
  std::uint64_t value() override { return 0; }
  const std::string* error() const override { return error_.empty() ? nullptr : &error_; }
  std::string describe() const override { return "dfs"; }
  // Advances to the next unexplored sequence; false when the search is complete.
  bool next() {
    pos_ = 0;
    while (!path_.empty() && path_.back().v + 1 >= path_.back().n) path_.pop_back();
    if (path_.empty()) return false;
    path_.back().v++;
    return true;
  }

 private:
  struct Step {
    std::uint32_t n, v;
  };
  const bool* spawning_;
  std::vector<Step> path_;
  std::size_t pos_ = 0;
  std::string error_;
};

using Mem = platform::Atomic<std::uint64_t>;

void exec(const Instr& in, Mem* mem, std::uint64_t* regs) {
  Mem& m = mem[in.loc >= 0 ? in.loc : 0];
  auto fail_order = [](std::memory_order mo) {
    if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
    if (mo == std::memory_order_release) return std::memory_order_relaxed;
    return mo;
  };
  switch (in.kind) {
    case OpKind::Load: regs[in.reg] = m.load(in.mo); break;
    case OpKind::Store: m.store(in.value, in.mo); break;
    case OpKind::Xchg: regs[in.reg] = m.exchange(in.value, in.mo); break;
    case OpKind::Faa: regs[in.reg] = m.fetch_add(in.value, in.mo); break;
    case OpKind::Cas: {
      std::uint64_t e = in.expected;
      m.cas(e, in.value, in.mo, fail_order(in.mo));
      regs[in.reg] = e;  // the value read: expected on success, the current value on failure
      break;
    }
    case OpKind::Fence: platform::fence(in.mo); break;
  }
}

struct RunState {
  const Test* t;
  Mem* mem;
  std::uint64_t* regs;  // thread-major
  std::vector<std::size_t> offsets;
  bool spawning = false;  // thread 0 is starting the others (DfsStrategy does not branch)
};

void run_thread(RunState* s, std::size_t th) {
  for (const Instr& in : s->t->threads[th].code) exec(in, s->mem, s->regs + s->offsets[th]);
}

struct ThreadArg {
  RunState* s;
  std::size_t th;
};

}  // namespace

ModelResult run_test(const Test& t, sim::Model model, const RunOptions& opt) {
  ModelResult res;
  res.model = model;
  const std::size_t nregs = reg_offset(t, int(t.threads.size()));
  RunState st;
  st.t = &t;
  for (std::size_t th = 0; th < t.threads.size(); th++) st.offsets.push_back(reg_offset(t, int(th)));
  std::vector<std::uint64_t> regs(nregs + 1, 0);
  st.regs = regs.data();

  sim::Config cfg;
  cfg.model = model;
  cfg.history = opt.history;
  cfg.store_buffer = opt.store_buffer;
  cfg.max_steps = 10'000;
  cfg.stack_size = 64 * 1024;

  DfsStrategy dfs(&st.spawning);
  do {
    if (res.runs >= opt.max_runs) {
      res.complete = false;
      res.problems.push_back("search not complete after " + std::to_string(opt.max_runs) + " runs");
      break;
    }
    res.runs++;
    // Fresh locations every run, constructed outside the run: their values are initialisation.
    std::unique_ptr<Mem[]> mem(new Mem[t.locs.size()]);
    for (std::size_t i = 0; i < t.locs.size(); i++) mem[i].store(t.init[i], std::memory_order_relaxed);
    st.mem = mem.get();
    std::fill(regs.begin(), regs.end(), 0);
    const sim::Result r = sim::run(cfg, dfs, [&st] {
      const std::size_t n = st.t->threads.size();
      std::vector<platform::Thread> threads(n);
      std::vector<ThreadArg> args(n);
      st.spawning = true;
      for (std::size_t th = 1; th < n; th++) {
        args[th] = ThreadArg{&st, th};
        threads[th].start([](void* a) { run_thread(static_cast<ThreadArg*>(a)->s, static_cast<ThreadArg*>(a)->th); },
                          &args[th]);
      }
      st.spawning = false;
      run_thread(&st, 0);
      for (std::size_t th = 1; th < n; th++) threads[th].join();
    });
    if (!r.ok()) {
      res.problems.push_back(std::string("simulated run failed: ") + sim::failure_name(r.failure) + ": " + r.message);
      res.complete = false;
      break;
    }
    Outcome o(regs.begin(), regs.begin() + std::ptrdiff_t(nregs));
    for (int f : t.finals) o.push_back(mem[std::size_t(f)].load(std::memory_order_relaxed));
    res.found.insert(std::move(o));
  } while (dfs.next());

  // Judge (litmus.h, step 4).
  const int m = int(model);
  const std::set<Outcome> sc = sc_outcomes(t);
  res.observed.assign(t.expects.size(), false);
  for (std::size_t i = 0; i < t.expects.size(); i++) {
    for (const Outcome& o : res.found) {
      if (matches(t, t.expects[i], o)) res.observed[i] = true;
    }
  }
  if (!res.complete) return res;
  for (std::size_t i = 0; i < t.expects.size(); i++) {
    const Expect& e = t.expects[i];
    if (e.allowed[m] && !res.observed[i]) {
      res.problems.push_back("allowed outcome never reached: " + e.text + " (line " + std::to_string(e.line) + ")");
    }
    if (!e.allowed[m] && res.observed[i]) {
      for (const Outcome& o : res.found) {
        if (matches(t, e, o)) {
          res.problems.push_back("forbidden outcome produced: " + outcome_text(t, o) + " (line " + std::to_string(e.line) + ")");
        }
      }
    }
  }
  for (const Outcome& o : res.found) {
    if (sc.count(o) != 0) continue;
    bool allowed = false;
    for (const Expect& e : t.expects) allowed = allowed || (e.allowed[m] && matches(t, e, o));
    if (!allowed) res.problems.push_back("unexpected outcome (not sc, not an allowed expectation): " + outcome_text(t, o));
  }
  for (const Outcome& o : sc) {
    if (res.found.count(o) == 0) res.problems.push_back("sc outcome never reached: " + outcome_text(t, o));
  }
  std::sort(res.problems.begin(), res.problems.end());
  res.problems.erase(std::unique(res.problems.begin(), res.problems.end()), res.problems.end());
  return res;
}

}  // namespace touchstone::litmus
