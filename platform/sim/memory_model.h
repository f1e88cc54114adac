// platform/sim/memory_model.h — the simulator's memory models: sc, tso and weak.
//
// The world (world.cc) owns one MemoryModel per run; platform::Atomic<T> (atomic.h) calls into
// it through the sim::mm_* hooks whenever the run's model is not sc. Under sc nothing here runs:
// the Atomic keeps its plain inline value and no decision beyond the schedule is drawn, so every
// sc run is bit-identical to the simulator before memory models existed (same decision log, hash
// and step count; conformance/litmus/litmus_test.cc pins that against recorded hashes).
//
// Common to both models
// ---------------------
//  * A *location* is one Atomic<T> (T up to 8 bytes). Its value travels as a uint64 bit pattern.
//    The Atomic's inline value is always the location's newest value in modification order
//    (weak) or its value in memory (tso: what the store buffers have written), so a futex reads
//    the right word through Atomic::address() and code outside a run sees plain values.
//  * Location state is found without hashing addresses: each Atomic carries a Loc handle
//    {epoch, idx}. The first operation on it in a run registers it (idx = the next slot of a
//    per-run table, so indices follow the deterministic order of first use) with its current
//    inline value as the *initialisation* store, visible to every thread. The epoch changes at
//    every run, so a handle left from an earlier run (or by a constructor, which zeroes it) is
//    stale and the next operation registers a fresh location: a store made outside a run, or by
//    a constructor of a reused block of memory, is initialisation, and no history leaks between
//    runs or between an object and the next object at the same address. ~Atomic retires its
//    location: a buffered tso store to a retired location is dropped when it drains, never
//    written to memory that may belong to someone else by then.
//  * Thread creation, join and futex sleep/wake are system calls: they synchronize (the started,
//    joining or woken thread's clock joins the creator's, joined's or waker's). Creation and
//    futex calls also act as full fences for the caller (tso drains its buffer; weak runs a
//    seq_cst fence): Linux's futex_wake has an smp_mb(). Thread exit is not a fence.
//
// tso (x86-64, C++ atomics as compiled by GCC/Clang: plain MOV for loads and non-seq_cst
// stores, XCHG for seq_cst stores, LOCK-prefixed RMWs, MFENCE only for a seq_cst fence)
// ---------------------------------------------------------------------------------------
//  1. Every thread has a FIFO store buffer (cfg.store_buffer entries). A store appends to it; a
//     seq_cst store appends and then drains the whole buffer (XCHG is locked).
//  2. A load reads the newest entry for its location in its own buffer, else memory.
//  3. An RMW drains the buffer first and then reads and writes memory atomically; so does a
//     seq_cst fence (MFENCE). Acquire/release fences emit nothing on x86 and do nothing here.
//  4. Buffers drain by Flush decisions (strategy.h: option 0 stop, option i flush the oldest
//     entry of the i-th non-empty buffer), drawn repeatedly right before every access
//     that observes memory: a load not served by the thread's own buffer, an RMW, a drain of
//     the thread's own non-empty buffer (seq_cst fence or store, futex call, thread start), a
//     join (over every buffer, the joiner's too), and
//     after the last thread finished (then without "stop", until every buffer is empty).
//     Drawing them only there loses no execution: a flush can always be postponed to the next
//     access of another thread that could observe it, so every TSO execution has an
//     equivalent one whose flushes sit at those places; drawing them at every scheduling
//     point (the first version) explored the same outcomes with ~10x the runs (IRIW).
//     A full buffer flushes its oldest entry before appending; an entry older than kFlushAge
//     scheduling points is flushed without a decision (real buffers drain in bounded time;
//     without this a spin loop on a buffered store could spin to the step bound under an
//     adversarial decision stream). Thread exit does not drain: others' stores may still reach
//     memory first.

// weak (C++11/20 atomics, the operational approximation CDSChecker and loom use)
// -----------------------------------------------------------------------------
// Per thread T: a vector clock vc (happens-before), a coherence view cv >= vc (vc plus what
// seq_cst fences add), acq (the release views of stores T read with relaxed loads, for a later
// acquire fence), rel (vc at T's last release fence), and the S-position of its last seq_cst
// fence. Every load, store and RMW ticks vc[T]. Per location: the last cfg.history stores in
// modification order (mo), each with its value, its mo index, its S-position if seq_cst, its
// release view (what an acquire read of it synchronizes with) and seen[X] (X's clock when X
// first wrote or read it).
//  1. Stores go to the end of mo in execution order (a store never slips before an existing one).
//  2. A store W is *known* to T if some thread X saw W at a time that happens-before T's present
//     (seen[X] <= T.cv[X]); initialisation stores are known to everyone. A load by T may read
//     the newest store and every older retained store down to the newest known one: coherence
//     (CoRR, CoWR, CoRW, CoWW, also through happens-before) forbids reading older than a store
//     already in T's past.
//  3. seq_cst (C++20, [atomics.order]): S is execution order. A seq_cst load cannot read older
//     than a seq_cst store to its location (they precede it in S), nor older than a store known
//     to any earlier seq_cst fence. After a seq_cst fence F, T cannot read older than a seq_cst
//     store that precedes F in S, nor older than a store known to any earlier seq_cst fence
//     (cv joins the global fence clock: coherence only, not happens-before).
//  4. The choice among the allowed stores is a ReadFrom decision: option 0 the newest, i the
//     i-th older. A store superseded more than kVisibilityAge scheduling points ago is no longer
//     offered (eventual visibility: a spin loop cannot read a stale value forever).
//  5. An acquire (or stronger) load joins the store's release view into vc; a relaxed load
//     adds it to acq, which the next acquire fence joins. A release (or stronger) store's view
//     is T's vc; a relaxed store's view is rel (fence-release -> relaxed store) or nothing.
//  6. An RMW reads the newest store (atomicity), never stale, and its view is its own
//     release view joined with the view of the store it read (C++20 release sequences: the
//     head and the RMWs after it). A failed CAS is a load of the newest store with the failure
//     order.
//  7. Fences: acquire joins acq into vc; release copies vc into rel; seq_cst does both and
//     then rule 3.
//
// What weak does NOT cover (each makes the model stronger than C++ or the hardware, so it can
// miss a bug but never reports an execution C++ forbids):
//  * Load buffering (LB) and out-of-thin-air: a load reads only stores that already executed
//    (no promises). AArch64 and RISC-V allow LB; C++ allows it for relaxed accesses.
//  * mo that disagrees with execution order: 2+2W, and S with relaxed or release stores, are
//    never observed (rule 1). CDSChecker inserts stores into mo lazily; we do not.
//  * Stale reads older than cfg.history stores, or superseded more than kVisibilityAge points ago.
//  * Failed CAS reading a stale value, spurious failure of compare_exchange_weak (cas() is strong).
//  * Non-atomic accesses and data races: only Atomic<T> is modelled; plain memory is sequentially
//    consistent (a race on plain memory is not detected).
//  * memory_order_consume is treated as acquire (as every compiler does).
//  * Hardware-specific strength beyond C++: AArch64's STLR->LDAR ordering (SB+rel+acq is
//    forbidden on AArch64 but allowed by C++ and by RISC-V's fence mapping) and multicopy
//    atomicity for non-seq_cst accesses (IRIW with acquire loads) are not enforced: the model
//    follows C++, which is the contract runtime code is written against.
//
// Rejected alternatives: a per-thread per-location view (the "promising"/view-based operational
// semantics) makes every acquire O(locations) — hundreds of ring slots per P; a map keyed by
// address would make location identity depend on addresses and need clearing by iteration;
// modelling seq_cst loads and stores as acq_rel (loom's choice) raises false alarms on correct
// Dekker-style code (loom #180); full hb edges for seq_cst fences (loom's choice) hide the C++
// executions in which two fenced threads do not synchronize.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "platform/sim/atomic.h"
#include "platform/sim/strategy.h"
#include "platform/sim/world.h"

namespace touchstone::sim {

using platform::sim::Loc;

// Where the model's decisions go (the world: it asks the strategy and logs the decision).
class Decider {
 public:
  virtual std::uint32_t decide(Choice kind, std::uint32_t n, std::span<const int> threads) = 0;

 protected:
  ~Decider() = default;
};

class MemoryModel {
 public:
  static constexpr std::uint64_t kFlushAge = 1000;       // tso: scheduling points
  static constexpr std::uint64_t kVisibilityAge = 1000;  // weak: scheduling points

  // A run starts (model != Sc) / ends. `steps` is the world's scheduling-point counter.
  void begin(const Config& cfg, Decider* decider, const std::uint64_t* steps);
  void end();
  Model model() const { return model_; }

  // Threads and system calls.
  void thread_started(int parent, int child);  // parent -1: thread 0
  void synchronize(int from, int to);          // from's present happens-before to's
  void syscall_fence(int tid);                 // tso: drain; weak: a seq_cst fence

  // Atomic operations of thread tid (the sim::mm_* hooks land here).
  std::uint64_t load(int tid, Loc& loc, void* addr, unsigned size, std::memory_order mo);
  void store(int tid, Loc& loc, void* addr, unsigned size, std::uint64_t bits, std::memory_order mo);
  void rmw_prepare(int tid, Loc& loc, void* addr, unsigned size);
  void rmw_commit(int tid, Loc& loc, void* addr, unsigned size, std::uint64_t bits, std::memory_order mo);
  void rmw_fail(int tid, Loc& loc, void* addr, unsigned size, std::memory_order mo);
  void fence(int tid, std::memory_order mo);
  void retire(Loc& loc);

  // tso: buffers.
  bool buffered(int tid) const;
  bool any_buffered() const { return buffered_threads_ > 0; }
  void flush_oldest(int tid);
  void drain(int tid);
  // tso: Flush decisions over the other threads' buffers (and self's if include_self), until
  // "stop" (memory_model.h rule 4).
  void offer_flushes(int self, bool include_self = false);
  // Flushes, without a decision, every buffer entry older than kFlushAge points.
  void flush_aged();

 private:
  using Clock = std::vector<std::uint32_t>;  // by thread id; a missing entry is 0
  static constexpr std::uint32_t kNever = 0xffffffffu;

  struct Store {
    std::uint64_t bits = 0;
    std::uint64_t sc_seq = 0;     // > 0: a seq_cst store or RMW, its position in S
    std::uint64_t step = 0;       // scheduling point at which it was written
    bool init = false;            // initialisation: known to every thread
    Clock seen;                   // seen[X]: X's clock when X first wrote or read it; kNever: not
    Clock view;                   // release view (empty: synchronizes with nothing)
  };
  struct Location {
    void* addr = nullptr;         // the Atomic's value; null once retired
    unsigned size = 0;
    std::vector<Store> ring;      // weak: cfg.history slots, newest at `newest`
    std::uint32_t newest = 0;
    std::uint32_t count = 0;      // retained stores (<= ring.size())
  };
  struct BufEntry {
    std::uint32_t loc;
    std::uint64_t bits;
    std::uint64_t step;
  };
  struct Thread {
    Clock vc, cv, acq, rel;
    bool has_rel = false;
    std::uint64_t fence_sc_seq = 0;
    std::vector<BufEntry> buf;    // tso FIFO: [head, end)
    std::size_t head = 0;
  };

  Location& reg(Loc& loc, void* addr, unsigned size);
  Thread& thread(int tid);
  std::uint32_t tick(Thread& t, int tid);
  static void join(Clock& into, const Clock& from);
  static bool known(const Store& w, const Clock& c);
  Store& push_store(Location& l);  // the new newest slot (the oldest drops out when full)
  void mark_seen(Store& w, int tid, std::uint32_t now);
  void acquire_view(Thread& t, const Clock& view, std::memory_order mo);
  Store& append_store(Location& l, Thread& t, int tid, std::uint32_t now, std::uint64_t bits, std::memory_order mo);
  void write(Location& l, std::uint64_t bits);
  void tso_append(int tid, std::uint32_t loc, std::uint64_t bits);
  void weak_fence(Thread& t, std::memory_order mo);

  Model model_ = Model::Sc;
  std::uint32_t history_ = 8;
  std::uint32_t buffer_cap_ = 8;
  Decider* decider_ = nullptr;
  const std::uint64_t* steps_ = nullptr;
  std::uint32_t epoch_ = 0;        // this run's epoch; 0 between runs
  std::vector<Location> locs_;     // pooled across runs (slots keep their capacity)
  std::uint32_t nlocs_ = 0;
  std::vector<Thread> threads_;    // pooled across runs
  std::size_t nthreads_ = 0;
  int buffered_threads_ = 0;       // tso: threads with a non-empty buffer
  std::uint64_t sc_seq_ = 0;       // weak: S positions handed out
  Clock sc_fence_;                 // weak: join of every seq_cst fence's vc so far
  Clock scratch_;
  std::vector<int> flush_ids_;
  std::vector<std::uint32_t> cand_;
};

}  // namespace touchstone::sim
