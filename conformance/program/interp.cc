// conformance/program/interp.cc — see interp.h.
//
// Ownership. Everything the goroutines share lives in run_program's frame, outside the
// runtime: the program, the channel/mutex/wait-group handles (one vector each, filled by main
// before it runs body 0, destroyed after Runtime::run returns), and the goroutine records. A
// goroutine's closure holds two raw pointers (the shared state and its own record), so nothing
// a goroutine owns is lost when main returns and the runtime abandons it. Records form a tree:
// a spawner appends its child's record to its own `children` vector — only the spawner writes
// it — so spawning needs no lock; after run() returns (every M joined) the tree is read and
// freed iteratively (a chain of spawns can be thousands deep).
//
// The budget counters are std::atomic, not platform::Atomic: they are the interpreter's
// bookkeeping, not part of the program, so they must not add scheduling points in the sim.
#include "conformance/program/interp.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "platform/platform.h"

namespace touchstone::program {
namespace {

// One goroutine of the program.
struct GRecord {
  explicit GRecord(std::int32_t b) : body(b) {}
  std::int32_t body;
  std::uint64_t steps = 0;  // this goroutine's steps (goroutine_steps)
  std::uint64_t sink = 1;   // busy work's result, so it cannot be optimised away
  std::vector<Received> recvs;
  std::vector<std::unique_ptr<GRecord>> children;  // written by this goroutine only
};

// What a channel carries: the program's value and a tag unique in the run, so that the
// conformance checker can tell every send apart (UserSend/UserRecv events, runtime/trace.h).
struct Msg {
  std::int64_t value = 0;
  std::uint32_t tag = 0;  // 0: the zero Msg a receive from a closed channel returns
};

struct Shared {
  Shared(const Program& p, const RunOptions& o) : prog(p), opts(o) {}
  const Program& prog;
  const RunOptions& opts;
  std::vector<std::vector<std::size_t>> match;  // per body: for a Loop op, the index of its End
  std::vector<Chan<Msg>> chans;
  std::vector<Mutex> mutexes;
  std::vector<WaitGroup> waitgroups;
  std::atomic<std::uint64_t> goroutines{1};  // main
  std::atomic<std::uint64_t> steps{0};
  std::atomic<std::uint32_t> tags{0};  // the last tag given to a send
};

// Program-level events for the checker (no-ops without a trace listener). The rules for when
// each is emitted — before or after its operation — are in runtime/trace.h.
using runtime::EvKind;
void note(EvKind k, std::int32_t ref, std::uint32_t b, std::int64_t n) {
  trace_user(k, std::uint32_t(ref), b, n);
}

std::vector<std::vector<std::size_t>> loop_matches(const Program& p) {
  std::vector<std::vector<std::size_t>> match(p.bodies.size());
  for (std::size_t b = 0; b < p.bodies.size(); b++) {
    const std::vector<Op>& ops = p.bodies[b].ops;
    match[b].assign(ops.size(), 0);
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < ops.size(); i++) {
      if (ops[i].kind == OpKind::Loop) open.push_back(i);
      if (ops[i].kind == OpKind::End) {
        match[b][open.back()] = i;  // balanced: validate() checked
        open.pop_back();
      }
    }
  }
  return match;
}

[[noreturn]] void budget_fatal(const std::string& msg) { platform::fatal("fatal error: ", "program: " + msg); }

std::uint64_t step_cost(const Op& op) {
  switch (op.kind) {
    case OpKind::Work:
    case OpKind::Sleep:
    case OpKind::Syscall: return 1 + std::uint64_t(op.n);
    case OpKind::Procs: return 1 + std::uint64_t(kProcsSteps);
    default: return 1;
  }
}

void charge(Shared& sh, GRecord& g, std::uint64_t steps) {
  g.steps += steps;
  if (g.steps > sh.opts.goroutine_steps) {
    budget_fatal("goroutine " + std::to_string(goid()) + " (body '" + sh.prog.bodies[std::size_t(g.body)].name +
                 "') exceeded its budget of " + std::to_string(sh.opts.goroutine_steps) +
                 " steps (RunOptions::goroutine_steps)");
  }
  if (sh.steps.fetch_add(steps, std::memory_order_relaxed) + steps > sh.opts.total_steps) {
    budget_fatal("the program exceeded its budget of " + std::to_string(sh.opts.total_steps) +
                 " steps (RunOptions::total_steps)");
  }
}

// One unit of busy work: a few xorshift rounds.
void busy_unit(GRecord& g) {
  std::uint64_t x = g.sink;
  for (int i = 0; i < 16; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  g.sink = x;
}

void interpret(Shared& sh, GRecord& g);

void spawn(Shared& sh, GRecord& parent, std::int32_t body) {
  if (sh.goroutines.fetch_add(1, std::memory_order_relaxed) + 1 > sh.opts.max_goroutines) {
    budget_fatal("more than " + std::to_string(sh.opts.max_goroutines) +
                 " goroutines (RunOptions::max_goroutines)");
  }
  parent.children.push_back(std::make_unique<GRecord>(body));
  GRecord* child = parent.children.back().get();
  Shared* shared = &sh;
  go([shared, child] { interpret(*shared, *child); });
}

// The interpreter loop: one goroutine, one body.
void interpret(Shared& sh, GRecord& g) {
  const std::vector<Op>& ops = sh.prog.bodies[std::size_t(g.body)].ops;
  const std::vector<std::size_t>& match = sh.match[std::size_t(g.body)];
  struct Frame {
    std::size_t begin;   // the Loop op
    std::int64_t iter;   // 0-based iteration (the loop variable)
    std::int64_t count;
  };
  std::array<Frame, kMaxDepth> loops{};
  std::size_t depth = 0;
  std::size_t pc = 0;
  while (pc < ops.size()) {
    const Op& op = ops[pc];
    charge(sh, g, step_cost(op));
    switch (op.kind) {
      case OpKind::Spawn: spawn(sh, g, op.ref); break;
      case OpKind::Yield: gosched(); break;
      case OpKind::Work:
        for (std::int64_t i = 0; i < op.n; i++) {
          busy_unit(g);
          preempt_check();
        }
        break;
      case OpKind::Send: {
        const std::int64_t v = op.n + (op.var >= 0 ? loops[std::size_t(op.var)].iter : 0);
        const std::uint32_t tag = sh.tags.fetch_add(1, std::memory_order_relaxed) + 1;
        note(EvKind::UserSend, op.ref, tag, v);
        sh.chans[std::size_t(op.ref)].send(Msg{v, tag});
        break;
      }
      case OpKind::Recv: {
        const auto [m, ok] = sh.chans[std::size_t(op.ref)].recv2();
        note(EvKind::UserRecv, op.ref, ok ? m.tag : 0, m.value);
        g.recvs.push_back({op.ref, m.value, ok});
        break;
      }
      case OpKind::Close:
        note(EvKind::UserClose, op.ref, 0, 0);
        sh.chans[std::size_t(op.ref)].close();
        break;
      case OpKind::Lock:
        sh.mutexes[std::size_t(op.ref)].lock();
        note(EvKind::UserLock, op.ref, 0, 0);
        break;
      case OpKind::Unlock:
        note(EvKind::UserUnlock, op.ref, 0, 0);
        sh.mutexes[std::size_t(op.ref)].unlock();
        break;
      case OpKind::WgAdd:
        if (op.n < 0) note(EvKind::UserWgAdd, op.ref, 0, op.n);
        sh.waitgroups[std::size_t(op.ref)].add(op.n);
        if (op.n >= 0) note(EvKind::UserWgAdd, op.ref, 0, op.n);
        break;
      case OpKind::WgDone:
        note(EvKind::UserWgAdd, op.ref, 0, -1);
        sh.waitgroups[std::size_t(op.ref)].done();
        break;
      case OpKind::WgWait:
        note(EvKind::UserWgWait, op.ref, 0, 0);
        sh.waitgroups[std::size_t(op.ref)].wait();
        note(EvKind::UserWgWait, op.ref, 1, 0);
        break;
      case OpKind::Sleep:  // no timers yet: a sleeping syscall (interp.h)
      case OpKind::Syscall: {
        const auto us = std::uint32_t(op.n);
        syscall([us] { platform::usleep(us); });
        break;
      }
      case OpKind::Loop:
        if (op.n == 0) {
          pc = match[pc] + 1;
          continue;
        }
        loops[depth++] = {pc, 0, op.n};
        break;
      case OpKind::End: {
        Frame& f = loops[depth - 1];
        if (++f.iter < f.count) {
          pc = f.begin + 1;
          continue;
        }
        depth--;
        break;
      }
      case OpKind::Exit: return;
      case OpKind::Procs: gomaxprocs(int(op.n)); break;  // stops and restarts the world
      default: budget_fatal(std::string("reserved op '") + op_keyword(op.kind) + "'");  // validate() rejects them
    }
    pc++;
  }
}

// Reads the goroutine tree into an outcome and frees it, without recursion.
Outcome collect(const Program& p, GRecord& root) {
  Outcome o;
  for (const Body& b : p.bodies) o.bodies.push_back(b.name);
  for (const ChanDecl& c : p.chans) o.chans.push_back(c.name);
  o.recvs.resize(p.bodies.size());
  std::vector<std::unique_ptr<GRecord>> owned;
  std::vector<GRecord*> todo{&root};
  while (!todo.empty()) {
    GRecord* g = todo.back();
    todo.pop_back();
    o.recvs[std::size_t(g->body)].push_back(std::move(g->recvs));
    for (auto& c : g->children) {
      todo.push_back(c.get());
      owned.push_back(std::move(c));
    }
    g->children.clear();
  }
  for (auto& seqs : o.recvs) std::sort(seqs.begin(), seqs.end());
  return o;
}

}  // namespace

std::string outcome_text(const Outcome& o) {
  std::string out;
  for (std::size_t b = 0; b < o.recvs.size(); b++) {
    const std::string name = b < o.bodies.size() ? o.bodies[b] : "body" + std::to_string(b);
    for (const std::vector<Received>& seq : o.recvs[b]) {
      out += name + ":";
      if (seq.empty()) out += " -";
      for (const Received& r : seq) {
        out += " ";
        out += std::size_t(r.chan) < o.chans.size() ? o.chans[std::size_t(r.chan)] : "c" + std::to_string(r.chan);
        out += "=";
        if (r.ok) {
          out += std::to_string(r.value);
        } else {
          out += r.value == 0 ? "closed" : "closed:" + std::to_string(r.value);
        }
      }
      out += "\n";
    }
  }
  return out;
}

RunResult run_program(const Program& p, const RunOptions& opts) {
  RunResult res;
  if (std::string e = validate(p); !e.empty()) {
    res.error = "invalid program: " + e;
    return res;
  }
  if (opts.procs < 1 || opts.procs > 256) {
    res.error = "procs " + std::to_string(opts.procs) + " out of range (1..256)";
    return res;
  }
  Shared sh(p, opts);
  sh.match = loop_matches(p);
  GRecord root(0);
  Config cfg;
  cfg.procs = opts.procs;
  cfg.seed = opts.seed;
  cfg.force_preempt_ns = opts.force_preempt_ns;
  cfg.trace = opts.trace;
  Runtime rt(cfg);
  rt.run([&sh, &root] {
    // The program's objects, made before main's first op (and by a goroutine, as the API asks).
    sh.chans.reserve(sh.prog.chans.size());
    for (const ChanDecl& c : sh.prog.chans) sh.chans.emplace_back(std::size_t(c.cap));
    sh.mutexes.resize(sh.prog.mutexes.size());
    sh.waitgroups.resize(sh.prog.waitgroups.size());
    interpret(sh, root);
  });
  res.outcome = collect(p, root);
  res.goroutines = sh.goroutines.load(std::memory_order_relaxed);
  res.steps = sh.steps.load(std::memory_order_relaxed);
  return res;
}

}  // namespace touchstone::program
