// runtime/sysmon.cc — the system monitor (Go's sysmon and retake).
//
// sysmon runs on its own OS thread without a P. It wakes every 20µs, backing off (doubling
// after 50 idle rounds) to 10ms, and:
//   1. retakes a P from an M blocked in a syscall: a P seen in Psyscall with an unchanged
//      syscalltick for a whole sysmon tick is taken (CAS Psyscall -> Pidle, handoffp) if it has
//      local work, or there is no spinning M and no idle P to pick up new work, or the syscall
//      has lasted 10ms;
//   2. requests preemption of a G that has run for 10ms: a Prunning (or Psyscall) P whose
//      schedtick has not changed since sysmon first saw it 10ms ago. Preemption is cooperative:
//      the G yields at its next safe point (gosched, channel operations, preempt_check).
// It sleeps on sched.sysmonnote while every P is idle or the world is stopped; startTheWorld,
// exitsyscall and shutdown wake it.
//
// sysmon reads other Ps' ticks and statuses without owning them: those fields are Atomic and
// read relaxed — a stale read only delays a retake or a preemption by a tick. Taking a P is a
// CAS (acq_rel) that pairs with entersyscall's release store of Psyscall.
#include <new>

#include "runtime/gstatus.h"
#include "runtime/proc.h"
#include "runtime/trace.h"

namespace touchstone::runtime {

namespace {
platform::Thread sysmon_thread;
Atomic<bool> sysmon_quit{false};

void sysmon(void*) {
  std::uint32_t idle = 0;
  std::uint32_t delay = 0;
  for (;;) {
    if (idle == 0) {
      delay = 20;
    } else if (idle > 50) {
      delay *= 2;
    }
    if (delay > 10 * 1000) delay = 10 * 1000;
    platform::usleep(delay);
    if (sysmon_quit.load(platform::acquire)) return;
    const std::int64_t now = platform::nanotime();
    if (sched.gcwaiting.load(platform::relaxed) ||
        sched.npidle.load(platform::relaxed) == gomaxprocs.load(platform::relaxed)) {
      sched.lock.lock();
      // Re-check quit under the lock: sysmon_stop sets it and then wakes a waiting sysmon
      // under the lock, so either we see it here or it sees sysmonwait.
      if (sysmon_quit.load(platform::acquire)) {
        sched.lock.unlock();
        return;
      }
      if (sched.gcwaiting.load(platform::relaxed) ||
          sched.npidle.load(platform::relaxed) == gomaxprocs.load(platform::relaxed)) {
        sched.sysmonwait = true;
        sched.lock.unlock();
        sched.sysmonnote.tsleep(60LL * 1000 * 1000 * 1000);
        sched.lock.lock();
        sched.sysmonwait = false;
        sched.sysmonnote.clear();
        idle = 0;
        delay = 20;
      }
      sched.lock.unlock();
      if (sysmon_quit.load(platform::acquire)) return;
    }
    if (retake(now) != 0) {
      idle = 0;
    } else {
      idle++;
    }
  }
}
}  // namespace

void sysmon_reset_globals() {
  new (&sysmon_thread) platform::Thread();
  sysmon_quit.store(false, platform::relaxed);
}

void sysmon_wake_locked() {
  sched.sysmonwait = false;
  sched.sysmonnote.wakeup();
}

void sysmon_start() {
  sysmon_quit.store(false, platform::relaxed);
  sysmon_thread.start(sysmon, nullptr);
}

void sysmon_stop() {
  sysmon_quit.store(true, platform::release);
  sched.lock.lock();
  if (sched.sysmonwait) sysmon_wake_locked();
  sched.lock.unlock();
  sysmon_thread.join();
}

std::uint32_t retake(std::int64_t now) {
  std::uint32_t n = 0;
  allpLock.lock();
  const std::int32_t procs = gomaxprocs.load(platform::relaxed);
  for (std::int32_t i = 0; i < procs; i++) {
    P* pp = allp[i].load(platform::acquire);
    SysmonTick& pd = pp->sysmontick;
    const std::uint32_t s = pp->status.load(platform::relaxed);
    bool sysretake = false;
    if (s == Prunning || s == Psyscall) {
      // Preempt the G if it has been running for too long.
      const std::uint32_t t = pp->schedtick.load(platform::relaxed);
      if (pd.schedtick != t) {
        pd.schedtick = t;
        pd.schedwhen = now;
      } else if (pd.schedwhen + settings.force_preempt_ns <= now) {
        preemptone(pp, 1);
        // In a syscall, preemptone does nothing (no M on the P): retake it instead.
        sysretake = true;
      }
    }
    if (s == Psyscall) {
      // Retake P from the syscall if it has been there for more than one sysmon tick.
      const std::uint32_t t = pp->syscalltick.load(platform::relaxed);
      if (!sysretake && pd.syscalltick != t) {
        pd.syscalltick = t;
        pd.syscallwhen = now;
        continue;
      }
      // On the one hand we don't want to retake Ps if there is no other work to do, but on
      // the other hand we want to retake them eventually because they can prevent the sysmon
      // thread from deep sleep.
      if (runqempty(pp) &&
          sched.nmspinning.load(platform::relaxed) + sched.npidle.load(platform::relaxed) > 0 &&
          pd.syscallwhen + 10 * 1000 * 1000 > now) {
        continue;
      }
      // Drop allpLock so we can take sched.lock. Pretend one more M runs before the CAS:
      // otherwise the M we retake from could exit its syscall, go idle, and checkdead would see
      // every M idle while we still hold the P we are handing off.
      allpLock.unlock();
      incidlelocked(-1);
      if (pp->status.cas_from(s, Pidle, platform::acq_rel, platform::relaxed)) {
        TS_TRACE(EvKind::PStatus, pp->id, -1, 0, Psyscall, Pidle);
        TS_TRACE(EvKind::Retake, pp->id, -1, 0, 0, 0, 0);
        n++;
        pp->syscalltick.store(pp->syscalltick.load(platform::relaxed) + 1, platform::relaxed);
        handoffp(pp);
        TS_TRACE(EvKind::Retake, pp->id, -1, 0, 1, 0, 0);  // the hand-off is done
      }
      incidlelocked(1);
      allpLock.lock();
    }
  }
  allpLock.unlock();
  return n;
}

}  // namespace touchstone::runtime
