// 01-unbuffered.go — ping-pong over unbuffered channels.
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

func main() {
	stop := startTrace()
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	sum := 0
	for i := 0; i < 1000; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	<-pong
	stop()
	fmt.Println("ok", sum)
}
