// 05-rwmutex-cond.go — sync.RWMutex readers and writers, and a sync.Cond broadcast.
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
	var rw sync.RWMutex
	var wg sync.WaitGroup
	m := map[int]int{}
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if g%3 == 0 {
					rw.Lock()
					m[i] = g
					rw.Unlock()
				} else {
					rw.RLock()
					_ = m[i]
					rw.RUnlock()
				}
			}
		}(g)
	}
	wg.Wait()
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	ready := false
	var w2 sync.WaitGroup
	for g := 0; g < 5; g++ {
		w2.Add(1)
		go func() {
			defer w2.Done()
			mu.Lock()
			for !ready {
				c.Wait()
			}
			mu.Unlock()
		}()
	}
	mu.Lock()
	ready = true
	c.Broadcast()
	mu.Unlock()
	w2.Wait()
	stop()
	fmt.Println("ok", len(m))
}
