package runs

import "strings"

// The header matcher: every table the project reads (runs, loss curves, --meta, tasks,
// architectures) matches column names the same way, through NormalizeHeader.

var underscores = strings.NewReplacer(" ", "_", "-", "_")

// NormalizeHeader returns the form in which column names are compared: trimmed, lower
// case, spaces and hyphens as underscores ("Model Size", "model-size" and "model_size"
// name one column).
func NormalizeHeader(h string) string {
	return underscores.Replace(strings.ToLower(strings.TrimSpace(h)))
}

// SameHeader reports whether a and b name the same column.
func SameHeader(a, b string) bool { return NormalizeHeader(a) == NormalizeHeader(b) }

// HeaderIndex returns the index of the first header that names the column name, or -1.
func HeaderIndex(headers []string, name string) int {
	n := NormalizeHeader(name)
	for i, h := range headers {
		if NormalizeHeader(h) == n {
			return i
		}
	}
	return -1
}
