package backtest

import (
	"context"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/warn"
)

// Slope is the fitted frontier's local exponent at one budget.
type Slope struct {
	FLOPs float64 `json:"flops"`
	// LocalExponent is −d ln(L* − E)/d ln C of the broken power law fitted to every budget's
	// minimum (positive while the reducible loss falls); Interval its 95% bootstrap interval.
	LocalExponent float64    `json:"local_exponent"`
	Interval      [2]float64 `json:"interval"`
	// LocalExponentTotal is −d ln L*/d ln C, with IntervalTotal.
	LocalExponentTotal float64    `json:"local_exponent_total"`
	IntervalTotal      [2]float64 `json:"interval_total"`
}

// Break is a break of the frontier's exponent that the broken power law finds and that
// predicts the largest budget better than the single law out of sample.
type Break struct {
	FLOPs    float64    `json:"flops"`    // C_b, FLOPs
	Interval [2]float64 `json:"interval"` // its 95% bootstrap interval, FLOPs
	// OutOfSampleGain is the mean over the scored cuts of |error of the single law| −
	// |error of the broken law| on the largest budget's minimum (a fraction, > 0).
	OutOfSampleGain float64 `json:"out_of_sample_gain"`
	// ExponentBefore and ExponentAfter are the local exponent well below and well above the
	// break (γ and γ + Δγ).
	ExponentBefore float64 `json:"exponent_before"`
	ExponentAfter  float64 `json:"exponent_after"`
	// Direction is "slowdown" (the exponent falls) or "speed-up".
	Direction string `json:"direction"`
}

// BreakTest is the out-of-sample comparison behind Break: at each scored cut, the single
// power law and the broken power law fitted (from cold starts) to the minima up to the cut,
// scored on the largest budget's minimum.
type BreakTest struct {
	// Cuts are the scored cuts' budgets (FLOPs).
	Cuts   []float64  `json:"cuts"`
	Single []*float64 `json:"single_error_largest"`
	Broken []*float64 `json:"broken_error_largest"`
	// Gain is the mean of |single| − |broken| over the cuts where both were fitted (nil
	// when none); positive favours the break.
	Gain *float64 `json:"out_of_sample_gain"`
	// Text is the answer to "is scaling slowing?" in one sentence.
	Text string `json:"text"`
}

// FrontierFit is the broken power law fitted to every budget's minimum, with its bootstrap
// draws: what the local exponent, the break and the figure are drawn from.
type FrontierFit struct {
	Fit    *bpl.RunsResult
	Budget []float64 // the budgets' FLOPs
	Break  *Break
}

// BreakGain is the break test on IsoFLOP minima: at each cut (the largest minimum's FLOPs
// excluded), the single and the broken power law are fitted to the minima at or below the
// cut and predict the largest minimum. It returns each law's relative error there per cut
// (nil where a law could not be fitted) and the mean over the cuts where both were of
// |error of the single law| − |error of the broken law| (ok false when there is none):
// positive favours the break.
func BreakGain(vs []bpl.Vertex, cuts []float64, largest bpl.Vertex, o bpl.Options) (single, broken []*float64, gain float64, ok bool) {
	var gains []float64
	for _, c := range cuts {
		var up []bpl.Vertex
		for _, v := range vs {
			if v.FLOPs <= c*(1+1e-9) {
				up = append(up, v)
			}
		}
		var es [2]*float64
		for k, one := range []bool{true, false} {
			oo := o
			oo.Single = one
			if f, err := bpl.Fit(up, oo); err == nil {
				p := f.Law.Loss(largest.FLOPs)
				es[k] = ptr((largest.Loss - p) / p)
			}
		}
		single, broken = append(single, es[0]), append(broken, es[1])
		if es[0] != nil && es[1] != nil {
			gains = append(gains, math.Abs(*es[0])-math.Abs(*es[1]))
		}
	}
	if len(gains) == 0 {
		return single, broken, 0, false
	}
	g, _ := meanSD(gains)
	return single, broken, g, true
}

// frontier fills Slope, Break and BreakTest.
func (b *engine) frontier(ctx context.Context, res *Result) error {
	bt := &BreakTest{}
	res.BreakTest = bt
	s := res.ScoredCuts
	nb := len(b.split.budgets)
	var vs []bpl.Vertex
	for _, bu := range b.split.budgets[:nb-1] {
		if bu.Minimum != nil {
			vs = append(vs, bpl.Vertex{FLOPs: bu.FLOPs, Loss: *bu.Minimum})
		}
	}
	for _, cut := range res.Cuts[len(res.Cuts)-s:] {
		bt.Cuts = append(bt.Cuts, cut.Budget)
	}
	ngains := 0
	if lg := b.split.budgets[nb-1]; lg.Minimum != nil {
		var g float64
		var ok bool
		bt.Single, bt.Broken, g, ok = BreakGain(vs, bt.Cuts, bpl.Vertex{FLOPs: lg.FLOPs, Loss: *lg.Minimum}, bpl.Options{Smoothness: b.opts.Smoothness, Workers: b.opts.Workers})
		if ok {
			bt.Gain = ptr(g)
			for k := range bt.Single {
				if bt.Single[k] != nil && bt.Broken[k] != nil {
					ngains++
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	pts := b.points(allIndices(len(b.rs)))
	fr, err := bpl.FitRuns(pts, bpl.RunsOptions{Options: bpl.Options{Smoothness: b.opts.Smoothness, Workers: b.opts.Workers},
		Bootstrap: b.opts.Bootstrap, Seed: b.opts.Seed, IsoFLOP: chinchilla.IsoFLOPOptions{Vertex: b.opts.Vertex}})
	if err != nil {
		bt.Text = "the broken power law could not be fitted to the budgets' minima (" + shortErr(err) + "): no local exponent"
		res.Warnings = append(res.Warnings, warn.New(CodeNoSlope, "%s", bt.Text))
		return nil
	}
	res.Frontier = &FrontierFit{Fit: fr}
	for _, w := range fr.Warnings {
		if w.Code == warn.CodeBootstrapFailures || w.Code == warn.CodeNotConverged {
			w.Source = "broken power law"
			res.Warnings = append(res.Warnings, w)
		}
	}
	for _, bu := range b.split.budgets {
		res.Frontier.Budget = append(res.Frontier.Budget, bu.FLOPs)
		c := bu.FLOPs
		sl := Slope{FLOPs: c, LocalExponent: fr.Law.LocalExponent(c), LocalExponentTotal: fr.Law.LocalExponentTotal(c)}
		sl.Interval = around(fr, sl.LocalExponent, func(l bpl.Law) float64 { return l.LocalExponent(c) })
		sl.IntervalTotal = around(fr, sl.LocalExponentTotal, func(l bpl.Law) float64 { return l.LocalExponentTotal(c) })
		res.Slope = append(res.Slope, sl)
	}
	law := fr.Law
	switch {
	case bt.Gain == nil:
		bt.Text = "no evidence of a slowdown in this range: the break test needs the broken and the single law fitted at the largest cuts and a minimum at the largest budget, and has neither"
	case *bt.Gain <= 0:
		bt.Text = fmt.Sprintf("no evidence of a slowdown in this range: a broken power law predicts the largest budget's minimum no better than a single power law out of sample (%s worse on average over %s)",
			pct(-*bt.Gain), largestCuts(ngains))
	case *bt.Gain <= BreakMargin:
		bt.Text = fmt.Sprintf("no evidence of a slowdown in this range: a broken power law predicts the largest budget's minimum only %s better than a single power law out of sample (mean over %s), within the margin of %s that a law without a break reaches by chance",
			pct(*bt.Gain), largestCuts(ngains), pct(BreakMargin))
	case !law.Broken():
		bt.Text = "no evidence of a slowdown in this range: the broken power law fitted to every budget has no break"
	default:
		br := &Break{FLOPs: law.Cb, OutOfSampleGain: *bt.Gain, ExponentBefore: law.Gamma, ExponentAfter: law.Gamma + law.DeltaGamma, Direction: "slowdown"}
		if law.DeltaGamma > 0 {
			br.Direction = "speed-up"
		}
		iv := around(fr, math.Log(law.Cb), func(l bpl.Law) float64 { return math.Log(l.Cb) })
		br.Interval = [2]float64{math.Exp(iv[0]), math.Exp(iv[1])}
		res.Break, res.Frontier.Break = br, br
		verb := "slows"
		if br.Direction == "speed-up" {
			verb = "speeds up"
		}
		bt.Text = fmt.Sprintf("scaling %s at about %s FLOPs (95%% interval %s to %s): the local exponent of the reducible loss goes from %s to %s, and the broken power law predicts the largest budget's minimum %s better than a single power law out of sample (mean over %s)",
			verb, sci(br.FLOPs), sci(br.Interval[0]), sci(br.Interval[1]), fmt3(br.ExponentBefore), fmt3(br.ExponentAfter), pct(br.OutOfSampleGain), largestCuts(ngains))
	}
	return nil
}

// around is the 95% bootstrap interval of q, widened to hold the estimate est (a percentile
// interval can miss a biased estimate); [est, est] without draws.
func around(fr *bpl.RunsResult, est float64, q func(bpl.Law) float64) [2]float64 {
	iv, ok := fr.Interval(q)
	if !ok {
		return [2]float64{est, est}
	}
	return [2]float64{math.Min(iv.Lo, est), math.Max(iv.Hi, est)}
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func fmt3(v float64) string { return fmt.Sprintf("%.3f", v) }

// Shift is Marin's leave-one-budget-out check: how much a law's compute-optimal N at the
// largest budget moves when one budget is left out of the largest cut's fit set.
type Shift struct {
	Budget  float64 `json:"budget"` // the budget left out, FLOPs
	Family  string  `json:"family"`
	Variant string  `json:"variant"`
	// NOptShift is N_opt(without the budget)/N_opt(with every budget) − 1 at the largest
	// budget's FLOPs.
	NOptShift float64 `json:"n_opt_shift"`
}

// leaveOneOut refits Approach 3 (Huber) and Approach 2 on the largest cut's fit set without
// each of its budgets in turn.
func (b *engine) leaveOneOut(res *Result) {
	nb := len(b.split.budgets)
	train, _ := b.trainAt(nb - 2)
	c := b.split.budgets[nb-1].FLOPs
	type law struct {
		variant string
		nOpt    func(train []int) (float64, bool)
	}
	var warm []float64 // the refits without a budget start from the fit with every budget
	laws := []law{{VariantA3Huber, func(train []int) (float64, bool) {
		n, d, l := b.columns(train)
		r, err := chinchilla.Fit(n, d, l, chinchilla.FitOptions{Workers: b.opts.Workers, Warm: warm})
		if err != nil {
			return 0, false
		}
		if warm == nil {
			warm = r.Theta[:]
		}
		return a3Model{r, b.rs}.nOpt(c)
	}}}
	if b.split.iso {
		for _, v := range []struct {
			variant string
			m       chinchilla.VertexMethod
		}{{VariantA2Akima, chinchilla.VertexAkima}, {VariantA2Parabola, chinchilla.VertexParabola}} {
			m := v.m
			laws = append(laws, law{v.variant, func(train []int) (float64, bool) {
				iso, err := chinchilla.IsoFLOP(b.points(train), chinchilla.IsoFLOPOptions{Vertex: m})
				if err != nil || iso == nil {
					return 0, false
				}
				return iso.NOpt(c), true
			}})
		}
	}
	for _, l := range laws {
		all, ok := l.nOpt(train)
		if !ok || !(all > 0) {
			continue
		}
		for k := 0; k < nb-1; k++ {
			var rest []int
			for _, i := range train {
				if b.split.of[i] != k {
					rest = append(rest, i)
				}
			}
			if len(rest) == len(train) {
				continue
			}
			if v, ok := l.nOpt(rest); ok && v > 0 {
				res.LeaveOneOut = append(res.LeaveOneOut, Shift{Budget: b.split.budgets[k].FLOPs, Family: FamilyChinchilla, Variant: l.variant, NOptShift: v/all - 1})
			}
		}
	}
}

// Curve samples the local exponent (with its 95% band) and the total local exponent at n
// log-spaced FLOPs across the budgets, for the figure.
func (f *FrontierFit) Curve(n int) (c, est, lo, hi, total []float64) {
	if f == nil || len(f.Budget) < 2 || n < 2 {
		return
	}
	a, z := math.Log(f.Budget[0]), math.Log(f.Budget[len(f.Budget)-1])
	for i := 0; i < n; i++ {
		x := math.Exp(a + (z-a)*float64(i)/float64(n-1))
		e := f.Fit.Law.LocalExponent(x)
		iv := around(f.Fit, e, func(l bpl.Law) float64 { return l.LocalExponent(x) })
		c, est, lo, hi = append(c, x), append(est, e), append(lo, iv[0]), append(hi, iv[1])
		total = append(total, f.Fit.Law.LocalExponentTotal(x))
	}
	return
}
