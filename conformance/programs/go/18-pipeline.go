// 18-pipeline.go — a five-stage pipeline of unbuffered channels.
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

func stage(in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		for v := range in {
			out <- v * 2
		}
		close(out)
	}()
	return out
}

func main() {
	stop := startTrace()
	src := make(chan int)
	var c <-chan int = src
	for i := 0; i < 5; i++ {
		c = stage(c)
	}
	go func() {
		for i := 0; i < 500; i++ {
			src <- i
		}
		close(src)
	}()
	s := 0
	for v := range c {
		s += v
	}
	stop()
	fmt.Println("ok", s)
}
