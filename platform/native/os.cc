// platform/native/os.cc — Linux implementation of platform/native/os.h.
#include "platform/native/os.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace touchstone::platform {

namespace {
struct ThreadStart {
  void (*fn)(void*);
  void* arg;
};

void* thread_main(void* p) {
  ThreadStart start = *static_cast<ThreadStart*>(p);
  delete static_cast<ThreadStart*>(p);
  start.fn(start.arg);
  return nullptr;
}
}  // namespace

void Thread::start(void (*fn)(void*), void* arg) {
  auto* start = new ThreadStart{fn, arg};
  pthread_t t;
  int err = pthread_create(&t, nullptr, thread_main, start);
  if (err != 0) {
    delete start;
    fatal("fatal error: ", std::string("newosproc: pthread_create: ") + std::strerror(err));
  }
  handle_ = t;
  started_ = true;
}

void Thread::join() {
  if (!started_) return;
  pthread_join(static_cast<pthread_t>(handle_), nullptr);
  started_ = false;
}

void current_thread_stack(void** lo, std::size_t* size) {
  pthread_attr_t attr;
  *lo = nullptr;
  *size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, lo, size);
    pthread_attr_destroy(&attr);
  }
}

void futexsleep(std::uint32_t* addr, std::uint32_t val, std::int64_t ns) {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (ns >= 0) {
    ts.tv_sec = ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    tsp = &ts;
  }
  // EAGAIN (value changed), EINTR and ETIMEDOUT are all fine: the caller re-checks.
  syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, nullptr, 0);
}

void futexwakeup(std::uint32_t* addr, std::uint32_t cnt) {
  long r = syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, cnt, nullptr, nullptr, 0);
  if (r < 0) fatal("fatal error: ", std::string("futexwakeup: ") + std::strerror(errno));
}

std::int64_t nanotime() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void usleep(std::uint32_t us) { ::usleep(us); }
void osyield() { sched_yield(); }

std::uint64_t random_seed(std::uint64_t configured) {
  if (configured != 0) return configured;
  return std::uint64_t(nanotime()) * 0x9E3779B97F4A7C15ull | 1;
}

void fatal(std::string_view prefix, std::string_view msg) { write_fatal_and_exit(prefix, msg); }

}  // namespace touchstone::platform
