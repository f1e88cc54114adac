// 14-gc.go — allocation-heavy goroutines and forced collections (runtime.GC: stop-the-world phases).
//
// Writes its execution trace (runtime/trace) to the file named by $TOUCHSTONE_GO_TRACE (or the
// -trace flag); prints "ok" and exits 0. Part of the Go corpus certified by
// `touchstone certify --toolchain go|gccgo` (conformance/programs/go/README.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
)

func startTrace() func() {
	path := flag.String("trace", os.Getenv("TOUCHSTONE_GO_TRACE"), "trace output file")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "no trace file: set TOUCHSTONE_GO_TRACE or -trace")
		os.Exit(2)
	}
	f, err := os.Create(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return func() { trace.Stop(); f.Close() }
}

type node struct {
	next *node
	buf  [64]byte
}

var sink *node

func main() {
	stop := startTrace()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var head *node
			for i := 0; i < 20000; i++ {
				head = &node{next: head}
				if i%5000 == 0 {
					head = nil
				}
			}
			sink = head
		}()
	}
	runtime.GC()
	wg.Wait()
	runtime.GC()
	runtime.GC()
	stop()
	fmt.Println("ok")
}
