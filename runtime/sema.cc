// runtime/sema.cc — see sema.h.
//
// Both primitives keep their waiters on the waiting goroutines' stacks (a SemaWaiter local in
// acquire/wait) under their own runtime Mutex, and park with gopark, whose unlock function
// releases that Mutex on g0 once the G is switched out. The releasing side removes a waiter
// under the Mutex and readies it after unlocking.
#include "runtime/sema.h"

#include "runtime/gogo.h"
#include "runtime/proc.h"

namespace touchstone::runtime {

namespace {
bool unlock_mutex(G*, void* lock) {
  static_cast<Mutex*>(lock)->unlock();
  return true;
}
}  // namespace

void Sema::acquire() {
  lock_.lock();
  if (count_ > 0) {
    count_--;
    lock_.unlock();
    return;
  }
  SemaWaiter w;
  w.g = getg();
  if (tail_ != nullptr) {
    tail_->next = &w;
  } else {
    head_ = &w;
  }
  tail_ = &w;
  gopark(unlock_mutex, &lock_, WaitReason::SemAcquire);
  // release handed us the unit.
}

bool Sema::try_acquire() {
  lock_.lock();
  const bool ok = count_ > 0;
  if (ok) count_--;
  lock_.unlock();
  return ok;
}

void Sema::release() {
  lock_.lock();
  SemaWaiter* w = head_;
  if (w == nullptr) {
    if (max_ > 0 && count_ >= max_) {
      lock_.unlock();
      platform::fatal("fatal error: ", overflow_ != nullptr ? overflow_ : "semaphore released above its maximum");
    }
    count_++;
    lock_.unlock();
    return;
  }
  head_ = w->next;
  if (head_ == nullptr) tail_ = nullptr;
  G* gp = w->g;
  lock_.unlock();
  goready(gp);
}

void WaitGroupImpl::add(std::int64_t delta) {
  lock_.lock();
  counter_ += delta;
  if (counter_ < 0) {
    lock_.unlock();
    platform::fatal("panic: ", "sync: negative WaitGroup counter");
  }
  if (counter_ > 0 || waiters_ == nullptr) {
    lock_.unlock();
    return;
  }
  SemaWaiter* list = waiters_;
  waiters_ = nullptr;
  lock_.unlock();
  while (list != nullptr) {
    SemaWaiter* next = list->next;  // read before readying: the waiter's stack may resume
    goready(list->g);
    list = next;
  }
}

void WaitGroupImpl::wait() {
  lock_.lock();
  if (counter_ == 0) {
    lock_.unlock();
    return;
  }
  SemaWaiter w;
  w.g = getg();
  w.next = waiters_;
  waiters_ = &w;
  gopark(unlock_mutex, &lock_, WaitReason::WaitGroupWait);
}

}  // namespace touchstone::runtime
