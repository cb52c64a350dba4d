package main

import (
	"fmt"
	"io"
	"sync"
)

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
