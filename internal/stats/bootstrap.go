package stats

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// BootstrapOptions configure Replicates. The zero value runs on GOMAXPROCS workers with
// seed 0.
type BootstrapOptions struct {
	Seed    uint64
	Workers int // 0 means GOMAXPROCS; results do not depend on it
	// Progress, if non-nil, is called with (done, total) after each replicate, from the
	// worker goroutines (it must be safe for concurrent use).
	Progress func(done, total int)
}

// Replicates runs k bootstrap replicates and returns their results in replicate order.
// Replicate i draws from its own PCG generator seeded (Seed, i), so what it draws depends
// only on (Seed, i), never on the number of workers or the goroutine that runs it. rep must
// be safe for concurrent use and write only to what it returns.
func Replicates[T any](k int, opt BootstrapOptions, rep func(i int, rng *rand.Rand) T) []T {
	out := make([]T, k)
	var done atomic.Int64
	ParallelFor(k, opt.Workers, func(i int) {
		out[i] = rep(i, rand.New(rand.NewPCG(opt.Seed, uint64(i))))
		if opt.Progress != nil {
			opt.Progress(int(done.Add(1)), k)
		}
	})
	return out
}

// Counts draws n items with replacement from n and returns how many times each was drawn:
// the weights of a nonparametric bootstrap resample.
func Counts(rng *rand.Rand, n int) []int {
	c := make([]int, n)
	for range n {
		c[rng.IntN(n)]++
	}
	return c
}

// Indices draws n indices in [0, m) with replacement, in draw order.
func Indices(rng *rand.Rand, n, m int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = rng.IntN(m)
	}
	return idx
}

// ParallelFor calls fn(i) for i in [0, n) on a pool of workers (0 means GOMAXPROCS).
// fn must write only to its own slot of any shared output.
func ParallelFor(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
