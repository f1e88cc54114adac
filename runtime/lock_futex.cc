// runtime/lock_futex.cc — see lock_futex.h.
//
// Orders: lock's successful CAS/exchange is acquire and unlock's exchange is release, so
// everything done under the lock happens-before whatever the next holder does. Note::wakeup's
// exchange is release and the sleeper's load of key is acquire, so everything the waker did
// before wakeup is visible after sleep returns.
#include "runtime/lock_futex.h"

#include "platform/platform.h"

namespace touchstone::runtime {

namespace {
constexpr std::uint32_t kUnlocked = 0;
constexpr std::uint32_t kLocked = 1;
constexpr std::uint32_t kSleeping = 2;
constexpr int kActiveSpin = 4;
constexpr int kActiveSpinCount = 30;
constexpr int kPassiveSpin = 1;
}  // namespace

void Mutex::lock() {
  acquire();
  holder_ = &platform::tls();
}

void Mutex::assert_held(const char* msg) const {
  if (holder_ != &platform::tls()) platform::fatal("fatal error: ", msg);
}

void Mutex::acquire() {
  // Fast path: uncontended. Acquire pairs with the release in unlock.
  std::uint32_t v = key_.exchange(kLocked, platform::acquire);
  if (v == kUnlocked) return;
  // Someone holds it. Remember whether sleepers may exist (v == kSleeping) so that our
  // eventual unlock still wakes them.
  std::uint32_t wait = v;
  for (;;) {
    for (int i = 0; i < kActiveSpin; i++) {
      while (key_.load(platform::relaxed) == kUnlocked) {
        std::uint32_t expected = kUnlocked;
        if (key_.cas(expected, wait, platform::acquire, platform::relaxed)) return;
      }
      platform::procyield(kActiveSpinCount);
    }
    for (int i = 0; i < kPassiveSpin; i++) {
      while (key_.load(platform::relaxed) == kUnlocked) {
        std::uint32_t expected = kUnlocked;
        if (key_.cas(expected, wait, platform::acquire, platform::relaxed)) return;
      }
      platform::osyield();
    }
    // Sleep. Announce the sleeper by setting kSleeping; if the lock was free meanwhile we
    // just took it (acquire, pairs with unlock's release).
    v = key_.exchange(kSleeping, platform::acquire);
    if (v == kUnlocked) return;
    wait = kSleeping;
    platform::futexsleep(static_cast<std::uint32_t*>(key_.address()), kSleeping, -1);
  }
}

void Mutex::unlock() {
  holder_ = nullptr;
  // Release: publishes the critical section to the next acquirer.
  std::uint32_t v = key_.exchange(kUnlocked, platform::release);
  if (v == kUnlocked) platform::fatal("fatal error: ", "unlock of unlocked lock");
  if (v == kSleeping) platform::futexwakeup(static_cast<std::uint32_t*>(key_.address()), 1);
}

void Note::wakeup() {
  // Release: pairs with the acquire load in sleep/tsleep.
  std::uint32_t old = key_.exchange(1, platform::release);
  if (old != 0) platform::fatal("fatal error: ", "notewakeup - double wakeup");
  platform::futexwakeup(static_cast<std::uint32_t*>(key_.address()), 1);
}

void Note::sleep() {
  while (key_.load(platform::acquire) == 0) {
    platform::futexsleep(static_cast<std::uint32_t*>(key_.address()), 0, -1);
  }
}

bool Note::tsleep(std::int64_t ns) {
  if (ns < 0) {
    sleep();
    return true;
  }
  const std::int64_t deadline = platform::nanotime() + ns;
  while (key_.load(platform::acquire) == 0) {
    const std::int64_t left = deadline - platform::nanotime();
    if (left <= 0) return key_.load(platform::acquire) != 0;
    platform::futexsleep(static_cast<std::uint32_t*>(key_.address()), 0, left);
  }
  return true;
}

}  // namespace touchstone::runtime
