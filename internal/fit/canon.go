package fit

import (
	"cmp"
	"math"
	"slices"
)

// CanonicalOrder returns the permutation that puts n rows into scalefit's canonical row
// order: ascending by cols[0], ties broken by cols[1], and so on (cmp.Compare: NaN first,
// −0 = +0). perm[i] is the input index of the i-th row in canonical order. Rows equal in
// every column come in an unspecified order among themselves, which cannot matter to a
// fit given those columns: they are the same observation.
//
// Every fit sorts its rows this way before fitting (issue 23 #2), so that what it
// computes (sums over rows in floating point, the order of starts, which rows a
// subsample or a bootstrap resample draws) does not depend on the order of the rows and
// files it was given. Callers pass the columns that identify an observation, e.g. params,
// tokens and loss; a column may be nil (skipped).
func CanonicalOrder(n int, cols ...[]float64) []int {
	var first []float64
	rest := cols
	for len(rest) > 0 && first == nil {
		first, rest = rest[0], rest[1:]
	}
	perm := make([]int, n)
	if first == nil {
		for i := range perm {
			perm[i] = i
		}
		return perm
	}
	SortByKey(perm, first, func(a, b int) int {
		for _, c := range rest {
			if c == nil {
				continue
			}
			if r := cmp.Compare(c[a], c[b]); r != 0 {
				return r
			}
		}
		return 0
	})
	return perm
}

// SortByKey fills perm with 0..len(perm)-1 sorted by key (cmp.Compare's order: NaN first,
// −0 = +0), ties broken by tie(a, b) on the indices. The keys are sorted by a radix sort of
// their bits (linear in the rows), then each run of equal keys by tie, so that millions of
// rows sort in milliseconds.
func SortByKey(perm []int, key []float64, tie func(a, b int) int) {
	n := len(perm)
	type kv struct {
		k uint64
		i int
	}
	a, b := make([]kv, n), make([]kv, n)
	for i := range a {
		a[i] = kv{orderedBits(key[i]), i}
	}
	// LSD radix sort, 16 bits a pass; a pass whose digit is the same everywhere is skipped
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, e := range a {
			count[e.k>>shift&0xffff]++
		}
		if n == 0 || count[a[0].k>>shift&0xffff] == n {
			continue
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, e := range a {
			d := e.k >> shift & 0xffff
			b[count[d]] = e
			count[d]++
		}
		a, b = b, a
	}
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && a[hi].k == a[lo].k {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(a[lo:hi], func(x, y kv) int { return tie(x.i, y.i) })
		}
		lo = hi
	}
	for i, e := range a {
		perm[i] = e.i
	}
}

// orderedBits maps a float64 to a uint64 in the same order as cmp.Compare: NaN (any) to 0,
// below every number; −0 as +0.
func orderedBits(x float64) uint64 {
	switch {
	case x != x:
		return 0
	case x == 0:
		return 1 << 63
	}
	b := math.Float64bits(x)
	if b>>63 == 0 {
		return b | 1<<63
	}
	return ^b
}

// Gather returns v in the order of perm: out[i] = v[perm[i]] (nil for a nil v).
func Gather[T any](v []T, perm []int) []T {
	if v == nil {
		return nil
	}
	out := make([]T, len(perm))
	for i, j := range perm {
		out[i] = v[j]
	}
	return out
}

// Scatter undoes Gather: it returns out with out[perm[i]] = v[i] (nil for a nil v), e.g.
// residuals computed in canonical order, back in input order.
func Scatter[T any](v []T, perm []int) []T {
	if v == nil {
		return nil
	}
	out := make([]T, len(perm))
	for i, j := range perm {
		out[j] = v[i]
	}
	return out
}
