// syscall.go — a blocking system call: a goroutine reads a pipe with a raw read(2) that blocks
// until main, after sleeping 30 ms, writes a byte. The read blocks long enough for the P to be
// retaken (GoSysCall, GoSysBlock, then GoSysExit). Goroutines created by main.main while
// tracing: 1.
package main

import (
	"os"
	"runtime/trace"
	"syscall"
	"time"
)

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan int)
	go func() {
		var b [1]byte
		n, _ := syscall.Read(p[0], b[:])
		done <- n
	}()
	time.Sleep(30 * time.Millisecond)
	syscall.Write(p[1], []byte{'x'})
	if n := <-done; n != 1 {
		panic("short read")
	}
	trace.Stop()
	f.Close()
}
