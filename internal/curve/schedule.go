// Package curve fits schedule-aware loss-curve laws — the multi-power law of Luo et al.
// (ICML 2025) and the annealing ("momentum") law of Tissue et al. (2024) — to training-loss
// curves, predicts whole curves under learning-rate schedules not seen in the fit, forecasts
// the final loss of runs still training, and searches warmup-stable-decay schedules.
//
// Conventions: steps are optimizer updates numbered from 0; a schedule of length T (Steps)
// sets the learning rate η_s of steps s = 0..T-1; a loss logged at step t follows the updates
// 0..t, so S1(t) = Σ_{s≤t} η_s (warm-up included). Learning rates are in the optimizer's
// units; losses are nats per token. PredE is the mean over a curve's points of
// |pred - actual|/actual; WorstE its largest value.
package curve

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
)

// Decay kinds of a wsd schedule's final phase.
const (
	DecayExp    = "exp"
	DecayLinear = "linear"
	DecayCosine = "cosine"
	DecaySqrt   = "sqrt"
)

// StepLR sets the learning rate from step At on (the `at=` key of a step schedule).
type StepLR struct {
	At int
	LR float64
}

// Schedule is a parsed schedule spec `KIND:key=value,...` (see Parse).
type Schedule struct {
	Kind       string   // constant, cosine, linear, wsd or step
	Warmup     int      // steps of linear warm-up from 0 (lr_s = Peak·s/(Warmup-1) for s < Warmup)
	Steps      int      // length T: steps 0..T-1
	Peak       float64  // learning rate after warm-up
	Final      float64  // end value of the decay (reached at s = T, one step after the last)
	DecayStart int      // wsd: first step of the decay (S0)
	Decay      string   // wsd: exp, linear, cosine or sqrt
	At         []StepLR // step: learning-rate changes, sorted by step

	spec string
}

// SpecError is a bad schedule spec; the message names the spec.
type SpecError struct {
	Spec string
	Msg  string
}

func (e *SpecError) Error() string { return fmt.Sprintf("schedule %q: %s", e.Spec, e.Msg) }

var kindKeys = map[string][]string{
	"constant": {"warmup", "steps", "peak"},
	"cosine":   {"warmup", "steps", "peak", "final"},
	"linear":   {"warmup", "steps", "peak", "final"},
	"wsd":      {"warmup", "steps", "peak", "final", "decay_start", "decay"},
	"step":     {"warmup", "steps", "peak", "at"},
}

// Kinds lists the schedule kinds Parse accepts.
func Kinds() []string { return []string{"constant", "cosine", "linear", "wsd", "step"} }

// Parse reads a schedule spec such as
// `cosine:warmup=2160,steps=24000,peak=3e-4,final=3e-5`,
// `wsd:warmup=2160,steps=24000,peak=3e-4,final=3e-5,decay_start=20000,decay=exp` or
// `step:warmup=2160,steps=16000,peak=3e-4,at=8000:9e-5` (several changes separated by `;`).
// steps and peak are required; warmup defaults to 0, final to 0 for cosine and linear
// decays and is required by wsd; decay defaults to exp.
func Parse(spec string) (*Schedule, error) {
	s := strings.TrimSpace(spec)
	bad := func(format string, args ...any) error {
		return &SpecError{Spec: spec, Msg: fmt.Sprintf(format, args...)}
	}
	kind, rest, ok := strings.Cut(s, ":")
	kind = strings.ToLower(strings.TrimSpace(kind))
	if !ok {
		return nil, bad("want KIND:key=value,... with KIND one of %s", strings.Join(Kinds(), ", "))
	}
	keys, known := kindKeys[kind]
	if !known {
		return nil, bad("unknown kind %q: want one of %s", kind, strings.Join(Kinds(), ", "))
	}
	sc := &Schedule{Kind: kind, Decay: DecayExp, spec: s}
	seen := map[string]bool{}
	for _, kv := range strings.Split(rest, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !ok {
			return nil, bad("%q: want key=value", kv)
		}
		valid := false
		for _, kk := range keys {
			valid = valid || kk == k
		}
		if !valid {
			return nil, bad("unknown key %q for %s: want %s", k, kind, strings.Join(keys, ", "))
		}
		if seen[k] {
			return nil, bad("key %q given twice", k)
		}
		seen[k] = true
		intv := func() (int, error) {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f != math.Trunc(f) || f < 0 || f > 1e9 {
				return 0, bad("%s=%s: want a whole number of steps", k, v)
			}
			return int(f), nil
		}
		lr := func(x string) (float64, error) {
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, bad("%s=%s: want a learning rate such as 3e-4", k, x)
			}
			if f < 0 {
				return 0, bad("%s=%s: a learning rate cannot be negative", k, x)
			}
			if err := limits.LearningRate(k, f, true); err != nil {
				return 0, bad("%v", err)
			}
			return f, nil
		}
		var err error
		switch k {
		case "warmup":
			sc.Warmup, err = intv()
		case "steps":
			sc.Steps, err = intv()
		case "decay_start":
			sc.DecayStart, err = intv()
		case "peak":
			sc.Peak, err = lr(v)
		case "final":
			sc.Final, err = lr(v)
		case "decay":
			switch strings.ToLower(v) {
			case DecayExp, DecayLinear, DecayCosine, DecaySqrt:
				sc.Decay = strings.ToLower(v)
			default:
				err = bad("decay=%s: want exp, linear, cosine or sqrt", v)
			}
		case "at":
			for _, item := range strings.Split(v, ";") {
				a, b, ok := strings.Cut(item, ":")
				if !ok {
					return nil, bad("at=%s: want STEP:LR;STEP:LR", v)
				}
				f, perr := strconv.ParseFloat(strings.TrimSpace(a), 64)
				if perr != nil || f != math.Trunc(f) || f < 0 || f > 1e9 {
					return nil, bad("at=%s: step %q is not a whole number", v, a)
				}
				x, lerr := lr(b)
				if lerr != nil {
					return nil, lerr
				}
				if x == 0 {
					return nil, bad("at=%s: want a positive learning rate after warm-up", v)
				}
				sc.At = append(sc.At, StepLR{At: int(f), LR: x})
			}
		}
		if err != nil {
			return nil, err
		}
	}
	need := []string{"steps", "peak"}
	switch kind {
	case "wsd":
		need = append(need, "final", "decay_start")
	case "step":
		need = append(need, "at")
	}
	for _, k := range need {
		if !seen[k] {
			return nil, bad("missing key %q", k)
		}
	}
	if sc.Steps < 2 || sc.Steps > limits.MaxScheduleSteps {
		return nil, bad("steps=%d: want 2 to %d", sc.Steps, limits.MaxScheduleSteps)
	}
	if !(sc.Peak > 0) {
		return nil, bad("peak=%g: want a positive learning rate", sc.Peak)
	}
	if sc.Warmup >= sc.Steps {
		return nil, bad("warmup=%d: want fewer than steps=%d", sc.Warmup, sc.Steps)
	}
	if kind == "wsd" && (sc.DecayStart < sc.Warmup || sc.DecayStart >= sc.Steps) {
		return nil, bad("decay_start=%d: want warmup <= decay_start < steps (%d..%d)", sc.DecayStart, sc.Warmup, sc.Steps-1)
	}
	if kind == "wsd" && sc.Decay == DecayExp && sc.Final <= 0 {
		return nil, bad("final=%g: an exp decay needs a positive final learning rate", sc.Final)
	}
	sort.SliceStable(sc.At, func(i, j int) bool { return sc.At[i].At < sc.At[j].At })
	for i, a := range sc.At {
		if a.At < sc.Warmup || a.At >= sc.Steps {
			return nil, bad("at=%d: want a step within warmup..steps-1 (%d..%d)", a.At, sc.Warmup, sc.Steps-1)
		}
		if i > 0 && a.At == sc.At[i-1].At {
			return nil, bad("at=%d given twice", a.At)
		}
	}
	return sc, nil
}

// String returns the spec the schedule was parsed from (or a canonical spec).
func (sc *Schedule) String() string {
	if sc.spec != "" {
		return sc.spec
	}
	return sc.Canonical()
}

// Canonical writes the schedule as a spec with every key it uses.
func (sc *Schedule) Canonical() string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := fmt.Sprintf("%s:warmup=%d,steps=%d,peak=%s", sc.Kind, sc.Warmup, sc.Steps, g(sc.Peak))
	switch sc.Kind {
	case "cosine", "linear":
		s += ",final=" + g(sc.Final)
	case "wsd":
		s += fmt.Sprintf(",final=%s,decay_start=%d,decay=%s", g(sc.Final), sc.DecayStart, sc.Decay)
	case "step":
		var parts []string
		for _, a := range sc.At {
			parts = append(parts, fmt.Sprintf("%d:%s", a.At, g(a.LR)))
		}
		s += ",at=" + strings.Join(parts, ";")
	}
	return s
}

// LR returns the learning rate of step s (0 <= s < Steps).
func (sc *Schedule) LR(s int) float64 {
	W, T := sc.Warmup, float64(sc.Steps)
	P, F := sc.Peak, sc.Final
	if s < W {
		if W == 1 {
			return 0
		}
		return P * float64(s) / float64(W-1)
	}
	switch sc.Kind {
	case "cosine":
		return F + (P-F)*(1+math.Cos(math.Pi*float64(s-W)/(T-float64(W))))/2
	case "linear":
		return P + (F-P)*(float64(s-W)/(T-float64(W)))
	case "wsd":
		if s < sc.DecayStart {
			return P
		}
		x := float64(s-sc.DecayStart) / (T - float64(sc.DecayStart))
		switch sc.Decay {
		case DecayLinear:
			return P + (F-P)*x
		case DecayCosine:
			return F + (P-F)*(1+math.Cos(math.Pi*x))/2
		case DecaySqrt:
			return P - (P-F)*math.Sqrt(x)
		}
		return math.Pow(P, 1-x) * math.Pow(F, x)
	case "step":
		lr := P
		for _, a := range sc.At {
			if s >= a.At {
				lr = a.LR
			}
		}
		return lr
	}
	return P
}

// LRs returns the learning rates of steps 0..Steps-1.
func (sc *Schedule) LRs() []float64 {
	out := make([]float64, sc.Steps)
	for s := range out {
		out[s] = sc.LR(s)
	}
	return out
}
