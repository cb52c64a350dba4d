package fit

import (
	"math/rand/v2"
	"sync/atomic"
)

// BootstrapCounts returns how many times each of n items appears in resample k of a
// nonparametric bootstrap with the given seed: n draws with replacement from a PCG
// generator seeded (seed, k). The counts depend only on (seed, k, n), never on which
// goroutine draws them.
func BootstrapCounts(seed uint64, k, n int) []int {
	r := rand.New(rand.NewPCG(seed, uint64(k)))
	c := make([]int, n)
	for range n {
		c[r.IntN(n)]++
	}
	return c
}

// BootstrapOptions configure Bootstrap. The zero value runs on GOMAXPROCS workers.
type BootstrapOptions struct {
	Seed    uint64
	Workers int // 0 means GOMAXPROCS; results do not depend on it
	// Progress, if non-nil, is called with (done, total) after each resample, from the
	// worker goroutines (it must be safe for concurrent use).
	Progress func(done, total int)
}

// Bootstrap runs refit on K resamples of n items and returns the K results in resample
// order. refit receives the resample index and the count of each item (see
// BootstrapCounts) and must be safe for concurrent use.
func Bootstrap[T any](n, k int, opt BootstrapOptions, refit func(k int, counts []int) T) []T {
	out := make([]T, k)
	var done atomic.Int64
	ParallelFor(k, opt.Workers, func(i int) {
		out[i] = refit(i, BootstrapCounts(opt.Seed, i, n))
		if opt.Progress != nil {
			opt.Progress(int(done.Add(1)), k)
		}
	})
	return out
}
