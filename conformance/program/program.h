// conformance/program/program.h — the workload language ("program IR").
//
// A Program is a small, bounded concurrent program over Go's primitives: a set of goroutine
// bodies (body 0 is `main`), program-level channels, mutexes and wait groups, and per body a
// flat list of operations. Three things work on it:
//
//   text.h     parse/print of the human-readable form (the grammar is in README.md)
//   decode.h   a total, stable decoder from fuzzer bytes to programs
//   interp.h   an interpreter that runs a program on the public runtime API (touchstone.h)
//
// Representation. A body's operations are one flat vector: `loop N {` is an Op of kind Loop
// and its closing `}` an Op of kind End, so the interpreter walks an array with an explicit loop
// stack (no recursion per op) and printing is a single pass. Every field of an Op that its kind
// does not use must hold its default value (validate() enforces it), so that two programs that
// print the same are equal: parse(print(p)) == p for every valid p.
//
// Limits (kMax* below) bound every program statically; the interpreter bounds the dynamic side
// (steps and goroutines, interp.h). Together they make every run end — by finishing, by a
// deadlock the runtime reports, or by a budget error — in bounded time.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace touchstone::program {

// ---- limits (checked by validate(); parse and decode produce only programs within them) -------
inline constexpr int kMaxBodies = 64;          // goroutine bodies, main included
inline constexpr int kMaxChans = 64;
inline constexpr int kMaxMutexes = 16;
inline constexpr int kMaxWaitGroups = 16;
inline constexpr int kMaxOps = 4096;           // statements in all bodies (a loop's `}` is free)
inline constexpr int kMaxDepth = 8;            // loop nesting depth within a body
inline constexpr int kMaxNameLength = 32;      // identifiers: [A-Za-z_][A-Za-z0-9_]*
inline constexpr std::int64_t kMaxLoopCount = 10'000;        // loop N: 0..N
inline constexpr std::int64_t kMaxChanCap = 4'096;           // chan C cap K: 0..K
inline constexpr std::int64_t kMaxWork = 1'000'000;          // work N: 0..N units
inline constexpr std::int64_t kMaxMicros = 1'000'000;        // sleep/syscall US: 0..US
inline constexpr std::int64_t kMaxWgDelta = 10'000;          // wg W add N: -N..N
inline constexpr std::int64_t kMaxValue = 1'000'000'000'000'000;  // send literals: -V..V
inline constexpr std::int64_t kMaxProcs = 8;                 // procs N: 1..N (not the runtime's
                                                             // 256: a program stays small)

// The steps a `procs N` costs beyond its own (interp.h's step measure): a stop-the-world is
// expensive, so it is charged like a 10 µs syscall. The decoder's cost model uses it too.
inline constexpr std::int64_t kProcsSteps = 10;

enum class OpKind : std::uint8_t {
  Spawn = 0,    // spawn B        go body B; ref = body
  Yield = 1,    // yield          runtime.Gosched
  Work = 2,     // work N         N units of busy work, a preempt_check per unit; n = N
  Send = 3,     // send C V       ref = channel; value = n (+ iteration of loop level `var`)
  Recv = 4,     // recv C         v, ok := <-C, recorded in the outcome; ref = channel
  Close = 5,    // close C        ref = channel
  Lock = 6,     // lock M         ref = mutex
  Unlock = 7,   // unlock M       ref = mutex
  WgAdd = 8,    // wg W add N     ref = wait group; n = N (may be negative)
  WgDone = 9,   // wg W done      ref = wait group
  WgWait = 10,  // wg W wait      ref = wait group
  Sleep = 11,   // sleep US       until the runtime has timers: a syscall that sleeps US µs
  Syscall = 12, // syscall US     a blocking system call lasting US µs (the P is released)
  Loop = 13,    // loop N [as I] {   n = N; name = I ("" without a variable)
  End = 14,     // }              closes the innermost Loop
  Exit = 15,    // exit           ends this goroutine (runtime.Goexit)
  // 16..31: reserved for operations of the GC and stack issues. They are named here so that
  // the text format already rejects them with a clear message; validate() rejects them until
  // the interpreter implements them.
  Alloc = 16,   // alloc          reserved: allocate a heap object (GC issue)
  Store = 17,   // store          reserved: store a pointer into an object (GC write barrier)
  Load = 18,    // load           reserved: load through a pointer (GC issue)
  Call = 19,    // call           reserved: call a body as a function (stack growth issue)
  Ret = 20,     // ret            reserved: return from a call (stack growth issue)
  // 32..: control of the runtime itself.
  Procs = 32,   // procs N        runtime.GOMAXPROCS(N): stops the world, resizes the P set to
                //                N Ps and restarts it (touchstone::gomaxprocs); n = N, 1..kMaxProcs
};

// The keyword of an operation in the text form ("spawn", "wg" for the three wg forms, "}" for
// End, the reserved names for reserved kinds).
const char* op_keyword(OpKind k);

struct Op {
  OpKind kind = OpKind::Yield;
  std::int32_t ref = 0;    // Spawn: body; Send/Recv/Close: channel; Lock/Unlock: mutex; Wg*: wait group
  std::int64_t n = 0;      // Work: units; Sleep/Syscall: µs; WgAdd: delta; Send: literal; Loop: count;
                           // Procs: the new GOMAXPROCS
  std::int32_t var = -1;   // Send: nesting level (0 = outermost) of the loop whose iteration
                           // index (0-based) is added to n; -1: a plain literal
  std::string name;        // Loop: the iteration variable ("" none)
  bool operator==(const Op&) const = default;

  static Op make(OpKind k, std::int32_t ref = 0, std::int64_t n = 0, std::int32_t var = -1, std::string name = {}) {
    Op op;
    op.kind = k;
    op.ref = ref;
    op.n = n;
    op.var = var;
    op.name = std::move(name);
    return op;
  }
  static Op spawn(int body) { return make(OpKind::Spawn, body); }
  static Op yield() { return make(OpKind::Yield); }
  static Op work(std::int64_t units) { return make(OpKind::Work, 0, units); }
  static Op send(int chan, std::int64_t v, int var = -1) { return make(OpKind::Send, chan, v, var); }
  static Op recv(int chan) { return make(OpKind::Recv, chan); }
  static Op close(int chan) { return make(OpKind::Close, chan); }
  static Op lock(int mu) { return make(OpKind::Lock, mu); }
  static Op unlock(int mu) { return make(OpKind::Unlock, mu); }
  static Op wg_add(int wg, std::int64_t delta) { return make(OpKind::WgAdd, wg, delta); }
  static Op wg_done(int wg) { return make(OpKind::WgDone, wg); }
  static Op wg_wait(int wg) { return make(OpKind::WgWait, wg); }
  static Op sleep(std::int64_t us) { return make(OpKind::Sleep, 0, us); }
  static Op syscall(std::int64_t us) { return make(OpKind::Syscall, 0, us); }
  static Op loop(std::int64_t count, std::string var = {}) { return make(OpKind::Loop, 0, count, -1, std::move(var)); }
  static Op end() { return make(OpKind::End); }
  static Op exit() { return make(OpKind::Exit); }
  static Op procs(std::int64_t n) { return make(OpKind::Procs, 0, n); }
};

struct ChanDecl {
  std::string name;
  std::int64_t cap = 0;
  bool operator==(const ChanDecl&) const = default;
};

struct Body {
  std::string name;
  std::vector<Op> ops;
  bool operator==(const Body&) const = default;
};

struct Program {
  std::vector<ChanDecl> chans;          // created (made) before main runs
  std::vector<std::string> mutexes;
  std::vector<std::string> waitgroups;
  std::vector<Body> bodies;             // bodies[0] is main
  bool operator==(const Program&) const = default;
};

// Checks every rule of the language: the limits above, names (valid, unique across channels,
// mutexes, wait groups and bodies; body 0 named "main"), references in range, loops balanced
// and nested at most kMaxDepth deep, loop variables unique among enclosing loops, a send's var
// naming an enclosing loop that has a variable, unused fields at their defaults, no reserved
// kinds. Returns "" for a valid program, else the first problem ("body 'main' op 3: ...").
// (Defined in text.cc, next to the parser that enforces the same rules with positions.)
std::string validate(const Program& p);

// Statements of p (every op except End), the quantity kMaxOps bounds.
int count_ops(const Program& p);

}  // namespace touchstone::program
