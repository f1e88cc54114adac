// procs.go — GOMAXPROCS changes at run time (each stops the world): run with GOMAXPROCS=2,
// then 1, 3 and 2 again, with two goroutines of busy work after each of the first two changes.
// Gomaxprocs events: the value at trace start (2), then 1, 3, 2. Goroutines created by
// main.main while tracing: 4.
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"sync"
)

var sink int

func work(wg *sync.WaitGroup) {
	defer wg.Done()
	x := 0
	for i := 0; i < 100000; i++ {
		x += i * i
	}
	sink += x
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	for _, n := range []int{1, 3} {
		runtime.GOMAXPROCS(n)
		wg.Add(2)
		go work(&wg)
		go work(&wg)
		wg.Wait()
	}
	runtime.GOMAXPROCS(2)
	trace.Stop()
	f.Close()
}
