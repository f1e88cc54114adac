// gc.go — a forced garbage collection: allocate a little, call runtime.GC() (a full cycle with
// two stop-the-world phases; then main sweeps the heap with a Gosched per span, which makes
// most of the trace). Goroutines created by main.main while tracing: 0 (the GC's own workers
// are started by the runtime). GC cycles: 1.
package main

import (
	"os"
	"runtime"
	"runtime/trace"
)

var keep [][]byte

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	for i := 0; i < 64; i++ {
		keep = append(keep, make([]byte, 1024))
	}
	keep = keep[:32]
	runtime.GC()
	trace.Stop()
	f.Close()
}
