// conformance/litmus/sc_baseline.cc — see sc_baseline.h.
#include "conformance/litmus/sc_baseline.h"

#include "runtime/sim_harness.h"
#include "runtime/touchstone.h"

namespace touchstone::litmus {

sim::Result runq_workload_run(const sim::Config& cfg, sim::Strategy& strategy, int goroutines) {
  return simulate(cfg, strategy, [goroutines] {
    Config rc;
    rc.procs = 4;
    Runtime rt(rc);
    rt.run([goroutines] {
      Chan<int> c(2);
      Mutex mu;
      WaitGroup wg;
      int shared = 0;
      wg.add(goroutines);
      for (int i = 0; i < goroutines / 2; i++) {
        go([c, wg, i] {
          for (int k = 0; k < 3; k++) c.send(i * 10 + k);
          gosched();
          wg.done();
        });
        go([c, wg, mu, &shared] {
          for (int k = 0; k < 3; k++) {
            c.recv();
            mu.lock();
            shared++;
            mu.unlock();
          }
          if (shared % 2 == 0) syscall([] {});
          wg.done();
        });
      }
      wg.wait();
    });
  });
}

}  // namespace touchstone::litmus
