// Package warn holds scalefit's typed warnings: non-fatal findings that every output format
// carries as data (JSON and CSV fields, table lines, stderr). A warning is created once, where
// its condition is found, with a stable Code that the README lists and scripts may match on.
package warn

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// Warning is one non-fatal finding. Code is stable (lower-case, hyphenated, e.g. "edge-optimum");
// Msg is the human sentence, without the code. Group names the run group the warning concerns,
// empty for ungrouped analyses. Source names the analysis that found it when a document
// gathers warnings from several (e.g. "approach 3", "kaplan L(N,D)"), empty otherwise.
type Warning struct {
	Code   string `json:"code"`
	Msg    string `json:"message"`
	Group  string `json:"group,omitempty"`
	Source string `json:"source,omitempty"`
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

// Qualified renders the warning with its context, "group, source: code: message" (empty
// parts left out): the form a document that gathers several analyses' warnings prints.
func (w Warning) Qualified() string {
	ctx := w.Group
	if w.Source != "" {
		if ctx != "" {
			ctx += ", "
		}
		ctx += w.Source
	}
	if ctx == "" {
		return w.String()
	}
	return ctx + ": " + w.String()
}

// Strings renders each warning with Qualified.
func Strings(ws []Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Qualified()
	}
	return out
}

// In returns ws with Group and Source set on every warning (a copy; ws is not modified).
func In(group, source string, ws []Warning) []Warning {
	out := make([]Warning, len(ws))
	for i, w := range ws {
		w.Group, w.Source = group, source
		out[i] = w
	}
	return out
}

// Same reports whether a and b are the same finding (Code and Msg), whatever their context.
func Same(a, b Warning) bool { return a.Code == b.Code && a.Msg == b.Msg }

// List is the warnings of a JSON document. It encodes as the array of strings scalefit's
// JSON contract has always held (each warning's Qualified form, [] when empty) and decodes
// such an array back: a string that starts with a code ("edge-optimum: ...") gets that Code,
// any other string is a Msg with no code (context prefixes stay in Msg, so the string
// re-encodes unchanged).
type List []Warning

// MarshalJSON encodes the list as an array of strings.
func (l List) MarshalJSON() ([]byte, error) {
	s := Strings(l)
	if s == nil {
		s = []string{}
	}
	return json.Marshal(s)
}

var codePrefix = regexp.MustCompile(`^([a-z0-9]+(?:-[a-z0-9]+)*): `)

// UnmarshalJSON decodes an array of strings (null decodes to an empty list).
func (l *List) UnmarshalJSON(b []byte) error {
	var s []string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = Parse(s)
	return nil
}

// Parse reads rendered warnings back, as List's UnmarshalJSON does.
func Parse(s []string) List {
	out := make(List, 0, len(s))
	for _, x := range s {
		if m := codePrefix.FindStringSubmatch(x); m != nil {
			out = append(out, Warning{Code: m[1], Msg: x[len(m[0]):]})
		} else {
			out = append(out, Warning{Msg: x})
		}
	}
	return out
}

// Codes shared by every law family's fit (each family's own codes live in its package).
const (
	CodeNotConverged      = "not-converged"      // the best start stopped on a limit, not the gradient threshold
	CodeBootstrapFailures = "bootstrap-failures" // some bootstrap resamples could not be fitted
	CodeExtremeParameter  = "extreme-parameter"  // a fitted constant ran to an implausible extreme
)
