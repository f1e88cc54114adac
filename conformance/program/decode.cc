// conformance/program/decode.cc — see decode.h for the byte mapping.
//
// Two passes over the pairs: the first finds the body boundaries (so a spawn can name a later
// body), the second decodes each body in order. Bodies are decoded in order because a spawn
// only targets later bodies: when body b is decoded, every spawn of it has been seen, so the
// number of goroutines that will run it (instances_[b]) is final and the cost of its ops can be
// charged against the program's step budget.
#include "conformance/program/decode.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace touchstone::program {
namespace {

enum class Kind : std::uint8_t { Spawn, Yield, Work, Send, Recv, Close, Lock, Loop, Wait, Sleep, Syscall, Exit, NewBody };

// o % 32 -> kind; the weights are the slot counts (decode.h's table).
constexpr std::array<Kind, 32> kKinds = {
    Kind::Spawn, Kind::Spawn, Kind::Spawn,                                      // 0-2
    Kind::Yield, Kind::Yield,                                                   // 3-4
    Kind::Work,  Kind::Work,  Kind::Work,                                       // 5-7
    Kind::Send,  Kind::Send,  Kind::Send,  Kind::Send, Kind::Send, Kind::Send,  // 8-13
    Kind::Recv,  Kind::Recv,  Kind::Recv,  Kind::Recv, Kind::Recv, Kind::Recv,  // 14-19
    Kind::Recv,                                                                 // 20
    Kind::Close,                                                                // 21 (and procs)
    Kind::Lock,  Kind::Lock,                                                    // 22-23
    Kind::Loop,  Kind::Loop,  Kind::Loop,                                       // 24-26
    Kind::Wait,                                                                 // 27
    Kind::Sleep,                                                                // 28
    Kind::Syscall,                                                              // 29
    Kind::Exit,                                                                 // 30
    Kind::NewBody,                                                              // 31
};

constexpr std::array<std::int64_t, 8> kCaps = {0, 0, 1, 1, 2, 3, 4, 8};
constexpr int kChans = 4;
constexpr int kWg = 0;  // w0: counts the running spawned goroutines

struct Pair {
  std::uint8_t o, a;
};

// The steps one execution of op costs (interp.h: 1 per op, plus work units / microseconds).
std::int64_t op_cost(const Op& op) {
  switch (op.kind) {
    case OpKind::Work:
    case OpKind::Sleep:
    case OpKind::Syscall: return 1 + op.n;
    case OpKind::Procs: return 1 + kProcsSteps;
    default: return 1;
  }
}

class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  Program run() {
    for (int i = 0; i < kChans; i++) prog_.chans.push_back({"c" + std::to_string(i), kCaps[byte_at(std::size_t(i)) & 7]});
    prog_.mutexes = {"m0", "m1"};
    prog_.waitgroups = {"w0"};
    split_bodies();
    instances_.assign(prog_.bodies.size(), 0);
    instances_[0] = 1;
    goroutines_ = 1;
    steps_ = 1 + kDecodeGraceMicros;  // main's closing sleep
    for (std::size_t b = 0; b < prog_.bodies.size(); b++) decode_body(int(b));
    return std::move(prog_);
  }

 private:
  struct Region {
    enum Type { Loop, Lock, Plain } type;
    int remaining;             // pairs still covered
    std::int64_t count = 1;    // Loop: iterations
    bool has_var = false;      // Loop: binds i<level>
    int mutex = 0;             // Lock
  };

  std::uint8_t byte_at(std::size_t i) const { return i < bytes_.size() ? bytes_[i] : 0; }

  // Pass 1: the pairs, and which of them start a new body.
  void split_bodies() {
    const std::size_t avail = bytes_.size() > std::size_t(kDecodeHeaderBytes) ? bytes_.size() - kDecodeHeaderBytes : 0;
    const std::size_t npairs = std::min<std::size_t>((avail + 1) / 2, kDecodeMaxPairs);
    prog_.bodies.push_back({"main", {}});
    starts_.push_back(0);
    for (std::size_t j = 0; j < npairs; j++) {
      const std::size_t at = kDecodeHeaderBytes + 2 * j;
      const Pair p{byte_at(at), byte_at(at + 1)};
      if (kKinds[p.o % 32] == Kind::NewBody && prog_.bodies.size() < std::size_t(kMaxBodies)) {
        prog_.bodies.push_back({"b" + std::to_string(j), {}});
        starts_.push_back(pairs_.size() + 1);  // the marker itself belongs to no body
        pairs_.push_back({p.o, std::uint8_t(0)});
        continue;
      }
      pairs_.push_back(p);
    }
    starts_.push_back(pairs_.size() + 1);
  }

  // ---- cost accounting ----
  std::int64_t multiplier() const {
    std::int64_t m = instances_[std::size_t(cur_)];
    for (const Region& r : regions_) m *= r.count;
    return m;
  }
  // Charges `steps` per execution at the current nesting; false (nothing charged) if over budget.
  bool charge(std::int64_t steps) {
    const std::int64_t c = multiplier() * steps;
    if (steps_ + c > kDecodeMaxSteps) return false;
    steps_ += c;
    return true;
  }

  void emit(Op op) { prog_.bodies[std::size_t(cur_)].ops.push_back(std::move(op)); }
  // Emits op if its cost fits, else nothing.
  void emit_charged(Op op) {
    if (charge(op_cost(op))) emit(std::move(op));
  }
  void emit_yield() { emit_charged(Op::yield()); }

  int loop_depth() const {
    int d = 0;
    for (const Region& r : regions_) d += r.type == Region::Loop;
    return d;
  }
  bool in_lock() const {
    for (const Region& r : regions_) {
      if (r.type == Region::Lock) return true;
    }
    return false;
  }
  // The nesting level of the innermost loop with a variable, or -1.
  int var_level() const {
    int level = -1, d = 0;
    for (const Region& r : regions_) {
      if (r.type != Region::Loop) continue;
      if (r.has_var) level = d;
      d++;
    }
    return level;
  }

  void close_top() {
    const Region r = regions_.back();
    regions_.pop_back();
    if (r.type == Region::Loop) emit(Op::end());
    if (r.type == Region::Lock) emit(Op::unlock(r.mutex));
  }

  // After a pair: the regions open before it cover one pair less; close the expired ones (and
  // everything nested in them).
  void advance(std::size_t open_before) {
    for (std::size_t i = 0; i < open_before; i++) regions_[i].remaining--;
    std::size_t first_expired = regions_.size();
    for (std::size_t i = 0; i < regions_.size(); i++) {
      if (regions_[i].remaining <= 0) {
        first_expired = i;
        break;
      }
    }
    while (regions_.size() > first_expired) close_top();
  }

  void decode_body(int b) {
    cur_ = b;
    regions_.clear();
    const std::size_t from = starts_[std::size_t(b)], to = starts_[std::size_t(b) + 1] - 1;
    for (std::size_t j = from; j < to; j++) {
      const std::size_t open_before = regions_.size();
      decode_pair(pairs_[j]);
      advance(open_before);
    }
    while (!regions_.empty()) close_top();
    if (b == 0) emit(Op::sleep(kDecodeGraceMicros));  // charged up front (run())
    if (b != 0) emit(Op::wg_done(kWg));  // charged by the spawns that start this body
  }

  void decode_pair(Pair p) {
    const int a = p.a;
    const bool main = cur_ == 0;
    switch (kKinds[p.o % 32]) {
      case Kind::Spawn: spawn(a); break;
      case Kind::Yield: emit_yield(); break;
      case Kind::Work: emit_charged(Op::work(1 + a % 16)); break;
      // An exchange on one channel, so that goroutines of one body can serve each other.
      case Kind::Send:  // send a value, then take one
      case Kind::Recv:  // take a value, then send one
        if (main) {
          spawn(a);  // main orchestrates: it never blocks on a channel
        } else if (in_lock()) {
          emit_yield();  // nobody blocks on a channel while holding a lock
        } else if (charge(2)) {
          const int c = a % kChans, level = a >= 128 ? var_level() : -1;
          const Op send = Op::send(c, (a >> 2) % 32, level), recv = Op::recv(c);
          const bool send_first = kKinds[p.o % 32] == Kind::Send;
          emit(send_first ? send : recv);
          emit(send_first ? recv : send);
        }
        break;
      case Kind::Close: {  // the slot of close and of procs, both rare
        const int c = a % kChans;
        if (main && loop_depth() == 0 && !closed_[std::size_t(c)] && (a >> 2) % 8 == 0 && charge(1)) {
          closed_[std::size_t(c)] = true;
          emit(Op::close(c));
        } else if ((a >> 2) % 8 == 1) {
          emit_charged(Op::procs(1 + (a >> 5)));  // 1..8 Ps: a stop-the-world
        } else {
          emit_yield();
        }
        break;
      }
      case Kind::Lock: {
        const int len = 1 + (a >> 1) % 4;
        if (in_lock()) {
          emit_yield();
        } else if (charge(2)) {  // lock + unlock
          emit(Op::lock(a % 2));
          regions_.push_back({Region::Lock, len, 1, false, a % 2});
        } else {
          regions_.push_back({Region::Plain, len});
        }
        break;
      }
      case Kind::Loop: {
        const std::int64_t count = 1 + a % 4;
        const int len = 1 + (a >> 2) % 4;
        const bool var = (a >> 4) % 2 == 1;
        // The header runs once, the `}` once per iteration.
        if (loop_depth() < kDecodeMaxLoopDepth && charge(1 + count)) {
          const int level = loop_depth();
          emit(Op::loop(count, var ? "i" + std::to_string(level) : std::string()));
          regions_.push_back({Region::Loop, len, count, var});
        } else {
          regions_.push_back({Region::Plain, len});
        }
        break;
      }
      case Kind::Wait:
        if (main && !in_lock() && (a >> 2) % 4 == 0) {
          emit_charged(Op::wg_wait(kWg));
        } else {
          emit_yield();
        }
        break;
      case Kind::Sleep: emit_charged(Op::sleep(10 * (a % 8))); break;
      case Kind::Syscall: emit_charged(Op::syscall(a % 8)); break;
      case Kind::Exit:
        if (a % 8 != 0 || in_lock()) {
          emit_yield();
        } else if (main) {
          emit_charged(Op::exit());
        } else if (charge(2)) {
          emit(Op::wg_done(kWg));
          emit(Op::exit());
        }
        break;
      case Kind::NewBody: emit_yield(); break;  // past kMaxBodies
    }
  }

  void spawn(int a) {
    const int last = int(prog_.bodies.size()) - 1;
    if (cur_ == last) {
      emit_yield();
      return;
    }
    const int target = std::min(cur_ + 1 + a % 4, last);
    const std::int64_t more = multiplier();  // goroutines this spawn starts
    // wg add + spawn here, and the `wg w0 done` each started goroutine runs at its end.
    if (goroutines_ + more > kDecodeMaxGoroutines || !charge(3)) return;
    goroutines_ += more;
    instances_[std::size_t(target)] += more;
    emit(Op::wg_add(kWg, 1));
    emit(Op::spawn(target));
  }

  std::span<const std::uint8_t> bytes_;
  Program prog_;
  std::vector<Pair> pairs_;              // every pair read; body markers included
  std::vector<std::size_t> starts_;      // body b's pairs: [starts_[b], starts_[b+1] - 1)
  std::vector<std::int64_t> instances_;  // goroutines that will run each body (upper bound)
  std::int64_t goroutines_ = 0;
  std::int64_t steps_ = 0;               // steps charged so far (upper bound of a run's steps)
  int cur_ = 0;
  std::vector<Region> regions_;
  std::array<bool, kChans> closed_{};    // closed by main
};

}  // namespace

Program decode(std::span<const std::uint8_t> bytes) { return Decoder(bytes).run(); }

}  // namespace touchstone::program
