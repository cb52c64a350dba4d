package limits

import (
	"fmt"
	"math"
)

// Caps of the curve laws (internal/curve). Learning rates are in the optimizer's units.
const (
	// MinLearningRate and MaxLearningRate bound every positive learning rate scalefit reads
	// or is given: a schedule's peak, final and at= values, an lr column, curve optimize
	// --peak and --final. Zero is allowed where a schedule starts or ends at zero; below
	// 1e-12 a positive rate is a denormal or a unit mistake (5e-324 is no learning rate),
	// and above 100 no optimizer trains (Adam's rates are near 1e-3, SGD's near 0.1-10):
	// the laws' powers of η overflow long before.
	MinLearningRate = 1e-12
	MaxLearningRate = 100

	// MaxCurveScheduleWork caps the schedule steps a curve command walks, summed over the
	// distinct schedules it evaluates (each is walked once per evaluation pass: the laws'
	// sums S1, S2 and the multi-power loss-drop sums are prefix sums over the schedule, kept
	// only at the logged steps). 1e9 steps take about 10 s.
	MaxCurveScheduleWork = 1_000_000_000

	// MaxMPLScheduleSteps caps the schedule steps the multi-power law prepares at once,
	// summed over distinct schedules: its loss-drop quadrature keeps seven prefix arrays of
	// the schedule's length while it builds its nodes (about 60 bytes per step: 4M steps
	// about 240 MB). The default (Tissue) law keeps no array of the schedule's length.
	MaxMPLScheduleSteps = 4_000_000

	// MaxMPLNodes caps the multi-power law's quadrature nodes (24 bytes each; about 16 per
	// doubling of the distance from a logged point to the start of the schedule, per point):
	// 8M nodes are about 200 MB.
	MaxMPLNodes = 8_000_000

	// MaxLRColumnSteps caps the per-step learning rates built from lr columns, summed over
	// the runs that have one (8 bytes per step: 30M steps are 240 MB). Runs that share a
	// schedule spec share one array and do not count here.
	MaxLRColumnSteps = 30_000_000
)

// LearningRate checks a positive learning rate: finite and in [MinLearningRate,
// MaxLearningRate] (zero allowed when zeroOK). what names the flag or key.
func LearningRate(what string, v float64, zeroOK bool) error {
	if zeroOK && v == 0 {
		return nil
	}
	if math.IsNaN(v) || v < MinLearningRate || v > MaxLearningRate {
		z := ""
		if zeroOK {
			z = "0 or "
		}
		return fmt.Errorf("%s %s: want a learning rate of %s%s to %s", what, Num(v), z, Num(MinLearningRate), Num(MaxLearningRate))
	}
	return nil
}
