// Package limits holds every cap scalefit puts on a size or value the user controls, in one
// place, with the checks that enforce them. A value outside a cap is an error (exit code 2)
// that names the flag or field, the value and the cap; README's "Limits" section lists them.
//
// Units: FLOPs are training compute (C = 6ND), params and tokens are counts, losses are nats
// per token, sizes of input are bytes.
package limits

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

const (
	// MinFLOPs and MaxFLOPs bound a compute budget (--compute, a range's START and STOP):
	// below one FLOP nothing is trained; above 1e40 (10^15 times the largest run of 2025)
	// powers of the budget overflow intermediate results.
	MinFLOPs = 1.0
	MaxFLOPs = 1e40
	// MaxBudgets caps how many budgets a --compute list or range expands to.
	MaxBudgets = 1000

	// MinCount and MaxCount bound parameter and token counts (--params, --tokens,
	// --max-unique-tokens, --inference-tokens, and the params and tokens columns of an
	// input): a model or a dataset of less than one is no model; 1e30 keeps 6ND within
	// float64 with room to spare.
	MinCount = 1.0
	MaxCount = 1e30

	// MinLoss and MaxLoss bound a loss in nats per token (--target-loss and the loss
	// column): 1e-6 nats is far below any language model's entropy and 1e6 far above a
	// uniform guess over any vocabulary; values outside are unit mistakes (5e-324 is a
	// denormal, not a loss).
	MinLoss = 1e-6
	MaxLoss = 1e6

	// MinGPUFLOPs and MaxGPUFLOPs bound --gpu-flops, the peak FLOP/s of one GPU.
	MinGPUFLOPs = 1.0
	MaxGPUFLOPs = 1e21

	// MaxBootstrap caps bootstrap resamples in total over all groups of one command (fit,
	// report, compare): 100,000 resamples keep fit.json near 50 MB.
	MaxBootstrap = 100000
	// MaxPlannerDraws caps the bootstrap draws a planner (optimal, predict, check) uses for
	// its intervals: a fit.json with more is thinned to this many evenly spaced draws,
	// which moves a 95% percentile by well under its own sampling error.
	MaxPlannerDraws = 2000

	// MaxInputBytes caps one input file (runs CSV, fit.json), or one stream (stdin, a pipe),
	// which is copied to a temporary file as it is read rather than held in memory;
	// MaxLineBytes one line of it (a JSON array may be one line of any length).
	MaxInputBytes = 1 << 30
	MaxLineBytes  = 1 << 20

	// MaxJSONDepth caps how deeply JSON objects nest in a runs input: their keys become
	// columns "a/b/c", and a log nests two or three levels; a depth of 30,000 took 955 MB.
	MaxJSONDepth = 64

	// MaxStep caps a step of a loss curve (the step column): a billion optimizer steps is a
	// hundred times the longest published pre-training run.
	MaxStep = 1_000_000_000

	// MaxLayers, MaxWidth, MaxVocab and MaxContext bound an architecture's n_layer, d_model
	// and d_ff, vocabulary and context (scalefit flops, fit --convention): 65,536 layers of
	// width 2^20 and d_ff 2^22 keep every parameter and FLOP count within int64, far beyond
	// any model trained (GPT-4-class models have about 100 layers of width 2^14).
	MaxLayers  = 1 << 16
	MaxWidth   = 1 << 22
	MaxVocab   = 1 << 24
	MaxContext = 1 << 24

	// MaxNamesListed caps how many names (headers, columns, laws) an error message lists;
	// the rest are counted ("and 999950 more").
	MaxNamesListed = 50

	// MaxScheduleSteps caps a learning-rate schedule's length (the steps key of a schedule
	// spec, curve optimize --steps, a curve's last logged step): ten million steps is eight
	// times the longest published pre-training run, and a curve law keeps several arrays of
	// that length (about 0.5 GB at the cap).
	MaxScheduleSteps = 10_000_000
)

// Budget checks one compute budget in FLOPs: finite and in [MinFLOPs, MaxFLOPs].
func Budget(c float64) error {
	if math.IsNaN(c) || c < MinFLOPs || c > MaxFLOPs {
		return fmt.Errorf("%s FLOPs: want a positive number of FLOPs from %s to %s", Num(c), Num(MinFLOPs), Num(MaxFLOPs))
	}
	return nil
}

// Count checks a parameter or token count: finite and in [MinCount, MaxCount].
func Count(what string, v float64) error {
	if math.IsNaN(v) || v < MinCount || v > MaxCount {
		unit := ""
		switch {
		case strings.Contains(what, "tokens"):
			unit = " of tokens"
		case strings.Contains(what, "params"):
			unit = " of parameters"
		}
		return fmt.Errorf("%s %s: want a positive number%s from %s to %s", what, Num(v), unit, Num(MinCount), Num(MaxCount))
	}
	return nil
}

// Loss checks a loss in nats per token: finite and in [MinLoss, MaxLoss].
func Loss(what string, v float64) error {
	if math.IsNaN(v) || v < MinLoss || v > MaxLoss {
		return fmt.Errorf("%s %s: want a loss in nats per token from %s to %s", what, Num(v), Num(MinLoss), Num(MaxLoss))
	}
	return nil
}

// MinValue bounds the params, tokens, flops and budget columns of an input from below (a
// count in a unit such as billions is warned about, but 1e-30 is a unit mistake or a
// denormal); MaxCount and MaxFLOPs from above.
const MinValue = 1e-30

// Column checks a value of an input column: losses by Loss, "flops" and "budget" in
// [MinValue, MaxFLOPs], other counts in [MinValue, MaxCount]. The error says what was wanted
// (the caller names the file, line and column).
func Column(what string, v float64) error {
	hi := MaxCount
	switch what {
	case "loss":
		if math.IsNaN(v) || v < MinLoss || v > MaxLoss {
			return fmt.Errorf("%s: want a loss in nats per token from %s to %s", Num(v), Num(MinLoss), Num(MaxLoss))
		}
		return nil
	case "flops", "budget":
		hi = MaxFLOPs
	}
	if math.IsNaN(v) || v < MinValue || v > hi {
		return fmt.Errorf("%s: want a number from %s to %s", Num(v), Num(MinValue), Num(hi))
	}
	return nil
}

// Derived checks a value computed from an input's columns (flops = 6 x params x tokens,
// tokens = flops / (6 params), params = flops / (6 tokens)) against the cap of its column;
// how says how it was computed, for the message.
func Derived(what, how string, v float64) error {
	if Column(what, v) == nil {
		return nil
	}
	hi := MaxCount
	if what == "flops" || what == "budget" {
		hi = MaxFLOPs
	}
	return fmt.Errorf("derived %s %s (%s): want a number from %s to %s", what, Num(round4(v)), how, Num(MinValue), Num(hi))
}

// Resamples checks a bootstrap request: k resamples in each of groups groups.
func Resamples(k, groups int) error {
	if groups < 1 {
		groups = 1
	}
	if k < 0 || k > MaxBootstrap || k*groups > MaxBootstrap {
		if groups == 1 || k < 0 || k > MaxBootstrap {
			return fmt.Errorf("--bootstrap %d: want 0 to %d resamples (Epoch used 4000)", k, MaxBootstrap)
		}
		return fmt.Errorf("--bootstrap %d in each of %d groups is %d resamples: want at most %d in total (at most %d per group)",
			k, groups, k*groups, MaxBootstrap, MaxBootstrap/groups)
	}
	return nil
}

// Thin returns at most max of n items' indices, evenly spaced and in order (all of them
// when n <= max).
func Thin(n, max int) []int {
	if n <= max {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, max)
	for i := range idx {
		idx[i] = int(int64(i) * int64(n) / int64(max))
	}
	return idx
}

// Names joins names for an error message, listing at most MaxNamesListed and counting the
// rest: "a, b, c" or "a, b, ... and 950 more".
func Names(names []string) string {
	if len(names) <= MaxNamesListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:MaxNamesListed], ", ") + fmt.Sprintf(", and %d more", len(names)-MaxNamesListed)
}

// Num formats a number for an error message (shortest round-trip form, NaN and ±Inf as
// such).
func Num(v float64) string {
	return strings.NewReplacer("e+0", "e", "e+", "e", "e-0", "e-").Replace(strconv.FormatFloat(v, 'g', -1, 64))
}

// round4 rounds v to 4 significant digits, for a message (6e58, not 5.999999999999999e58).
func round4(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	if err != nil {
		return v
	}
	return r
}
