// Package warn holds scalefit's typed warnings: non-fatal findings that every output format
// carries as data (JSON and CSV fields, table lines, stderr). A warning is created once, where
// its condition is found, with a stable Code that the README lists and scripts may match on.
package warn

import "fmt"

// Warning is one non-fatal finding. Code is stable (lower-case, hyphenated, e.g. "edge-optimum");
// Msg is the human sentence, without the code. Group names the run group the warning concerns,
// empty for ungrouped analyses.
type Warning struct {
	Code  string `json:"code"`
	Msg   string `json:"message"`
	Group string `json:"group,omitempty"`
}

// New returns a Warning with a formatted message.
func New(code, format string, args ...any) Warning {
	return Warning{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// String renders the warning as "code: message", the form tables and stderr print.
func (w Warning) String() string {
	if w.Code == "" {
		return w.Msg
	}
	return w.Code + ": " + w.Msg
}

// Strings renders each warning with String.
func Strings(ws []Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.String()
	}
	return out
}
