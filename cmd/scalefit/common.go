package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/scalefit/scalefit/internal/runs"
)

// parseCompute parses a list of budgets in FLOPs, "1e21,1e23,1e25", or a range
// "1e21:1e25:x10" (start:stop:xFACTOR, stop included when reached).
func parseCompute(s string) ([]float64, error) {
	var out []float64
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "x") {
			return nil, fmt.Errorf("%q: want a list such as 1e21,1e23 or a range START:STOP:xFACTOR such as 1e21:1e25:x10", s)
		}
		lo, err1 := runs.ParseQuantity(parts[0])
		hi, err2 := runs.ParseQuantity(parts[1])
		f, err3 := runs.ParseQuantity(parts[2][1:])
		if err1 != nil || err2 != nil || err3 != nil || !(lo > 0) || !(hi >= lo) || !(f > 1) {
			return nil, fmt.Errorf("%q: want START:STOP:xFACTOR with 0 < START <= STOP and FACTOR > 1", s)
		}
		for c := lo; c <= hi*(1+1e-9) && len(out) < 1000; c *= f {
			out = append(out, c)
		}
		return out, nil
	}
	out, err := runs.ParseQuantityList(s)
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		if !(c > 0) || math.IsInf(c, 0) {
			return nil, fmt.Errorf("compute %g: want a positive number of FLOPs", c)
		}
	}
	return out, nil
}

// progressLine returns a concurrency-safe progress callback that redraws one line on w
// (a terminal).
func progressLine(w io.Writer, what string) func(done, total int) {
	var mu sync.Mutex
	last := -1
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		pct := 100 * done / total
		if pct == last && done != total {
			return
		}
		last = pct
		fmt.Fprintf(w, "\r%s %d/%d (%d%%)", what, done, total, pct)
	}
}
