// runtime/chan.cc — channels (Go's chan.go).
//
// Invariants (Go's, checked by the conformance spec's program-semantics clauses):
//   At least one of c.sendq and c.recvq is empty, except for an unbuffered channel with a
//   single goroutine blocked on it for both sending and receiving using select (select is
//   not implemented yet).
//   For buffered channels:
//     c.qcount > 0 implies that c.recvq is empty.
//     c.qcount < c.dataqsiz implies that c.sendq is empty.
//
// Every field is protected by c.lock. A blocked goroutine waits on a sudog that lives on its
// own stack (it stays valid while the G is parked: the stack belongs to the G); the waker
// copies the value directly to or from the sudog's elem under c.lock and then readies the G
// (Go's direct send/receive between stacks). gopark's unlock function releases c.lock on g0
// only after the G is off its stack, so a waker can never ready a G whose context is not yet
// saved.
//
// Close semantics: a receive on a closed, empty channel returns the zero value and false; a
// send on a closed channel and a close of a closed channel are fatal ("panic: ..."), as Go's
// panics are when not recovered.
#include "runtime/chan.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "runtime/gogo.h"
#include "runtime/gstatus.h"
#include "runtime/lock_futex.h"
#include "runtime/proc.h"

namespace touchstone::runtime {

struct Sudog {
  G* g = nullptr;
  void* elem = nullptr;   // data element (on the waiter's stack)
  Sudog* next = nullptr;
  Sudog* prev = nullptr;
  bool success = false;   // true: woken by a value delivery; false: woken by close
};

namespace {

struct WaitQ {
  Sudog* first = nullptr;
  Sudog* last = nullptr;

  void enqueue(Sudog* sg) {
    sg->next = nullptr;
    sg->prev = last;
    if (last != nullptr) {
      last->next = sg;
    } else {
      first = sg;
    }
    last = sg;
  }
  Sudog* dequeue() {
    Sudog* sg = first;
    if (sg == nullptr) return nullptr;
    first = sg->next;
    if (first != nullptr) {
      first->prev = nullptr;
    } else {
      last = nullptr;
    }
    sg->next = nullptr;
    return sg;
  }
};

[[noreturn, gnu::cold]] void chanpanic(const char* msg) { platform::fatal("panic: ", msg); }

}  // namespace

struct hchan {
  // Handles sharing the channel (relaxed increments; the final decrement is acq_rel so the
  // freeing thread sees every other handle's last use).
  Atomic<std::int64_t> refs{1};
  std::size_t qcount = 0;    // total data in the queue
  std::size_t dataqsiz = 0;  // size of the circular queue
  char* buf = nullptr;       // dataqsiz elements
  std::size_t elemsize = 0;
  bool closed = false;
  std::size_t sendx = 0;     // send index
  std::size_t recvx = 0;     // receive index
  WaitQ recvq;               // blocked receivers
  WaitQ sendq;               // blocked senders
  Mutex lock;

  void* chanbuf(std::size_t i) { return buf + i * elemsize; }
};

hchan* makechan(std::size_t elemsize, std::size_t size) {
  if (elemsize > 64 * 1024) chanpanic("makechan: invalid channel element type");
  if (size > (std::size_t(1) << 40) / (elemsize == 0 ? 1 : elemsize)) chanpanic("makechan: size out of range");
  // The buffer follows the header in the same allocation, aligned for any element.
  constexpr std::size_t kHeader = (sizeof(hchan) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
                                  alignof(std::max_align_t);
  void* mem = std::calloc(1, kHeader + size * elemsize);
  if (mem == nullptr) chanpanic("makechan: out of memory");
  hchan* c = new (mem) hchan();
  c->elemsize = elemsize;
  c->dataqsiz = size;
  if (size > 0 && elemsize > 0) c->buf = static_cast<char*>(mem) + kHeader;
  return c;
}

void chanref(hchan* c) { c->refs.fetch_add(1, platform::relaxed); }

void chanunref(hchan* c) {
  if (c->refs.fetch_sub(1, platform::acq_rel) != 1) return;
  c->~hchan();
  std::free(c);
}

namespace {

bool chanparkcommit(G*, void* lock) {
  static_cast<Mutex*>(lock)->unlock();
  return true;
}

// send processes a send to a waiting receiver sg. c.lock is held and released here.
void send(hchan* c, Sudog* sg, const void* ep) {
  if (sg->elem != nullptr) std::memcpy(sg->elem, ep, c->elemsize);
  G* gp = sg->g;
  sg->success = true;
  gp->param = sg;
  c->lock.unlock();
  goready(gp);
}

// recv processes a receive from a waiting sender sg. c.lock is held and released here.
void recv(hchan* c, Sudog* sg, void* ep) {
  if (c->dataqsiz == 0) {
    // Unbuffered: copy straight from the sender.
    if (ep != nullptr) std::memcpy(ep, sg->elem, c->elemsize);
  } else {
    // The queue is full: take the item at its head and put the sender's at its tail (the
    // same slot, since the queue is full).
    void* qp = c->chanbuf(c->recvx);
    if (ep != nullptr) std::memcpy(ep, qp, c->elemsize);
    std::memcpy(qp, sg->elem, c->elemsize);
    c->recvx++;
    if (c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;
  }
  G* gp = sg->g;
  sg->success = true;
  gp->param = sg;
  c->lock.unlock();
  goready(gp);
}

}  // namespace

void chansend(hchan* c, const void* ep) {
  if (c == nullptr) {
    gopark(nullptr, nullptr, WaitReason::ChanSendNilChan);
    platform::fatal("fatal error: ", "unreachable");
  }
  preempt_check();
  c->lock.lock();
  if (c->closed) {
    c->lock.unlock();
    chanpanic("send on closed channel");
  }
  if (Sudog* sg = c->recvq.dequeue()) {
    // A receiver is waiting: pass the value directly, bypassing the buffer.
    send(c, sg, ep);
    return;
  }
  if (c->qcount < c->dataqsiz) {
    std::memcpy(c->chanbuf(c->sendx), ep, c->elemsize);
    c->sendx++;
    if (c->sendx == c->dataqsiz) c->sendx = 0;
    c->qcount++;
    c->lock.unlock();
    return;
  }
  // Block on the channel. The sudog and the value stay on our stack while we are parked.
  G* gp = getg();
  Sudog mysg;
  mysg.g = gp;
  mysg.elem = const_cast<void*>(ep);
  gp->param = nullptr;
  c->sendq.enqueue(&mysg);
  gopark(chanparkcommit, &c->lock, WaitReason::ChanSend);
  // Woken: either a receiver took the value (success) or the channel was closed.
  gp->param = nullptr;
  if (!mysg.success) chanpanic("send on closed channel");
}

bool chanrecv(hchan* c, void* ep) {
  if (c == nullptr) {
    gopark(nullptr, nullptr, WaitReason::ChanReceiveNilChan);
    platform::fatal("fatal error: ", "unreachable");
  }
  preempt_check();
  c->lock.lock();
  if (c->closed && c->qcount == 0) {
    c->lock.unlock();
    if (ep != nullptr) std::memset(ep, 0, c->elemsize);
    return false;
  }
  if (Sudog* sg = c->sendq.dequeue()) {
    // A sender is waiting: if unbuffered, receive directly from it; otherwise take the head
    // of the (full) queue and move the sender's value to its tail.
    recv(c, sg, ep);
    return true;
  }
  if (c->qcount > 0) {
    void* qp = c->chanbuf(c->recvx);
    if (ep != nullptr) std::memcpy(ep, qp, c->elemsize);
    std::memset(qp, 0, c->elemsize);
    c->recvx++;
    if (c->recvx == c->dataqsiz) c->recvx = 0;
    c->qcount--;
    c->lock.unlock();
    return true;
  }
  G* gp = getg();
  Sudog mysg;
  mysg.g = gp;
  mysg.elem = ep;
  gp->param = nullptr;
  c->recvq.enqueue(&mysg);
  gopark(chanparkcommit, &c->lock, WaitReason::ChanReceive);
  gp->param = nullptr;
  return mysg.success;
}

void closechan(hchan* c) {
  if (c == nullptr) chanpanic("close of nil channel");
  c->lock.lock();
  if (c->closed) {
    c->lock.unlock();
    chanpanic("close of closed channel");
  }
  c->closed = true;
  // Release all readers (zero value, success = false) and all writers (they will panic).
  G* glist = nullptr;
  while (Sudog* sg = c->recvq.dequeue()) {
    if (sg->elem != nullptr) std::memset(sg->elem, 0, c->elemsize);
    sg->success = false;
    sg->g->param = sg;
    sg->g->schedlink = glist;
    glist = sg->g;
  }
  while (Sudog* sg = c->sendq.dequeue()) {
    sg->success = false;
    sg->g->param = sg;
    sg->g->schedlink = glist;
    glist = sg->g;
  }
  c->lock.unlock();
  // Ready all Gs now that we've dropped the channel lock.
  while (glist != nullptr) {
    G* gp = glist;
    glist = gp->schedlink;
    gp->schedlink = nullptr;
    goready(gp);
  }
}

std::size_t chanlen(hchan* c) {
  if (c == nullptr) return 0;
  c->lock.lock();
  const std::size_t n = c->qcount;
  c->lock.unlock();
  return n;
}

std::size_t chancap(hchan* c) { return c == nullptr ? 0 : c->dataqsiz; }

}  // namespace touchstone::runtime
