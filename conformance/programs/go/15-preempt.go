// 15-preempt.go — tight loops with no calls that only asynchronous preemption (or sysmon) can interrupt.
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
	"time"
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

//go:noinline
func spin(d time.Duration) int {
	end := time.Now().Add(d)
	x := 0
	for time.Now().Before(end) {
		for i := 0; i < 100000; i++ {
			x += i ^ x
		}
	}
	return x
}

func main() {
	stop := startTrace()
	runtime.GOMAXPROCS(2)
	var wg sync.WaitGroup
	for g := 0; g < 5; g++ {
		wg.Add(1)
		go func() { defer wg.Done(); spin(60 * time.Millisecond) }()
	}
	wg.Wait()
	stop()
	fmt.Println("ok")
}
