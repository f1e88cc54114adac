// mutex.go — a contended sync.Mutex: 4 goroutines take it 20 times each and yield while
// holding it, so the others block on it (GoBlockSync); a WaitGroup waits for them.
// Goroutines created by main.main while tracing: 4.
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"sync"
)

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				mu.Lock()
				counter++
				runtime.Gosched()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	trace.Stop()
	f.Close()
	if counter != 80 {
		panic("lost an increment")
	}
}
