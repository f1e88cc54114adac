// 06-waitgroup.go — fan-out and fan-in with nested sync.WaitGroups.
//
// Writes its execution trace (runtime/trace) to the file named by $TOUCHSTONE_GO_TRACE (or the
// -trace flag); prints "ok" and exits 0. Part of the Go corpus certified by
// `touchstone certify --toolchain go|gccgo` (conformance/programs/go/README.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"sync/atomic"
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

func main() {
	stop := startTrace()
	var n int64
	var outer sync.WaitGroup
	for i := 0; i < 10; i++ {
		outer.Add(1)
		go func() {
			defer outer.Done()
			var inner sync.WaitGroup
			for j := 0; j < 10; j++ {
				inner.Add(1)
				go func() { defer inner.Done(); atomic.AddInt64(&n, 1) }()
			}
			inner.Wait()
		}()
	}
	outer.Wait()
	stop()
	fmt.Println("ok", n)
}
