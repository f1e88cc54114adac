// gc.go — forced garbage collections: allocate a little, call runtime.GC() twice (each a full
// cycle with two stop-the-world phases). Goroutines created by main.main while tracing: 0
// (the GC's own workers are started by the runtime). GC cycles: 2.
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
	runtime.GC()
	keep = nil
	runtime.GC()
	trace.Stop()
	f.Close()
}
