// 09-pipe.go — goroutines blocked in read(2) on pipes (blocking syscalls, P hand-off).
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
	"syscall"
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
	done := make(chan int)
	var ws []int
	for i := 0; i < 4; i++ {
		var p [2]int
		if err := syscall.Pipe(p[:]); err != nil {
			panic(err)
		}
		ws = append(ws, p[1])
		go func(r int) {
			buf := make([]byte, 8)
			n, _ := syscall.Read(r, buf) // blocks in the kernel: sysmon retakes the P
			done <- n
		}(p[0])
	}
	time.Sleep(30 * time.Millisecond)
	for _, w := range ws {
		syscall.Write(w, []byte("x"))
	}
	n := 0
	for range ws {
		n += <-done
	}
	stop()
	fmt.Println("ok", n)
}
