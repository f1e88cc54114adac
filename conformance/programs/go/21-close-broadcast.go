// 21-close-broadcast.go — a close wakes many receivers at once; a context-like done channel.
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
	var wg sync.WaitGroup
	for round := 0; round < 10; round++ {
		done := make(chan struct{})
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); <-done }()
		}
		close(done)
		wg.Wait()
	}
	stop()
	fmt.Println("ok")
}
