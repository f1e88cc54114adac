// chan.go — channels: 4 producers send 3 values each on an unbuffered channel, one more
// goroutine fills a buffered channel (capacity 2) with 5 values; main receives all 17.
// Goroutines created by main.main while tracing: 5.
package main

import (
	"os"
	"runtime/trace"
)

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	ch := make(chan int)
	for i := 0; i < 4; i++ {
		go func(i int) {
			for j := 0; j < 3; j++ {
				ch <- i*10 + j
			}
		}(i)
	}
	bch := make(chan int, 2)
	go func() {
		for j := 0; j < 5; j++ {
			bch <- j
		}
	}()
	sum := 0
	for i := 0; i < 12; i++ {
		sum += <-ch
	}
	for i := 0; i < 5; i++ {
		sum += <-bch
	}
	trace.Stop()
	f.Close()
	if sum != 202 { // (0+10+20+30)*3 + 4*(0+1+2) + (0+1+2+3+4)
		panic("lost a value")
	}
}
