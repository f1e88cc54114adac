// runtime/api.cc — touchstone::Runtime: starting and stopping the scheduler.
#include <cstdio>
#include <new>

#include "runtime/gogo.h"
#include "runtime/gstatus.h"
#include "runtime/touchstone.h"
#include "runtime/trace.h"

namespace touchstone {

namespace {
bool g_running = false;  // one Runtime at a time (host thread only)
}  // namespace

namespace runtime {
// Frees everything the finished runtime allocated. Every M has been joined (or, after a failed
// simulated run, abandoned: no thread will run again).
void runtime_free_all() {
  for (G* gp = allgs; gp != nullptr;) {
    G* next = gp->alllink;
    if (gp->closure_destroy != nullptr && readgstatus(gp) != Gdead) gp->closure_destroy(gp->closure);
    fiber_destroy(gp);
    stackfree(gp->stack);  // no current P: goes to the global pool
    delete gp;
    gp = next;
  }
  allgs = nullptr;
  for (M* mp = sched.allm; mp != nullptr;) {
    M* next = mp->alllink;
    delete mp->g0;
    delete mp;
    mp = next;
  }
  for (int i = 0; i < kMaxProcs; i++) {
    if (P* pp = allp[i].load(platform::relaxed)) {
      stackcache_clear(pp);
      delete pp;
      allp[i].store(nullptr, platform::relaxed);
    }
  }
  runtime::gomaxprocs.store(0, platform::relaxed);
  stackpool_release_all();
  trace::listener = nullptr;
}

// After a failed simulated run: forget the abandoned run and free what it allocated.
void runtime_abandon() {
  // Free first (it walks allgs, sched.allm and allp, and takes only the stack pool's lock,
  // which an abandoned thread may hold: re-initialise that one first), then reset the rest.
  stack_reset_globals();
  runtime_free_all();
  proc_reset_globals();
  sysmon_reset_globals();
  g_running = false;
}
}  // namespace runtime

namespace {

struct MainFn {
  std::function<void()>* fn;
  void operator()() const {
    (*fn)();
    // Like Go's main returning: the program ends. exiting is set first so that Ms going idle
    // now do not report a deadlock.
    runtime::sched.exiting.store(true, platform::release);
    runtime::sched.maindone.wakeup();
  }
};
}  // namespace

Runtime::Runtime(Config cfg) : cfg_(cfg) {
  if (cfg_.procs < 1 || cfg_.procs > runtime::kMaxProcs) {
    platform::fatal("fatal error: ", "touchstone::Runtime: procs must be in 1..256");
  }
}

Runtime::~Runtime() = default;

void Runtime::run(std::function<void()> main) {
  using namespace runtime;
  if (g_running) platform::fatal("fatal error: ", "touchstone::Runtime::run: a runtime is already running");
  g_running = true;
  // Reset every global of the scheduler (a previous Runtime may have run).
  proc_reset_globals();
  stack_reset_globals();
  sysmon_reset_globals();
  settings = RuntimeSettings{cfg_.stack_size, cfg_.sysmon, cfg_.seed, cfg_.force_preempt_ns};
  if (settings.stack_size == 0) settings.stack_size = default_stack_size();
  trace::listener = cfg_.trace;  // before any thread starts: see trace.h

  MainFn mainfn{&main};
  G* maing = allocg_for_main(&detail::Closure<MainFn>::construct, &mainfn, &detail::Closure<MainFn>::invoke,
                             &detail::Closure<MainFn>::destroy);
  runtime_start(cfg_.procs, maing);
  runtime_wait_and_shutdown();
  TS_TRACE(EvKind::Exit, -1, -1, 0, 0, 0, 0);  // every M has left: the trace is complete
  runtime_free_all();
  g_running = false;
}

std::int64_t goid() { return runtime::getg()->goid; }

void trace_user(runtime::EvKind kind, std::uint32_t a, std::uint32_t b, std::int64_t n) {
  if (kind < runtime::EvKind::UserSend) platform::fatal("fatal error: ", "trace_user: not a program-level event kind");
  runtime::G* gp = runtime::getg();
  TS_TRACE_G(gp, kind, -1, a, b, n);
}

}  // namespace touchstone
