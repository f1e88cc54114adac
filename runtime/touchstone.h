// runtime/touchstone.h — the public C++ API of the reference runtime.
//
//   touchstone::Runtime rt({.procs = 4});
//   rt.run([] {                               // the main goroutine
//     touchstone::Chan<int> c;
//     touchstone::go([c] { c.send(42); });
//     int v = c.recv();
//   });                                       // returns when main returns
//
// Everything except Runtime's constructor, destructor and run() must be called from a
// goroutine. One Runtime may run at a time in a process (the scheduler state is global, as in
// Go); Runtimes may be created and run one after another.
//
// What run() does not do: when the main goroutine returns, the other goroutines are abandoned,
// as in Go. C++ destructors of objects on their stacks do not run (their closures are
// destroyed). A goroutine spinning without safe points (no channel operation, yield or
// preempt_check) cannot be stopped; run() then waits for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "runtime/chan.h"
#include "runtime/proc.h"
#include "runtime/sema.h"
#include "runtime/trace.h"

namespace touchstone {

using runtime::TraceListener;

struct Config {
  int procs = 1;                // GOMAXPROCS (1..256)
  std::size_t stack_size = 0;   // goroutine stack size; 0: 64 KiB (256 KiB under sanitizers)
  bool sysmon = true;           // run the system monitor (syscall retake, preemption)
  std::uint64_t seed = 0;       // fastrand seed (steal order); 0: from the clock
  std::int64_t force_preempt_ns = 10 * 1000 * 1000;  // sysmon's preemption threshold
  TraceListener* trace = nullptr;  // receives every runtime event (runtime/trace.h)
};

class Runtime {
 public:
  explicit Runtime(Config cfg = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs main as the main goroutine on cfg.procs Ps; returns when it returns. Fatal runtime
  // errors (deadlock, illegal state) end the process with exit status 2, as in Go.
  void run(std::function<void()> main);

 private:
  Config cfg_;
};

namespace detail {
template <class F>
struct Closure {
  static void construct(void* buf, void* src) { new (buf) F(std::move(*static_cast<F*>(src))); }
  static void invoke(void* buf) {
    F* f = static_cast<F*>(buf);
    (*f)();
    f->~F();
  }
  static void destroy(void* buf) { static_cast<F*>(buf)->~F(); }
};
}  // namespace detail

// Starts f() as a new goroutine (Go's `go f()`). The callable lives inside the G if it fits
// (64 bytes), else on the heap.
template <class Fn>
void go(Fn&& fn) {
  using F = std::decay_t<Fn>;
  if constexpr (sizeof(F) <= runtime::kClosureBytes && alignof(F) <= 16) {
    F f(std::forward<Fn>(fn));
    runtime::newproc(&detail::Closure<F>::construct, &f, &detail::Closure<F>::invoke,
                     &detail::Closure<F>::destroy);
  } else {
    go([box = std::make_unique<F>(std::forward<Fn>(fn))] { (*box)(); });
  }
}

// runtime.Gosched: yield the processor; the goroutine goes to the global run queue.
inline void gosched() { runtime::gosched(); }
// A preemption safe point for busy code: yields if sysmon or stop-the-world asked us to.
inline void preempt_check() { runtime::preempt_check(); }
// runtime.GOMAXPROCS: sets the number of Ps (stopping the world) if n > 0; returns the old one.
inline int gomaxprocs(int n) { return runtime::setgomaxprocs(n); }
// The current goroutine's id.
std::int64_t goid();
// Emits a program-level event (EvKind::UserSend ... UserWgWait, runtime/trace.h) about the
// current goroutine to the runtime's trace listener, if any. The program interpreter uses it to
// report what each goroutine sent, received, locked and waited for, so that the conformance
// checker can hold the program's semantics (channel FIFO, exactly-once delivery, mutual
// exclusion, wait groups) against the same event stream as the scheduler's.
void trace_user(runtime::EvKind kind, std::uint32_t a, std::uint32_t b, std::int64_t n);

namespace detail {
// exitsyscall on every way out of the call, exceptions included.
struct ExitSyscall {
  ~ExitSyscall() { runtime::exitsyscall(); }
};
}  // namespace detail

// A blocking system call: the P is released while fn runs, and may be retaken by sysmon.
template <class Fn>
decltype(auto) syscall(Fn&& fn) {
  runtime::entersyscall();
  detail::ExitSyscall exit;
  return std::forward<Fn>(fn)();
}
// Like syscall, for calls known to block for long: the P is handed off immediately.
template <class Fn>
decltype(auto) syscall_blocking(Fn&& fn) {
  runtime::entersyscallblock();
  detail::ExitSyscall exit;
  return std::forward<Fn>(fn)();
}

// A Go channel of T (trivially copyable). Copies of a Chan refer to the same channel.
template <class T>
class Chan {
  static_assert(std::is_trivially_copyable_v<T>, "Chan<T> copies elements as bytes");

 public:
  explicit Chan(std::size_t cap = 0) : c_(runtime::makechan(sizeof(T), cap)) {}
  Chan(const Chan& o) noexcept : c_(o.c_) { runtime::chanref(c_); }
  Chan(Chan&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  Chan& operator=(Chan o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~Chan() {
    if (c_ != nullptr) runtime::chanunref(c_);
  }

  void send(const T& v) const { runtime::chansend(c_, &v); }
  T recv() const {
    T v{};
    runtime::chanrecv(c_, &v);
    return v;
  }
  // v, ok := <-c
  std::pair<T, bool> recv2() const {
    T v{};
    const bool ok = runtime::chanrecv(c_, &v);
    return {v, ok};
  }
  void close() const { runtime::closechan(c_); }
  std::size_t len() const { return runtime::chanlen(c_); }
  std::size_t cap() const { return runtime::chancap(c_); }

 private:
  runtime::hchan* c_;  // counted reference (runtime::chanref/chanunref)
};

// sync.WaitGroup. Copies refer to the same group.
class WaitGroup {
 public:
  WaitGroup() : wg_(std::make_shared<runtime::WaitGroupImpl>()) {}
  void add(std::int64_t n) const { wg_->add(n); }
  void done() const { wg_->add(-1); }
  void wait() const { wg_->wait(); }

 private:
  std::shared_ptr<runtime::WaitGroupImpl> wg_;
};

// A counting semaphore whose waiters park (not spin). Copies refer to the same semaphore.
class Semaphore {
 public:
  explicit Semaphore(std::int64_t n) : s_(std::make_shared<runtime::Sema>(n)) {}
  Semaphore(std::int64_t n, std::int64_t max, const char* overflow)
      : s_(std::make_shared<runtime::Sema>(n, max, overflow)) {}
  void acquire() const { s_->acquire(); }
  bool try_acquire() const { return s_->try_acquire(); }
  void release() const { s_->release(); }

 private:
  std::shared_ptr<runtime::Sema> s_;
};

// sync.Mutex, as a semaphore of one with FIFO hand-off. Unlocking an unlocked mutex is fatal,
// as in Go ("fatal error: sync: unlock of unlocked mutex").
class Mutex {
 public:
  Mutex() : s_(1, 1, "sync: unlock of unlocked mutex") {}
  void lock() const { s_.acquire(); }
  void unlock() const { s_.release(); }

 private:
  Semaphore s_;
};

}  // namespace touchstone
