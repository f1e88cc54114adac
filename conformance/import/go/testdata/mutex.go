// mutex.go — a contended sync.Mutex: main holds it for 10 ms while it starts 4 goroutines, so
// they block on it (GoBlockSync); then each takes it 20 times and yields while holding it. A
// WaitGroup waits for them. Goroutines created by main.main while tracing: 4.
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
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
	mu.Lock()
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
	time.Sleep(10 * time.Millisecond) // every goroutine reaches mu.Lock and blocks
	mu.Unlock()
	wg.Wait()
	trace.Stop()
	f.Close()
	if counter != 80 {
		panic("lost an increment")
	}
}
