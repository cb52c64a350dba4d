package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/runs"
)

// Flag values that several verbs share, parsed for cmd (their errors are usage errors or
// plain errors that cmd wraps with the flag's name).

// ParseCompute parses budgets in FLOPs: comma-separated values and START:STOP:xFACTOR
// ranges ("1e21,5.76e23" or "1e21:1e25:x10" or both). A range's budgets are START·FACTOR^k,
// and STOP itself ends the range when a step lands within 0.5% of it. A factor within 0.5%
// of a root of ten (x3.16, x2.15, x1.78) means that root, so 1e21:1e25:x3.16 gives 1e21,
// 3.16e21, 1e22, ... 1e25 rather than drifting to 9.94e24. Every budget, and a range's START
// and STOP, must lie in [limits.MinFLOPs, limits.MaxFLOPs]; at most limits.MaxBudgets in all.
func ParseCompute(s string) ([]float64, error) {
	var out []float64
	for _, item := range strings.Split(s, ",") {
		if len(out) > limits.MaxBudgets {
			return nil, fmt.Errorf("more than %d budgets", limits.MaxBudgets)
		}
		parts := strings.Split(strings.TrimSpace(item), ":")
		switch len(parts) {
		case 1:
			v, err := runs.ParseQuantity(parts[0])
			if err != nil {
				return nil, err
			}
			if err := limits.Budget(v); err != nil {
				return nil, err
			}
			out = append(out, v)
		case 3:
			lo, err1 := runs.ParseQuantity(parts[0])
			hi, err2 := runs.ParseQuantity(parts[1])
			step := strings.TrimSpace(parts[2])
			if err1 != nil || err2 != nil || len(step) < 2 || (step[0] != 'x' && step[0] != 'X') {
				return nil, fmt.Errorf("range %q: want START:STOP:xFACTOR such as 1e21:1e25:x10", item)
			}
			f, err := strconv.ParseFloat(step[1:], 64)
			if err != nil || !(lo > 0) || !(hi >= lo) || !(f > 1) || math.IsInf(f, 0) || math.IsInf(hi, 0) {
				return nil, fmt.Errorf("range %q: want 0 < START <= STOP and a factor above 1", item)
			}
			if err := limits.Budget(lo); err != nil {
				return nil, fmt.Errorf("range %q: START %w", item, err)
			}
			if err := limits.Budget(hi); err != nil {
				return nil, fmt.Errorf("range %q: STOP %w", item, err)
			}
			f = snapFactor(f)
			// Logs, not hi/lo: the ratio of two valid budgets is finite, but stay safe.
			steps := (math.Log(hi) - math.Log(lo)) / math.Log(f)
			if !(steps >= 0) || steps+1 > limits.MaxBudgets {
				return nil, fmt.Errorf("range %q: %.0f budgets, more than %d", item, math.Floor(steps)+1, limits.MaxBudgets)
			}
			n := int(math.Floor(steps + 1e-9))
			for k := 0; k <= n; k++ {
				out = append(out, lo*math.Pow(f, float64(k)))
			}
			if last := out[len(out)-1]; last != hi && math.Abs(last/hi-1) < 0.005 {
				out[len(out)-1] = hi
			}
		default:
			return nil, fmt.Errorf("%q: want a number such as 1e21 or a range START:STOP:xFACTOR such as 1e21:1e25:x10", item)
		}
	}
	if len(out) > limits.MaxBudgets {
		return nil, fmt.Errorf("%d budgets, more than %d", len(out), limits.MaxBudgets)
	}
	for _, v := range out {
		if !(v > 0) {
			return nil, fmt.Errorf("compute %s: want a positive number of FLOPs", format.Short(v, 6))
		}
	}
	return out, nil
}

// snapFactor replaces a factor within 0.5% of 10^(1/k), k = 1..10, by that root.
func snapFactor(f float64) float64 {
	for k := 1.0; k <= 10; k++ {
		if r := math.Pow(10, 1/k); math.Abs(f/r-1) < 0.005 {
			return r
		}
	}
	return f
}

// ParseList parses a comma-separated list of quantities for flag name, each within its
// limits: losses (--target-loss) in [limits.MinLoss, limits.MaxLoss], counts (--params,
// --tokens) in [limits.MinCount, limits.MaxCount].
func ParseList(name, s string) ([]float64, error) {
	vs, err := runs.ParseQuantityList(s)
	if err != nil {
		return nil, Usagef("--%s: %v", name, err)
	}
	if len(vs) > limits.MaxBudgets {
		return nil, Usagef("--%s: %d values, more than %d", name, len(vs), limits.MaxBudgets)
	}
	for _, v := range vs {
		check := limits.Count
		if name == "target-loss" {
			check = limits.Loss
		}
		if err := check("--"+name, v); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	return vs, nil
}

// ParseCount parses one count (--max-unique-tokens, --inference-tokens, --unique-tokens)
// within [limits.MinCount, limits.MaxCount]; zero too when zeroOK.
func ParseCount(name, s string, zeroOK bool) (float64, error) {
	v, err := runs.ParseQuantity(s)
	if err != nil {
		return 0, Usagef("--%s: %v", name, err)
	}
	if zeroOK && v == 0 {
		return 0, nil
	}
	if err := limits.Count("--"+name, v); err != nil {
		return 0, &UsageError{Err: err}
	}
	return v, nil
}
