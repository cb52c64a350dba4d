package fit

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// gonumLocal runs one of gonum/optimize's methods (Newton with the analytic Hessian, BFGS
// or LBFGS) from x0, with an explicit gradient threshold and evaluation cap, and maps its
// status onto this package's.
func gonumLocal(obj Objective, x0 []float64, opt LocalOptions) LocalResult {
	dim := obj.Dim()
	c := &evalCache{obj: obj, x: make([]float64, dim), g: make([]float64, dim), h: make([]float64, dim*dim)}
	prob := optimize.Problem{Func: c.fn, Grad: c.grad}
	var method optimize.Method
	switch opt.Method {
	case GonumBFGS:
		method = &optimize.BFGS{GradStopThreshold: math.NaN()}
	case GonumLBFGS:
		method = &optimize.LBFGS{GradStopThreshold: math.NaN()}
	default:
		prob.Hess = c.hess
		method = &optimize.Newton{}
	}
	settings := &optimize.Settings{
		GradientThreshold: opt.GradientThreshold,
		FuncEvaluations:   opt.FuncEvaluations,
		Converger:         &optimize.FunctionConverge{Relative: 1e-15, Iterations: 20},
	}
	res, err := optimize.Minimize(prob, x0, settings, method)
	out := LocalResult{Evaluations: c.evals, Err: err, F: math.Inf(1), X: slices.Clone(x0), Status: Failure}
	if res != nil {
		out.X, out.F = res.X, res.F
		switch res.Status {
		case optimize.GradientThreshold:
			out.Status = GradientThreshold
		case optimize.FunctionEvaluationLimit:
			out.Status = FunctionEvaluationLimit
		case optimize.FunctionConvergence:
			out.Status = FunctionConvergence
		}
	}
	if !finite(out.F) {
		out.F = math.Inf(1)
	}
	return out
}

type evalCache struct {
	obj   Objective
	x     []float64
	level int
	f     float64
	g, h  []float64
	evals int
}

func (c *evalCache) at(x []float64, level int) {
	if c.level >= level && floats.Equal(x, c.x) {
		return
	}
	copy(c.x, x)
	c.evals++
	switch level {
	case 1:
		c.f = c.obj.Value(x)
	case 2:
		c.f = c.obj.ValueGrad(x, c.g)
	default:
		c.f = c.obj.ValueGradHess(x, c.g, c.h)
	}
	c.level = level
}

func (c *evalCache) fn(x []float64) float64 { c.at(x, 1); return c.f }

func (c *evalCache) grad(g, x []float64) { c.at(x, 2); copy(g, c.g) }

func (c *evalCache) hess(h *mat.SymDense, x []float64) {
	c.at(x, 3)
	n := len(x)
	for i := range n {
		for j := i; j < n; j++ {
			h.SetSym(i, j, c.h[i*n+j])
		}
	}
}
