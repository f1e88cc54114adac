// 10-files.go — file writes, syncs and reads from several goroutines (short syscalls).
//
// Writes its execution trace (runtime/trace) to the file named by $TOUCHSTONE_GO_TRACE (or the
// -trace flag); prints "ok" and exits 0. Part of the Go corpus certified by
// `touchstone certify --toolchain go|gccgo` (conformance/programs/go/README.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	dir, err := os.MkdirTemp("", "tsgo")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := filepath.Join(dir, fmt.Sprint(i))
			for k := 0; k < 20; k++ {
				f, err := os.Create(p)
				if err != nil {
					panic(err)
				}
				f.Write(make([]byte, 4096))
				f.Sync()
				f.Close()
				if _, err := os.ReadFile(p); err != nil {
					panic(err)
				}
			}
		}(i)
	}
	wg.Wait()
	stop()
	fmt.Println("ok")
}
