package backtest

import (
	"math"
	"slices"
	"sort"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/runs"
)

// How the runs were split into budgets (Result.BudgetsFrom).
const (
	FromColumn      = "budget column"
	FromClustering  = "clustered FLOPs"
	FromHalfDecades = "half-decades of compute"
)

// Budget is one compute budget of the runs: an IsoFLOP budget (the budget column, or runs
// whose FLOPs cluster as Approach 2 clusters them) or a half-decade of compute.
type Budget struct {
	FLOPs float64    `json:"flops"`       // nominal budget, or the geometric mean of its runs' C
	Runs  int        `json:"runs"`        // runs in it
	Range [2]float64 `json:"flops_range"` // [lo, hi] of C over its runs
	// Minimum is the observed compute-optimal loss L* (nats/token): the Approach-2 vertex of
	// the budget's profile; nil when the budget has none (no IsoFLOP budgets, too few sizes,
	// a minimum at the edge of the sizes, ...).
	Minimum *float64 `json:"minimum"`

	idx []int // indices of its runs
}

// budgeting is the split of the runs into budgets.
type budgeting struct {
	from    string
	budgets []Budget // ascending FLOPs
	iso     bool     // IsoFLOP budgets (minima are defined)
	// isoTable is Approach 2's table over every budget (nil without IsoFLOP budgets).
	isoTable *chinchilla.IsoFLOPResult
	// of[i] is run i's budget index, -1 for a run in no budget.
	of []int
}

// isoflopShare is the least share of the runs that clusters of at least three sizes must hold
// for clustered FLOPs to count as IsoFLOP budgets; minIsoBudgets the least number of such
// clusters. Below either, the runs are a ladder (e.g. OLMo's sizes × token multiples), not
// an IsoFLOP sweep, and the budgets are half-decades.
const (
	isoflopShare  = 0.5
	minIsoBudgets = 4
)

// split assigns runs to budgets: the budget column when any run has one, else FLOPs clustered
// as Approach 2 clusters them when that yields IsoFLOP profiles, else half-decades of compute
// counted down from the largest run.
func split(rs []runs.Run, tol float64, vertex chinchilla.VertexMethod) budgeting {
	b := budgeting{of: make([]int, len(rs))}
	for i := range b.of {
		b.of[i] = -1
	}
	hasColumn := false
	for _, r := range rs {
		if r.Budget > 0 {
			hasColumn = true
			break
		}
	}
	pts := make([]chinchilla.Point, len(rs))
	for i, r := range rs {
		pts[i] = chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget}
	}
	switch {
	case hasColumn:
		b.from, b.iso = FromColumn, true
		byBudget := map[float64][]int{}
		for i, r := range rs {
			if r.Budget > 0 {
				byBudget[r.Budget] = append(byBudget[r.Budget], i)
			}
		}
		for _, c := range slices.Sorted(mapsKeys(byBudget)) {
			b.budgets = append(b.budgets, Budget{FLOPs: c, idx: byBudget[c]})
		}
	default:
		for i := range pts {
			pts[i].Budget = 0
		}
		iso, _ := chinchilla.IsoFLOP(pts, chinchilla.IsoFLOPOptions{BudgetTolerance: tol})
		if iso != nil && isIsoFLOP(iso, len(rs)) {
			b.from, b.iso = FromClustering, true
			for _, g := range iso.Budgets {
				b.budgets = append(b.budgets, Budget{FLOPs: g.FLOPs, idx: g.Points})
			}
		} else {
			b.from = FromHalfDecades
			b.budgets = halfDecades(rs)
		}
	}
	for k := range b.budgets {
		bu := &b.budgets[k]
		bu.Runs = len(bu.idx)
		bu.Range = [2]float64{math.Inf(1), 0}
		for _, i := range bu.idx {
			b.of[i] = k
			bu.Range[0] = math.Min(bu.Range[0], rs[i].FLOPs)
			bu.Range[1] = math.Max(bu.Range[1], rs[i].FLOPs)
		}
	}
	if b.iso {
		// the observed minima
		for i := range pts {
			pts[i].Budget = 0
			if k := b.of[i]; k >= 0 {
				pts[i].Budget = b.budgets[k].FLOPs
			}
		}
		var in []chinchilla.Point
		for i := range pts {
			if pts[i].Budget > 0 {
				in = append(in, pts[i])
			}
		}
		b.isoTable, _ = chinchilla.IsoFLOP(in, chinchilla.IsoFLOPOptions{Vertex: vertex})
		if b.isoTable != nil {
			at := map[float64]int{}
			for k, bu := range b.budgets {
				at[bu.FLOPs] = k
			}
			for _, bo := range b.isoTable.Budgets {
				if k, ok := at[bo.FLOPs]; ok && bo.Accepted {
					v := bo.Loss
					b.budgets[k].Minimum = &v
				}
			}
		}
	}
	return b
}

func mapsKeys(m map[float64][]int) func(func(float64) bool) {
	return func(yield func(float64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// isIsoFLOP reports whether clustered FLOPs look like IsoFLOP profiles: at least
// minIsoBudgets clusters of three or more sizes holding at least isoflopShare of the runs.
func isIsoFLOP(iso *chinchilla.IsoFLOPResult, n int) bool {
	k, held := 0, 0
	for _, b := range iso.Budgets {
		if b.Sizes >= 3 {
			k++
			held += b.Runs
		}
	}
	return k >= minIsoBudgets && float64(held) >= isoflopShare*float64(n)
}

// halfDecades bins the runs by half-decades of compute counted down from the largest run
// (the top bin is (C_max/√10, C_max]); each non-empty bin is a budget at the geometric mean
// of its runs' C.
func halfDecades(rs []runs.Run) []Budget {
	top := 0.0
	for _, r := range rs {
		top = math.Max(top, math.Log10(r.FLOPs))
	}
	bins := map[int][]int{}
	for i, r := range rs {
		k := int(math.Floor((top - math.Log10(r.FLOPs)) / 0.5 * (1 - 1e-12)))
		bins[k] = append(bins[k], i)
	}
	keys := make([]int, 0, len(bins))
	for k := range bins {
		keys = append(keys, k)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(keys)))
	var out []Budget
	for _, k := range keys {
		s := 0.0
		for _, i := range bins[k] {
			s += math.Log(rs[i].FLOPs)
		}
		out = append(out, Budget{FLOPs: math.Exp(s / float64(len(bins[k]))), idx: bins[k]})
	}
	return out
}
