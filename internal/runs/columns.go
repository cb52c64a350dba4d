package runs

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
)

// maxListedHeaders is how many headers a column-name error lists before "and N more".
const maxListedHeaders = limits.MaxNamesListed

// listHeaders joins headers for an error message: up to 50, then "and N more".
func listHeaders(hs []string) string {
	var b strings.Builder
	for i, h := range hs {
		if i == maxListedHeaders {
			fmt.Fprintf(&b, " and %d more", len(hs)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(clip(h))
	}
	return b.String()
}

// closest returns the candidate nearest to name (edit distance on normalized names, or a
// candidate that contains name or is contained in it), "" when none is plausibly meant.
func closest(name string, cands []string) string {
	n := NormalizeHeader(name)
	best, bestD := "", -1
	for _, c := range cands {
		cn := NormalizeHeader(c)
		if cn == n {
			continue
		}
		d := editDistance(n, cn)
		if strings.Contains(cn, n) || strings.Contains(n, cn) {
			d = min(d, max(len(cn)-len(n), len(n)-len(cn))/2+1)
		}
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, len(n)/3) {
		return ""
	}
	return best
}

// didYouMean is " (did you mean X?)" for the closest candidate, or "".
func didYouMean(name string, cands []string) string {
	if c := closest(name, cands); c != "" {
		return fmt.Sprintf(" (did you mean %s?)", c)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
