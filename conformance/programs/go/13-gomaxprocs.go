// 13-gomaxprocs.go — runtime.GOMAXPROCS changed at run time (1 → 4 → 2 → 3) while goroutines run (stop-the-world, procresize).
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

func main() {
	stop := startTrace()
	var wg sync.WaitGroup
	quit := make(chan struct{})
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for {
				select {
				case <-quit:
					return
				default:
				}
				for i := 0; i < 1000; i++ {
					x += i
				}
				runtime.Gosched()
			}
		}()
	}
	for _, n := range []int{1, 4, 2, 3, 1, 2} {
		runtime.GOMAXPROCS(n)
		for i := 0; i < 20; i++ {
			runtime.Gosched()
		}
	}
	close(quit)
	wg.Wait()
	stop()
	fmt.Println("ok")
}
