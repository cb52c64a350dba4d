package fit

import (
	"cmp"
	"slices"
)

// CanonicalOrder returns the permutation that puts n rows into scalefit's canonical row
// order: ascending by cols[0], ties broken by cols[1], and so on (cmp.Compare: NaN first,
// −0 = +0). perm[i] is the input index of the i-th row in canonical order. Rows equal in
// every column keep their input order, which cannot matter: they are the same
// observation.
//
// Every fit sorts its rows this way before fitting (issue 23 #2), so that what it
// computes (sums over rows in floating point, the order of starts, which rows a
// subsample or a bootstrap resample draws) does not depend on the order of the rows and
// files it was given. Callers pass the columns that identify an observation, e.g. params,
// tokens and loss; a column may be nil (skipped).
func CanonicalOrder(n int, cols ...[]float64) []int {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		for _, c := range cols {
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
