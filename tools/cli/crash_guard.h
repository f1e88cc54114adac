// tools/cli/crash_guard.h — a reproducer for the run a fatal signal ends.
//
// `explore` runs thousands of simulated executions in one process. A runtime bug that faults
// (a nil G dereferenced, a wild pointer: mutant 08, golang/go#38334) takes the whole process
// down, and without help no reproducer is left: the findings are written only when a run ends.
// The crash guard closes that gap. Before each run the explorer arms it with everything of the
// reproducer that is known in advance (the header and the program text, formatted by
// format_repro); a handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, on its own stack
// (the fault may be a stack overflow on a fiber), then appends the run's decision log as far as
// it got (sim::in_flight_log), writes the file through a temporary name and a rename, prints
// one line naming it, and re-raises the signal so that the process still dies of it. `touchstone
// replay FILE` then re-runs the same decisions and faults the same way.
//
// Everything the handler does is async-signal-safe: open/write/rename/close and integer
// formatting into a static buffer; the strings it writes were built before the run. The
// decision log is read as it is (a vector the world appends to between scheduling points, never
// during one), so the log is complete up to the faulting point.
//
// Not installed under AddressSanitizer: its own handler reports the fault with a stack, which
// is worth more than a reproducer there, and two handlers would fight over the signal.
#pragma once

#include <string>

namespace touchstone::cli {

// Installs the handlers once (no-op under ASan). Safe to call again.
void crash_guard_install();

// The next crash writes `path`: `head` (the reproducer up to and including "message: "), the
// signal's name, then `tail` (the rest up to and including the "--- decisions" line), then the
// in-flight decision log.
void crash_guard_arm(std::string path, std::string head, std::string tail);

// No run in flight: a crash now writes nothing.
void crash_guard_disarm();

}  // namespace touchstone::cli
