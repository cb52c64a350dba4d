//go:build !gonumopt

package fit

import (
	"fmt"
	"math"
	"slices"
)

func gonumLocal(_ Objective, x0 []float64, opt LocalOptions) LocalResult {
	return LocalResult{X: slices.Clone(x0), F: math.Inf(1), Status: Failure,
		Err: fmt.Errorf("fit: method %v needs the build tag gonumopt", opt.Method)}
}
