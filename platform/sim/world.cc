// platform/sim/world.cc — see world.h. Also implements platform/sim/os.h, sim::point and the
// memory-model hooks of platform/sim/atomic.h (forwarded to memory_model.h's MemoryModel).
#include "platform/sim/world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "platform/sim/memory_model.h"
#include "platform/sim/os.h"
#include "runtime/arch/context.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_SIM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TS_SIM_ASAN 1
#endif
#if defined(TS_SIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace touchstone::sim {

namespace {

enum class State : std::uint8_t { Runnable, Blocked, Done };

struct SimThread {
  int id = 0;
  arch::Gobuf ctx;
  char* stack_lo = nullptr;
  std::size_t stack_size = 0;
  State state = State::Runnable;
  const void* waiting_on = nullptr;  // futex address or joined thread; null for a plain sleep
  std::int64_t deadline = -1;        // virtual ns; -1: none
  std::uint64_t block_seq = 0;       // FIFO order among threads blocked on one address
  bool timed_out = false;
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
  platform::ThreadSlots slots;
  void* asan_fake_stack = nullptr;  // ASan's fake-stack handle while switched out
};

// Fiber stacks are reused across runs (a harness runs thousands of executions per process).
struct StackPool {
  std::size_t size = 0;
  std::vector<char*> free;
  char* get(std::size_t n) {
    if (n != size) {
      for (char* s : free) platform::unmap_stack(s, size);
      free.clear();
      size = n;
    }
    if (!free.empty()) {
      char* s = free.back();
      free.pop_back();
      return s;
    }
    return static_cast<char*>(platform::map_stack(n));
  }
  void put(char* s) { free.push_back(s); }
};
StackPool g_stacks;

class World;
World* g_world = nullptr;
// The memory model of the current run (pooled: its tables keep their capacity across runs).
// Used only when the run's model is not sc.
MemoryModel g_mm;
platform::ThreadSlots g_host_slots;  // tls() outside a run (one OS thread runs the sim)

void thread_entry(void* arg);

// Tells ASan about a switch from the running fiber to `to_lo/to_size` (null `save`: the running
// fiber never resumes) and completes it on the other side. No-ops without ASan.
inline void asan_start(void** save, const void* to_lo, std::size_t to_size) {
#if defined(TS_SIM_ASAN)
  __sanitizer_start_switch_fiber(save, to_lo, to_size);
#else
  (void)save, (void)to_lo, (void)to_size;
#endif
}
inline void asan_finish(void* fake, const void** from_lo = nullptr, std::size_t* from_size = nullptr) {
#if defined(TS_SIM_ASAN)
  __sanitizer_finish_switch_fiber(fake, from_lo, from_size);
#else
  (void)fake, (void)from_lo, (void)from_size;
#endif
}

class World final : public Decider {
 public:
  World(const Config& cfg, Strategy& strategy) : cfg_(cfg), strat_(strategy), mm_on_(cfg.model != Model::Sc) {}

  // The decisions so far (in_flight_log).
  const std::vector<Decision>& log_so_far() const { return res_.log; }

  Result run(const std::function<void()>& body) {
    body_ = &body;
    if (mm_on_) {
      g_mm.begin(cfg_, this, &steps_);
      platform::sim::g_model_on = true;
    }
    SimThread* t0 = spawn(
        [](void* w) { (*static_cast<World*>(w)->body_)(); }, this);
    cur_ = t0;
    asan_start(&host_fake_, t0->stack_lo, t0->stack_size);
    arch::touchstone_gogo_switch(&host_, &t0->ctx);
    asan_finish(host_fake_);
    // Back on the host stack: every thread finished, or the run failed. tso: stores still
    // buffered drain now, in an order drawn from the strategy (after a failure they are dropped).
    if (mm_on_) {
      platform::sim::g_model_on = false;
      if (res_.failure == Failure::None) drain_at_end();
      g_mm.end();
    }
    for (auto& t : threads_) g_stacks.put(t->stack_lo);
    res_.steps = steps_;
    res_.vtime_ns = now_;
    res_.threads = int(threads_.size());
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v) {
      for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 1099511628211ull;
      }
    };
    for (const Decision& d : res_.log) {
      mix(std::uint64_t(d.kind) << 32 | d.n);
      mix(d.value);
    }
    mix(steps_);
    res_.hash = h;
    return std::move(res_);
  }

  SimThread* spawn(void (*fn)(void*), void* arg) {
    auto t = std::make_unique<SimThread>();
    t->id = int(threads_.size());
    t->stack_size = cfg_.stack_size;
    t->stack_lo = g_stacks.get(cfg_.stack_size);
#if defined(TS_SIM_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(t->stack_lo, t->stack_size);  // a pooled stack: old redzones
#endif
    t->slots.stack_lo = t->stack_lo;
    t->slots.stack_size = t->stack_size;
    t->fn = fn;
    t->arg = arg;
    arch::gostartcall(&t->ctx, t->stack_lo + t->stack_size, thread_entry, t.get());
    SimThread* raw = t.get();
    threads_.push_back(std::move(t));
    if (mm_on_) g_mm.thread_started(cur_ == nullptr ? -1 : cur_->id, raw->id);
    strat_.on_thread_start(raw->id);
    return raw;
  }

  // A scheduling point of the current thread.
  void step() {
    if (++steps_ > cfg_.max_steps) {
      fail(Failure::StepBound, "step bound: more than " + std::to_string(cfg_.max_steps) + " scheduling points");
    }
    now_ += cfg_.step_ns;
    if (now_ >= next_deadline_) wake_expired();
    strat_.on_point(cur_->id);
    reschedule();
  }

  // tso, on the host after the last thread finished: every buffer drains, one entry per Flush
  // decision (the options: the non-empty buffers in thread-id order; no "stop"). A thread's exit
  // does not drain its buffer: other threads' buffered stores may still reach memory first.
  void drain_at_end() {
    while (g_mm.any_buffered()) {
      flush_ids_.clear();
      for (auto& t : threads_) {
        if (g_mm.buffered(t->id)) flush_ids_.push_back(t->id);
      }
      std::uint32_t pick = 0;
      if (flush_ids_.size() > 1) {
        const auto n = std::uint32_t(flush_ids_.size());
        pick = strat_.choose(Choice::Flush, n, flush_ids_);
        if (const std::string* e = strat_.error()) {  // on the host: no fail(), just report
          res_.failure = Failure::Diverged;
          res_.message = *e;
          return;
        }
        res_.log.push_back(Decision{Choice::Flush, n, pick});
      }
      g_mm.flush_oldest(flush_ids_[pick]);
    }
  }

  // Decider: a memory-model decision (n >= 2), logged like a schedule decision.
  std::uint32_t decide(Choice kind, std::uint32_t n, std::span<const int> ids) override {
    const std::uint32_t pick = strat_.choose(kind, n, ids);
    if (const std::string* e = strat_.error()) fail(Failure::Diverged, *e);
    res_.log.push_back(Decision{kind, n, pick});
    return pick;
  }

  bool mm_on() const { return mm_on_; }

  // Blocks the current thread until woken (or until the deadline). Returns true on timeout.
  bool block(const void* on, std::int64_t deadline) {
    SimThread* self = cur_;
    self->state = State::Blocked;
    self->waiting_on = on;
    self->deadline = deadline;
    self->block_seq = ++block_seq_;
    self->timed_out = false;
    if (deadline >= 0 && deadline < next_deadline_) next_deadline_ = deadline;
    reschedule();
    return self->timed_out;
  }

  // Wakes up to cnt threads blocked on `on`, oldest first.
  void wake(const void* on, std::uint32_t cnt) {
    while (cnt-- > 0) {
      SimThread* oldest = nullptr;
      for (auto& t : threads_) {
        if (t->state == State::Blocked && t->waiting_on == on && (oldest == nullptr || t->block_seq < oldest->block_seq)) {
          oldest = t.get();
        }
      }
      if (oldest == nullptr) return;
      if (mm_on_) g_mm.synchronize(cur_->id, oldest->id);  // futex wake / thread exit: hb
      make_runnable(oldest);
    }
  }

  [[noreturn]] void exit_thread() {
    cur_->state = State::Done;
    wake(cur_, 0xffffffffu);  // joiners wait on the thread itself
    reschedule();
    __builtin_unreachable();
  }

  [[noreturn]] void fail(Failure f, std::string msg) {
    if (res_.failure == Failure::None) {
      res_.failure = f;
      res_.message = std::move(msg);
    }
    to_host();
  }

  // Leaves the fibers for good: the run is complete or failed.
  [[noreturn]] void to_host() {
    asan_start(nullptr, host_lo_, host_size_);
    arch::touchstone_gogo(&host_);
  }

  // The first thing every simulated thread does (completes the switch that started it).
  void entered(SimThread* t) {
    if (t->id == 0) {
      asan_finish(nullptr, &host_lo_, &host_size_);  // we came from the host: remember its stack
    } else {
      asan_finish(nullptr);
    }
  }

  std::uint64_t decide_value() {
    const std::uint64_t v = strat_.value();
    if (const std::string* e = strat_.error()) fail(Failure::Diverged, *e);
    res_.log.push_back(Decision{Choice::Value, 0, v});
    return v;
  }

  SimThread* thread(int id) { return threads_[std::size_t(id)].get(); }
  SimThread* cur() const { return cur_; }
  std::int64_t now() const { return now_; }

 private:
  void make_runnable(SimThread* t) {
    t->state = State::Runnable;
    t->waiting_on = nullptr;
    t->deadline = -1;
  }

  void wake_expired() {
    next_deadline_ = INT64_MAX;
    for (auto& t : threads_) {
      if (t->state != State::Blocked || t->deadline < 0) continue;
      if (t->deadline <= now_) {
        t->timed_out = true;
        make_runnable(t.get());
      } else if (t->deadline < next_deadline_) {
        next_deadline_ = t->deadline;
      }
    }
  }

  // Chooses the next thread (the current one may continue) and switches to it. If the current
  // thread is blocked or done, it does not return until the thread is resumed (never, if done).
  void reschedule() {
    if (mm_on_ && g_mm.any_buffered()) g_mm.flush_aged();  // tso: bounded buffer residence
    for (;;) {
      options_.clear();
      if (cur_->state == State::Runnable) options_.push_back(cur_->id);
      for (auto& t : threads_) {
        if (t.get() != cur_ && t->state == State::Runnable) options_.push_back(t->id);
      }
      if (!options_.empty()) break;
      if (std::all_of(threads_.begin(), threads_.end(), [](auto& t) { return t->state == State::Done; })) {
        to_host();  // the run is complete
      }
      // Nobody can run: jump virtual time to the earliest deadline, or report a deadlock.
      if (next_deadline_ == INT64_MAX) wake_expired();
      if (next_deadline_ == INT64_MAX) fail(Failure::Deadlock, deadlock_report());
      now_ = std::max(now_, next_deadline_);
      if (now_ > cfg_.max_vtime_ns) {
        fail(Failure::TimeBound, "time bound: virtual time passed " + std::to_string(cfg_.max_vtime_ns) + " ns");
      }
      wake_expired();
    }
    std::size_t pick = 0;
    if (options_.size() > 1) {
      const auto n = std::uint32_t(options_.size());
      pick = strat_.choose(Choice::Schedule, n, options_);
      if (const std::string* e = strat_.error()) fail(Failure::Diverged, *e);
      res_.log.push_back(Decision{Choice::Schedule, n, pick});
    }
    SimThread* next = threads_[std::size_t(options_[pick])].get();
    if (next == cur_) return;
    SimThread* prev = cur_;
    cur_ = next;
    if (prev->state == State::Done) {
      asan_start(nullptr, next->slots.stack_lo, next->slots.stack_size);
      arch::touchstone_gogo(&next->ctx);  // prev's stack is dead
    }
    asan_start(&prev->asan_fake_stack, next->slots.stack_lo, next->slots.stack_size);
    arch::touchstone_gogo_switch(&prev->ctx, &next->ctx);
    asan_finish(prev->asan_fake_stack);
  }

  std::string deadlock_report() const {
    std::string s = "deadlock: every simulated thread is blocked and none has a deadline:";
    for (const auto& t : threads_) {
      if (t->state != State::Blocked) continue;
      s += " [thread " + std::to_string(t->id) + (t->waiting_on == nullptr ? " sleeping" : " waiting") + "]";
    }
    return s;
  }

  Config cfg_;
  Strategy& strat_;
  const bool mm_on_;
  std::vector<int> flush_ids_;  // drain_at_end's options
  const std::function<void()>* body_ = nullptr;
  std::vector<std::unique_ptr<SimThread>> threads_;
  SimThread* cur_ = nullptr;
  arch::Gobuf host_;
  void* host_fake_ = nullptr;
  const void* host_lo_ = nullptr;
  std::size_t host_size_ = 0;
  std::uint64_t steps_ = 0;
  std::int64_t now_ = 0;
  std::int64_t next_deadline_ = INT64_MAX;
  std::uint64_t block_seq_ = 0;
  std::vector<int> options_;
  Result res_;
};

void thread_entry(void* arg) {
  auto* t = static_cast<SimThread*>(arg);
  g_world->entered(t);
  t->fn(t->arg);
  g_world->exit_thread();
}

World& world_or_die(const char* what) {
  if (g_world == nullptr || g_world->cur() == nullptr) {
    std::fprintf(stderr, "fatal error: sim: %s outside a simulated run\n", what);
    std::_Exit(2);
  }
  return *g_world;
}

}  // namespace

const char* model_name(Model m) {
  switch (m) {
    case Model::Sc: return "sc";
    case Model::Tso: return "tso";
    case Model::Weak: return "weak";
  }
  return "?";
}

bool parse_model(std::string_view name, Model* m) {
  if (name == "sc") *m = Model::Sc;
  else if (name == "tso") *m = Model::Tso;
  else if (name == "weak") *m = Model::Weak;
  else return false;
  return true;
}

bool model_for_arch(std::string_view arch, Model* m) {
  if (arch == "x86_64" || arch == "amd64") *m = Model::Tso;
  else if (arch == "aarch64" || arch == "arm64" || arch == "riscv64") *m = Model::Weak;
  else return false;
  return true;
}

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::None: return "none";
    case Failure::Deadlock: return "deadlock";
    case Failure::StepBound: return "step-bound";
    case Failure::TimeBound: return "time-bound";
    case Failure::Fatal: return "fatal";
    case Failure::Diverged: return "diverged";
  }
  return "?";
}

Result run(const Config& cfg, Strategy& strategy, const std::function<void()>& body) {
  if (g_world != nullptr) {
    std::fprintf(stderr, "fatal error: sim: nested simulated runs\n");
    std::_Exit(2);
  }
  World w(cfg, strategy);
  g_world = &w;
  Result r = w.run(body);
  g_world = nullptr;
  return r;
}

bool active() { return g_world != nullptr && g_world->cur() != nullptr; }
int current_thread() { return active() ? g_world->cur()->id : -1; }
const std::vector<Decision>* in_flight_log() { return g_world != nullptr ? &g_world->log_so_far() : nullptr; }

}  // namespace touchstone::sim

// ---- platform/sim/atomic.h and os.h --------------------------------------------------------

namespace touchstone::platform {

void sim::point(Op, const void*) {
  if (touchstone::sim::active()) touchstone::sim::g_world->step();
}

bool sim::g_model_on = false;

namespace {
int mm_tid() { return touchstone::sim::g_world->cur()->id; }
}  // namespace

std::uint64_t sim::mm_load(Loc& loc, void* addr, unsigned size, MemoryOrder mo) {
  return touchstone::sim::g_mm.load(mm_tid(), loc, addr, size, mo);
}
void sim::mm_store(Loc& loc, void* addr, unsigned size, std::uint64_t bits, MemoryOrder mo) {
  touchstone::sim::g_mm.store(mm_tid(), loc, addr, size, bits, mo);
}
void sim::mm_rmw_prepare(Loc& loc, void* addr, unsigned size) {
  touchstone::sim::g_mm.rmw_prepare(mm_tid(), loc, addr, size);
}
void sim::mm_rmw_commit(Loc& loc, void* addr, unsigned size, std::uint64_t bits, MemoryOrder mo) {
  touchstone::sim::g_mm.rmw_commit(mm_tid(), loc, addr, size, bits, mo);
}
void sim::mm_rmw_fail(Loc& loc, void* addr, unsigned size, MemoryOrder mo) {
  touchstone::sim::g_mm.rmw_fail(mm_tid(), loc, addr, size, mo);
}
void sim::mm_fence(MemoryOrder mo) { touchstone::sim::g_mm.fence(mm_tid(), mo); }
void sim::mm_retire(Loc& loc) { touchstone::sim::g_mm.retire(loc); }

void Thread::start(void (*fn)(void*), void* arg) {
  auto& w = touchstone::sim::world_or_die("Thread::start");
  id_ = w.spawn(fn, arg)->id;
  started_ = true;
  w.step();  // thread creation is a scheduling point: the new thread may run first
}

void Thread::join() {
  if (!started_) return;
  auto& w = touchstone::sim::world_or_die("Thread::join");
  auto* t = w.thread(id_);
  while (t->state != touchstone::sim::State::Done) w.block(t, -1);
  if (w.mm_on()) {
    // join: the joined thread's stores become visible (tso: after Flush decisions, so other
    // buffers may drain first, its own buffer drains) and its past happens-before ours (weak).
    touchstone::sim::g_mm.offer_flushes(w.cur()->id, /*include_self=*/true);
    touchstone::sim::g_mm.drain(id_);
    touchstone::sim::g_mm.synchronize(id_, w.cur()->id);
  }
  started_ = false;
}

void current_thread_stack(void** lo, std::size_t* size) {
  if (!touchstone::sim::active()) {
    *lo = nullptr;
    *size = 0;
    return;
  }
  auto* t = touchstone::sim::g_world->cur();
  *lo = t->stack_lo;
  *size = t->stack_size;
}

ThreadSlots& tls() {
  if (touchstone::sim::active()) return touchstone::sim::g_world->cur()->slots;
  return touchstone::sim::g_host_slots;
}

void futexsleep(std::uint32_t* addr, std::uint32_t val, std::int64_t ns) {
  auto& w = touchstone::sim::world_or_die("futexsleep");
  w.step();
  if (w.mm_on()) touchstone::sim::g_mm.syscall_fence(w.cur()->id);  // a system call
  if (*addr != val) return;  // no scheduling point between this check and blocking
  w.block(addr, ns >= 0 ? w.now() + ns : -1);
}

void futexwakeup(std::uint32_t* addr, std::uint32_t cnt) {
  auto& w = touchstone::sim::world_or_die("futexwakeup");
  w.step();
  if (w.mm_on()) touchstone::sim::g_mm.syscall_fence(w.cur()->id);  // a system call
  w.wake(addr, cnt);
}

std::int64_t nanotime() { return touchstone::sim::active() ? touchstone::sim::g_world->now() : 0; }

void usleep(std::uint32_t us) {
  auto& w = touchstone::sim::world_or_die("usleep");
  w.block(nullptr, w.now() + std::int64_t(us) * 1000);
}

void osyield() { sim::point(sim::Op::Yield, nullptr); }

std::uint64_t random_seed(std::uint64_t configured) {
  if (configured != 0) return configured;
  if (!touchstone::sim::active()) return 1;
  return touchstone::sim::g_world->decide_value() | 1;
}

void fatal(std::string_view prefix, std::string_view msg) {
  if (touchstone::sim::active()) {
    touchstone::sim::g_world->fail(touchstone::sim::Failure::Fatal, std::string(prefix) + std::string(msg));
  }
  write_fatal_and_exit(prefix, msg);
}

}  // namespace touchstone::platform
