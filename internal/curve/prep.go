package curve

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/limits"
)

// WorkError is a curve computation refused before it starts because it would pass one of
// the caps of internal/limits (steps walked, the multi-power law's prefix arrays or nodes).
type WorkError struct{ Msg string }

func (e *WorkError) Error() string { return e.Msg }

// checkWork refuses to walk more than limits.MaxCurveScheduleWork schedule steps in total,
// and (for the multi-power law) to build prefix arrays of more than limits.MaxMPLScheduleSteps.
func checkWork(walk int64, mpl bool) error {
	if walk > limits.MaxCurveScheduleWork {
		return &WorkError{fmt.Sprintf("the curves' distinct schedules sum to %d steps up to their last logged points: want at most %d (limits.MaxCurveScheduleWork; curves that share one schedule count it once: give them one schedule spec)", walk, limits.MaxCurveScheduleWork)}
	}
	if mpl && walk > limits.MaxMPLScheduleSteps {
		return &WorkError{fmt.Sprintf("the multi-power law on %d schedule steps (summed over distinct schedules): want at most %d, as its loss-drop quadrature keeps prefix arrays of the schedule (use the default law, --law tissue, which keeps none)", walk, limits.MaxMPLScheduleSteps)}
	}
	return nil
}

func checkNodes(n int) error {
	if n > limits.MaxMPLNodes {
		return &WorkError{fmt.Sprintf("the multi-power law needs %d quadrature nodes for these points: want at most %d (limits.MaxMPLNodes; fewer logged points, or the default law, --law tissue)", n, limits.MaxMPLNodes)}
	}
	return nil
}

// lrKey identifies a learning-rate slice: curves that share one (FromSet gives every curve
// of one schedule spec the same slice) are prepared once.
type lrKey struct {
	p *float64
	n int
}

func keyOf(lr []float64) lrKey {
	if len(lr) == 0 {
		return lrKey{}
	}
	return lrKey{&lr[0], len(lr)}
}

// prepareCurves prepares the law's per-point quantities of each curve, walking each distinct
// schedule once up to the last step logged under it (the union of its curves' steps): memory
// O(points + nodes), time O(Σ distinct schedule lengths + points).
func prepareCurves(curves []*Curve, lambda float64, nodes bool) ([]*prepared, error) {
	type group struct {
		lr      []float64
		members []int
		last    int
	}
	var order []lrKey
	groups := map[lrKey]*group{}
	for i, c := range curves {
		k := keyOf(c.LR)
		g := groups[k]
		if g == nil {
			g = &group{lr: c.LR}
			groups[k] = g
			order = append(order, k)
		}
		g.members = append(g.members, i)
		if n := len(c.Steps); n > 0 {
			g.last = max(g.last, c.Steps[n-1])
		}
	}
	var walk int64
	for _, k := range order {
		walk += int64(groups[k].last + 1)
	}
	if err := checkWork(walk, nodes); err != nil {
		return nil, err
	}
	out := make([]*prepared, len(curves))
	nodeTotal := 0
	for _, k := range order {
		g := groups[k]
		if len(g.members) == 1 {
			c := curves[g.members[0]]
			out[g.members[0]] = prepare(c.LR, c.Steps, lambda, nodes)
			nodeTotal += out[g.members[0]].nodeCount()
			if err := checkNodes(nodeTotal); err != nil {
				return nil, err
			}
			continue
		}
		// the union of the members' steps, prepared once, then split
		var union []int
		for _, i := range g.members {
			union = mergeSteps(union, curves[i].Steps)
		}
		u := prepare(g.lr, union, lambda, nodes)
		nodeTotal += u.nodeCount()
		if err := checkNodes(nodeTotal); err != nil {
			return nil, err
		}
		for _, i := range g.members {
			out[i] = u.subset(curves[i].Steps)
		}
	}
	return out, nil
}

// mergeSteps returns the sorted union of two sorted step lists.
func mergeSteps(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// subset returns the prepared quantities of steps (a sorted subset of p.steps).
func (p *prepared) subset(steps []int) *prepared {
	q := &prepared{steps: steps, lambda: p.lambda}
	n := len(steps)
	q.s1, q.lnS1, q.s2 = make([]float64, n), make([]float64, n), make([]float64, n)
	q.start = make([]int, 0, n+1)
	j := 0
	for i, t := range steps {
		for p.steps[j] != t {
			j++
		}
		q.s1[i], q.lnS1[i], q.s2[i] = p.s1[j], p.lnS1[j], p.s2[j]
		q.start = append(q.start, len(q.w))
		a, b := p.start[j], p.start[j+1]
		q.w = append(q.w, p.w[a:b]...)
		q.d = append(q.d, p.d[a:b]...)
		q.lnEta = append(q.lnEta, p.lnEta[a:b]...)
	}
	q.start = append(q.start, len(q.w))
	return q
}

// PredictChecked is Predict with the caps of internal/limits: the schedule steps walked and,
// for the multi-power law, its prefix arrays and nodes.
func PredictChecked(par Params, lr []float64, steps []int) ([]float64, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	if err := checkWork(int64(steps[len(steps)-1]+1), par.Law == LawMPL); err != nil {
		return nil, err
	}
	p := prepare(lr, steps, par.lambda(), par.Law == LawMPL)
	if err := checkNodes(p.nodeCount()); err != nil {
		return nil, err
	}
	out := make([]float64, len(steps))
	for i := range steps {
		out[i] = p.predictPoint(&par, i, nil)
	}
	return out, nil
}

// finitePositive reports whether every loss is finite and positive.
func finitePositive(xs ...float64) bool {
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
