// conformance/program/decode.h — fuzzer bytes to programs: total and stable.
//
// TOTAL: every byte string (empty included) decodes to a Program that passes validate(), so a
// fuzzer never wastes an input. STABLE: bytes are consumed two at a time, one pair per op (or
// per small fixed group of ops), so flipping one byte changes what one pair emits (or one
// region's extent, or splits or merges bodies) rather than reshuffling the program; nothing is
// derived from a global hash of the input.
//
// The mapping (the first kDecodeHeaderBytes bytes are the header; a missing byte reads as 0):
//
//   header byte i (i = 0..3)   capacity of channel c<i>: {0, 0, 1, 1, 2, 3, 4, 8}[b & 7]
//   declarations (fixed)       chan c0..c3, mutex m0 m1, waitgroup w0
//   then pairs (o, a)          one op each; the kind is kKinds[o % 32], `a` its argument;
//                              at most kDecodeMaxPairs pairs are read, the rest is ignored
//
//   o % 32   kind        what a pair emits (a = the argument byte)
//   0-2      spawn       `wg w0 add 1` + `spawn B`, B = the (1 + a%4)-th next body (the last
//                        body if fewer follow; a `yield` in the last body): spawns only go
//                        forward, so the spawn graph is acyclic
//   3-4      yield       `yield`
//   5-7      work        `work 1 + a%16`
//   8-13     send        an exchange on c = c<a%4>: `send c V` then `recv c`, V = (a>>2)%32,
//                        plus the innermost loop variable in scope when a >= 128
//   14-20    recv        the other exchange: `recv c` then `send c V` (same c and V)
//                        In main, both are spawns (as above); in a lock region, a `yield`.
//   21       close       `close c<a%4>` only in main, outside loops, once per channel, and only
//                        when (a>>2)%8 == 0 (close is rare on purpose);
//            procs       when (a>>2)%8 == 1: `procs 1 + (a>>5)` (1..8 Ps), in any body, loop or
//                        lock region (a stop-the-world, rare on purpose: 1 pair in 256);
//                        otherwise `yield`
//   22-23    lock        `lock m<a%2>`, the next 1 + (a>>1)%4 pairs, `unlock m<a%2>`; a lock
//                        inside a lock region is a `yield` (no self-deadlock)
//   24-26    loop        `loop 1+a%4 [as i<level> when (a>>4)%2] {`, the next 1 + (a>>2)%4
//                        pairs, `}`; at most kDecodeMaxLoopDepth loops deep
//   27       wait        `wg w0 wait` in main outside lock regions when (a>>2)%4 == 0 (waits
//                        for every goroutine spawned so far); `yield` otherwise
//   28       sleep       `sleep 10*(a%8)`
//   29       syscall     `syscall a%8`
//   30       exit        when a%8 == 0 and not inside a lock region: `exit` (in other bodies
//                        `wg w0 done` first); otherwise `yield`
//   31       new body    the pairs that follow form a new body named b<pair index> (main is
//                        the pairs before the first one); past kMaxBodies bodies, a `yield`
//
// Mapping history: `procs` took the pairs (21, a) with (a>>2)%8 == 1, which were `yield`
// before; every other pair decodes as it did, so the only change to an earlier program is that
// some of its yields are now procs statements (which cost 11 steps where the yield cost 1, so
// near kDecodeMaxSteps the step cap may drop a later op that used to fit).
//
// Regions (lock, loop) cover a number of following pairs and nest: a region ends early where
// its enclosing region or its body ends. Every body other than main ends with `wg w0 done`, so
// w0 counts the running spawned goroutines and `wg w0 wait` in main is a join; main ends with
// `sleep kDecodeGraceMicros`, a grace period in which the others run before main returns and
// the runtime abandons them.
//
// Deadlocks are possible but not the rule. Main orchestrates (spawn, yield, work, sleep,
// syscall, lock, close, wait) and never blocks on a channel; nobody blocks on a channel while
// holding a mutex, and lock regions do not nest, so a lock is always released; `unlock` always
// follows its `lock` in the same goroutine. Channel ops come as exchanges (send then recv, or
// recv then send, on one channel): instances of one body would otherwise all wait at the same
// first recv, whereas exchanges let goroutines feed each other (on a buffered channel used
// only by send-then-recv exchanges, none blocks for good). Goroutines still block on each other
// freely — those left blocked when main returns are abandoned, as in Go. So a decoded program
// deadlocks only when main waits (a rare pair) for a goroutine that never finishes, and panics
// only when a send races with main's (rare) close: under the sim, about 86% of random 200-byte
// inputs run to the end (program_test's DecodedProgramsMostlyRun...).
//
// Bounded cost: the decoder tracks how many goroutines run each body (main: 1; a spawn adds the
// spawning body's count times its loop multiplier) and the steps every op costs (interp.h's
// step measure). An op, a loop or a lock region that would take the program past
// kDecodeMaxSteps steps or kDecodeMaxGoroutines goroutines is left out (a region's pairs are
// still decoded, unwrapped). So every decoded program runs at most kDecodeMaxSteps steps and
// kDecodeMaxGoroutines goroutines, far inside the interpreter's default budgets.
#pragma once

#include <cstdint>
#include <span>

#include "conformance/program/program.h"

namespace touchstone::program {

inline constexpr int kDecodeHeaderBytes = 4;
inline constexpr int kDecodeMaxPairs = 1900;      // <= 2 statements a pair: stays under kMaxOps
inline constexpr int kDecodeMaxLoopDepth = 3;
inline constexpr std::int64_t kDecodeMaxSteps = 20'000;
inline constexpr std::int64_t kDecodeMaxGoroutines = 64;  // main included
inline constexpr std::int64_t kDecodeGraceMicros = 1'000;  // main's closing sleep

Program decode(std::span<const std::uint8_t> bytes);

}  // namespace touchstone::program
