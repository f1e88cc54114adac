// runtime/gstatus.h — the G status transition table and the one primitive that changes status.
//
// Invariants (checked by casgstatus in checked builds, and by the conformance checker on
// every trace):
//   1. A G's status changes only through casgstatus, and only along an edge of
//      kGTransitions (Go 1.19's legal transitions restricted to the states this runtime
//      models; the scan bit and cgo's needm/dropm edges are not modelled yet).
//   2. Each edge is taken by a known actor (GTransition::actor): the G's own M, the M that
//      dequeued it, or any M that readies it.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/runtime2.h"

namespace touchstone::runtime {

// Who may take an edge.
enum class GActor : std::uint8_t {
  Creator,   // the M creating the G (newproc)
  Owner,     // the M running the G (g.m == m): the G itself or g0 on its behalf
  Executor,  // the M that took the runnable G from a queue (execute)
  Readier,   // any M holding the lock of the wait queue the G was parked on (ready)
};

struct GTransition {
  std::uint32_t from;
  std::uint32_t to;
  GActor actor;
  const char* go_function;  // the Go 1.19 function(s) that take this edge
};

// The table: the single source of truth.
std::span<const GTransition> gtransitions();

// Is from -> to a legal edge?
bool gtransition_legal(std::uint32_t from, std::uint32_t to);

// Atomically moves gp from `oldval` to `newval`. Fatal if the edge is illegal (checked builds)
// or if gp is not in `oldval` (all builds: this runtime has no scan bit, so a failed CAS is
// always a bug). Emits a GStatus event. Go's casgstatus.
void casgstatus(G* gp, std::uint32_t oldval, std::uint32_t newval);

inline std::uint32_t readgstatus(const G* gp) {
  // Acquire: pairs with casgstatus's release so that a reader that sees a status also sees
  // what the transitioning M wrote before it (used by checkdead and the tests).
  return gp->atomicstatus.load(platform::acquire);
}

}  // namespace touchstone::runtime
