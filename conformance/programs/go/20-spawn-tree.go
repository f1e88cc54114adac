// 20-spawn-tree.go — a binary tree of goroutines, each joining its two children.
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

func tree(depth int) int {
	if depth == 0 {
		return 1
	}
	c := make(chan int, 2)
	go func() { c <- tree(depth - 1) }()
	go func() { c <- tree(depth - 1) }()
	return 1 + <-c + <-c
}

func main() {
	stop := startTrace()
	n := tree(10)
	stop()
	fmt.Println("ok", n)
}
