// 03-select.go — select over several channels, a default case and a timeout.
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

func main() {
	stop := startTrace()
	a, b, quit := make(chan int), make(chan int, 2), make(chan struct{})
	go func() {
		for i := 0; i < 200; i++ {
			a <- i
		}
	}()
	go func() {
		for i := 0; i < 200; i++ {
			b <- i
		}
		close(quit)
	}()
	got, idle := 0, 0
	for done := false; !done; {
		select {
		case <-a:
			got++
		case <-b:
			got++
		case <-quit:
			done = true
		default:
			idle++
			select {
			case <-a:
				got++
			case <-time.After(100 * time.Microsecond):
			}
		}
	}
	stop()
	fmt.Println("ok", got > 0)
}
