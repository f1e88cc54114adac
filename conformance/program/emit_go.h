// conformance/program/emit_go.h — a Program as a Go source file with the same meaning
// (`touchstone emit-go`, tools/cli/emitgo.cc).
//
//   std::string go = emit_go(p, "conformance/programs/22-chan-cap1-fifo.tsp");
//
// The Go program is one `package main` file that builds with `go build` (Go 1.19) and with
// gccgo 12, runs the program's main body in Go's main goroutine and prints the program's
// outcome on stdout in exactly the text of outcome_text (interp.h), so a Go run and a reference
// run compare textually. With $TOUCHSTONE_GO_TRACE set it writes a runtime/trace execution trace
// to that file (trace.Start before main's body, trace.Stop after it), which
// `touchstone certify --go-trace` checks.
//
// The ops map one to one (the interpreter's mapping, interp.h, with Go's own primitives):
//
//   spawn B   go bodyB(rec)           the record is made by the spawner, as the interpreter does,
//                                     so a goroutine that never ran still prints "B: -"
//   yield     runtime.Gosched()       work N   N × busyUnit (a call that is not inlined: a
//                                              preemption point for gc's stack check as well
//                                              as its asynchronous preemption)
//   send/recv/close   a chan int64 of the declared capacity; recv is `v, ok := <-c`
//   lock/unlock       sync.Mutex      wg add/done/wait   sync.WaitGroup Add/Done/Wait
//   sleep US, syscall US   time.Sleep(US µs). NOT the reference's mapping: the interpreter runs
//                     both as a blocking system call (touchstone::syscall + usleep, the P handed
//                     off); in Go the G parks on a timer and the M stays free. Outcomes do not
//                     depend on it; the traces show GoSleep/timer wake-ups instead of syscalls.
//   procs N   runtime.GOMAXPROCS(N)   loop N [as I]   a Go for loop over an int64 counter
//   exit      return from the body's function: for a spawned goroutine that is runtime.Goexit
//             (its function is the goroutine's whole body); in main it ends the program, as
//             the interpreter's main returning does (runtime.Goexit in Go's main goroutine
//             would instead wait for the other goroutines and then crash).
//
// What is not carried over: the interpreter's step and goroutine budgets (a runaway Go program
// runs until killed), and its tags on channel values (the Go channels carry the bare value).
// The starting GOMAXPROCS is Go's default (the CPU count, or $GOMAXPROCS), not `run --procs`.
// Goroutines still running when main's body ends are abandoned, as in Go and the interpreter;
// what they received so far is part of the outcome (each record has its own mutex, so reading
// it while its goroutine runs is not a data race).
//
// Names: Go identifiers are made from indices (body0, ch0, mu0, wg0, l0 for loop level 0), never
// from the program's names, so no program name can collide with a Go keyword or package; each
// declaration carries its original name in a comment, and the outcome prints the original names.
#pragma once

#include <string>
#include <string_view>

#include "conformance/program/program.h"

namespace touchstone::program {

// The Go source of p (which must be valid: validate(p) == ""). source names the program in the
// file's header comment.
std::string emit_go(const Program& p, std::string_view source);

}  // namespace touchstone::program
