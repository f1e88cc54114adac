// tools/cli/crash_guard.cc — see crash_guard.h.
#include "tools/cli/crash_guard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "platform/sim/world.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_CRASH_GUARD_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TS_CRASH_GUARD_ASAN 1
#endif

namespace touchstone::cli {

namespace {

// Armed state: written between runs on the explorer's thread, read by the handler on the same
// thread (a fatal signal is synchronous). `armed` is a sig_atomic_t so that the handler never
// sees a half-armed state.
struct Armed {
  std::string path, tmp, head, tail;
};
Armed g_slots[2];
volatile sig_atomic_t g_armed = -1;  // index into g_slots, -1 when disarmed
bool g_installed = false;
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

const char* signame(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
  }
  return "signal";
}

// Buffered writes with no allocation.
struct Out {
  int fd;
  char buf[4096];
  std::size_t n = 0;
  void flush() {
    std::size_t off = 0;
    while (off < n) {
      const ssize_t w = ::write(fd, buf + off, n - off);
      if (w <= 0) break;
      off += std::size_t(w);
    }
    n = 0;
  }
  void put(const char* s, std::size_t len) {
    while (len > 0) {
      if (n == sizeof buf) flush();
      const std::size_t k = len < sizeof buf - n ? len : sizeof buf - n;
      std::memcpy(buf + n, s, k);
      n += k;
      s += k;
      len -= k;
    }
  }
  void put(const char* s) { put(s, std::strlen(s)); }
  void num(std::uint64_t v) {
    char d[24];
    int i = 0;
    do {
      d[i++] = char('0' + v % 10);
      v /= 10;
    } while (v != 0);
    char r[24];
    for (int j = 0; j < i; j++) r[j] = d[i - 1 - j];
    put(r, std::size_t(i));
  }
};

// The decision log in the text form of sim::encode_log ("touchstone-decisions 1" and one line
// per decision), formatted by hand.
void put_log(Out& o) {
  o.put("touchstone-decisions 1\n");
  const std::vector<sim::Decision>* log = sim::in_flight_log();
  if (log == nullptr) return;
  for (const sim::Decision& d : *log) {
    switch (d.kind) {
      case sim::Choice::Value: o.put("v "); o.num(d.value); o.put("\n"); continue;
      case sim::Choice::Schedule: o.put("s "); break;
      case sim::Choice::ReadFrom: o.put("r "); break;
      case sim::Choice::Flush: o.put("f "); break;
    }
    o.num(d.n);
    o.put(" ");
    o.num(d.value);
    o.put("\n");
  }
}

// mkdir -p of the directories leading to `path` (each mkdir is async-signal-safe).
void make_parents(const std::string& path) {
  static char buf[4096];
  const std::size_t n = path.size() < sizeof buf ? path.size() : sizeof buf - 1;
  std::memcpy(buf, path.data(), n);
  buf[n] = '\0';
  for (std::size_t i = 1; i < n; i++) {
    if (buf[i] != '/') continue;
    buf[i] = '\0';
    ::mkdir(buf, 0755);  // EEXIST is fine
    buf[i] = '/';
  }
}

void on_fatal_signal(int sig) {
  const int slot = g_armed;
  g_armed = -1;  // a second fault while writing must not recurse into this
  if (slot >= 0) {
    const Armed& a = g_slots[slot];
    make_parents(a.path);
    const int fd = ::open(a.tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      Out o{fd, {}};
      o.put(a.head.data(), a.head.size());
      o.put("crash: ");
      o.put(signame(sig));
      o.put(" in the runtime under test (written by the explorer's crash handler)\n");
      o.put(a.tail.data(), a.tail.size());
      put_log(o);
      o.flush();
      ::close(fd);
      if (::rename(a.tmp.c_str(), a.path.c_str()) == 0) {
        Out e{2, {}};
        e.put("touchstone: ");
        e.put(signame(sig));
        e.put(" during a simulated run; reproducer: ");
        e.put(a.path.c_str());
        e.put("\n");
        e.flush();
      }
    }
  }
  // SA_RESETHAND restored the default action: die of the same signal.
  ::raise(sig);
}

}  // namespace

void crash_guard_install() {
#if !defined(TS_CRASH_GUARD_ASAN)
  if (g_installed) return;
  g_installed = true;
  static char altstack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = altstack;
  ss.ss_size = sizeof altstack;
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa{};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int sig : kSignals) ::sigaction(sig, &sa, nullptr);
#endif
}

void crash_guard_arm(std::string path, std::string head, std::string tail) {
  // Fill the slot the handler is not looking at, then publish it.
  const int next = g_armed == 0 ? 1 : 0;
  Armed& a = g_slots[next];
  a.tmp = path + ".tmp";
  a.path = std::move(path);
  a.head = std::move(head);
  a.tail = std::move(tail);
  g_armed = next;
}

void crash_guard_disarm() { g_armed = -1; }

}  // namespace touchstone::cli
