// Command peers is the Go 1.19 (gc and gccgo) benchmark peer for Touchstone.
//
// It runs the same workloads as touchstone_bench --peer-format and prints one
// machine-readable line per workload on stdout:
//
//	BENCH <name> <unit> <value> <iterations>
//
// where value is nanoseconds per unit. See bench/peers/README.md for the exact
// semantics of each workload; they must stay identical to the C++ side.
//
// Usage:
//
//	peers [-only NAME] [-scale S]
//
// The scale defaults to $TOUCHSTONE_BENCH_SCALE (or 1.0) and multiplies every
// iteration count except fanout's fixed fib(27) tree.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Default iteration counts at scale 1.0.
const (
	yieldN    = 1000000
	spawnN    = 1000000
	pingpongN = 500000
	ringN     = 1000000
	ringSize  = 1000
	fanoutN   = 27 // fib(27) == 196418
	fanoutCut = 12 // n <= fanoutCut is computed sequentially
	fanoutTrees = 20 // fib(27) trees per measurement (scaled)
)

var workloads = []string{"yield", "spawn", "pingpong", "ring", "fanout", "switch"}

func scaled(n int, scale float64) int {
	v := int(float64(n) * scale)
	if v < 1 {
		v = 1
	}
	return v
}

func warmN(n int) int {
	w := n / 10
	if w < 1 {
		w = 1
	}
	return w
}

func report(name, unit string, elapsed time.Duration, units int) {
	ns := float64(elapsed.Nanoseconds()) / float64(units)
	fmt.Printf("BENCH %s %s %.3f %d\n", name, unit, ns, units)
}

// ---- yield ---------------------------------------------------------------

// benchYield: GOMAXPROCS(1); two goroutines each call runtime.Gosched() n
// times. Returns the elapsed time for 2n yields.
func benchYield(n int) time.Duration {
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	wg.Add(2)
	worker := func() {
		for i := 0; i < n; i++ {
			runtime.Gosched()
		}
		wg.Done()
	}
	start := time.Now()
	go worker()
	go worker()
	wg.Wait()
	return time.Since(start)
}

// ---- spawn ---------------------------------------------------------------

func chain(i, n int, done chan struct{}) {
	if i == n {
		close(done)
		return
	}
	go chain(i+1, n, done)
}

// benchSpawn: GOMAXPROCS(1); goroutine i spawns goroutine i+1 and exits;
// goroutine n closes done. n goroutines are created in total (1..n).
func benchSpawn(n int) time.Duration {
	runtime.GOMAXPROCS(1)
	done := make(chan struct{})
	start := time.Now()
	go chain(1, n, done)
	<-done
	return time.Since(start)
}

// ---- pingpong ------------------------------------------------------------

// benchPingpong: GOMAXPROCS(1); unbuffered ping/pong, n round trips.
func benchPingpong(n int) time.Duration {
	runtime.GOMAXPROCS(1)
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			v := <-ping
			pong <- v
		}
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	return time.Since(start)
}

// ---- ring ----------------------------------------------------------------

// benchRing: GOMAXPROCS(NumCPU); ringSize goroutines, goroutine i receives
// from ch[i] and sends to ch[(i+1)%ringSize]. The token is the number of hops
// still to make; main injects n into ch[0] and every goroutine forwards v-1
// until it receives 0, which closes done. Exactly n goroutine-to-goroutine
// sends happen inside the timed region (plus main's injection). Afterwards no
// token is in flight, so main closes every channel and all ring goroutines
// exit on the closed receive (teardown is not timed).
func benchRing(n int) time.Duration {
	runtime.GOMAXPROCS(runtime.NumCPU())
	chs := make([]chan int, ringSize)
	for i := range chs {
		chs[i] = make(chan int)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(ringSize)
	for i := 0; i < ringSize; i++ {
		in, out := chs[i], chs[(i+1)%ringSize]
		go func() {
			defer wg.Done()
			for v := range in {
				if v == 0 {
					close(done)
					return
				}
				out <- v - 1
			}
		}()
	}
	start := time.Now()
	chs[0] <- n
	<-done
	elapsed := time.Since(start)
	for _, c := range chs {
		close(c)
	}
	wg.Wait()
	return elapsed
}

// ---- fanout --------------------------------------------------------------

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func pfib(n int, out chan<- int) {
	if n <= fanoutCut {
		out <- fib(n)
		return
	}
	c := make(chan int, 2)
	go pfib(n-1, c)
	go pfib(n-2, c)
	out <- <-c + <-c
}

// pfibGoroutines is the number of goroutines running pfib for a call tree
// rooted at n, counting the root itself (which the benchmark also spawns).
func pfibGoroutines(n int) int {
	if n <= fanoutCut {
		return 1
	}
	return 1 + pfibGoroutines(n-1) + pfibGoroutines(n-2)
}

// benchFanout: GOMAXPROCS(NumCPU); parallel fib(n), `trees` times in a row
// (one tree is only ~2 ms: a single one is too noisy to compare). Returns the
// elapsed time and the result of the last tree.
func benchFanout(n, trees int) (time.Duration, int) {
	runtime.GOMAXPROCS(runtime.NumCPU())
	out := make(chan int, 1)
	r := 0
	start := time.Now()
	for t := 0; t < trees; t++ {
		go pfib(n, out)
		r = <-out
	}
	return time.Since(start), r
}

// ---- driver --------------------------------------------------------------

func run(name string, scale float64) {
	runtime.GC()
	switch name {
	case "yield":
		n := scaled(yieldN, scale)
		benchYield(warmN(n))
		report(name, "ns/yield", benchYield(n), 2*n)
	case "spawn":
		n := scaled(spawnN, scale)
		benchSpawn(warmN(n))
		report(name, "ns/goroutine", benchSpawn(n), n)
	case "pingpong":
		n := scaled(pingpongN, scale)
		benchPingpong(warmN(n))
		report(name, "ns/roundtrip", benchPingpong(n), n)
	case "ring":
		n := scaled(ringN, scale)
		benchRing(warmN(n))
		report(name, "ns/hop", benchRing(n), n)
	case "fanout":
		// The warm-up is the full tree, not a smaller one: it leaves ~3193
		// dead goroutines (and their stacks) on the runtime's free lists, so
		// the timed run measures steady-state spawn/schedule rather than
		// first-time stack allocation (which on gccgo is an mmap per
		// goroutine and dominates otherwise).
		trees := scaled(fanoutTrees, scale)
		if _, r := benchFanout(fanoutN, 1); r != 196418 {
			fmt.Fprintf(os.Stderr, "peers: fanout warm-up: pfib(%d) = %d, want 196418\n", fanoutN, r)
			os.Exit(1)
		}
		elapsed, r := benchFanout(fanoutN, trees)
		if r != 196418 {
			fmt.Fprintf(os.Stderr, "peers: fanout: pfib(%d) = %d, want 196418\n", fanoutN, r)
			os.Exit(1)
		}
		report(name, "ns/goroutine", elapsed, trees*pfibGoroutines(fanoutN))
	case "switch":
		// Go has no raw context switch; the Boost.Context peer covers it.
	}
}

func main() {
	defaultScale := 1.0
	if s := os.Getenv("TOUCHSTONE_BENCH_SCALE"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			fmt.Fprintf(os.Stderr, "peers: bad TOUCHSTONE_BENCH_SCALE %q\n", s)
			os.Exit(2)
		}
		defaultScale = v
	}
	only := flag.String("only", "", "run only this workload (yield, spawn, pingpong, ring, fanout, switch); default all")
	scale := flag.Float64("scale", defaultScale, "multiply iteration counts by this factor (env TOUCHSTONE_BENCH_SCALE)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "peers: unexpected arguments: %v\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if *scale <= 0 {
		fmt.Fprintf(os.Stderr, "peers: -scale must be > 0\n")
		os.Exit(2)
	}
	if *only != "" {
		known := false
		for _, w := range workloads {
			known = known || w == *only
		}
		if !known {
			fmt.Fprintf(os.Stderr, "peers: unknown workload %q\n", *only)
			os.Exit(2)
		}
		run(*only, *scale)
		return
	}
	for _, w := range workloads {
		run(w, *scale)
	}
}
