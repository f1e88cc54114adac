// misc.go — the rest of the blocking kinds, and CPU samples: a select over two channels and a
// timer (GoBlockSelect), a loopback TCP echo (GoBlockNet: the network poller), a sync.Cond
// (GoBlockCond), and 100 ms of busy work with the CPU profiler on (Go 1.19 writes CPUSample
// events into the trace; gccgo's 1.11 format has none). Goroutines created by main.main while
// tracing: 4.
package main

import (
	"io"
	"net"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"time"
)

var sink int

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	c1, c2 := make(chan int), make(chan int)
	wg.Add(1)
	go func() { // 1: select
		defer wg.Done()
		for i := 0; i < 6; i++ {
			select {
			case v := <-c1:
				sink += v
			case v := <-c2:
				sink += v
			case <-time.After(time.Millisecond):
			}
		}
	}()
	for i := 0; i < 4; i++ {
		if i%2 == 0 {
			c1 <- i
		} else {
			c2 <- i
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	wg.Add(1)
	go func() { // 2: echo server
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		buf := make([]byte, 4)
		io.ReadFull(c, buf)
		c.Write(buf)
		c.Close()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	time.Sleep(2 * time.Millisecond) // the server blocks in Read first
	conn.Write([]byte("ping"))
	b := make([]byte, 4)
	io.ReadFull(conn, b)
	conn.Close()
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	wg.Add(1)
	go func() { // 3: waits on the condition
		defer wg.Done()
		mu.Lock()
		for !ready {
			cond.Wait()
		}
		mu.Unlock()
	}()
	time.Sleep(2 * time.Millisecond)
	mu.Lock()
	ready = true
	cond.Broadcast()
	mu.Unlock()
	done := make(chan bool)
	go func() { // 4: 100 ms of work for the CPU profiler
		start := time.Now()
		x := 0
		for time.Since(start) < 100*time.Millisecond {
			x++
		}
		sink += x
		done <- true
	}()
	<-done
	wg.Wait()
	trace.Stop()
	pprof.StopCPUProfile()
	f.Close()
}
