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

// List is the warnings of a JSON document. It encodes as an array of objects
// {code, message, group, source} ([] when empty; group and source only when set), the shape of
// every JSON output since schema version 2, and decodes either that or the array of strings
// that schema version 1 wrote ("code: message", with "group, source: " context prefixes): a
// string that starts with a code gets that Code, any other string is a Msg with no code.
type List []Warning

// MarshalJSON encodes the list as an array of objects.
func (l List) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]Warning(l))
}

var codePrefix = regexp.MustCompile(`^([a-z0-9]+(?:-[a-z0-9]+)*): `)

// UnmarshalJSON decodes an array of objects or of strings (null decodes to an empty list).
func (l *List) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(List, 0, len(raw))
	for _, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			out = append(out, Parse([]string{s})...)
			continue
		}
		var w Warning
		if err := json.Unmarshal(r, &w); err != nil {
			return fmt.Errorf("warning %s: want an object {code, message} or a string", truncate(string(r), 60))
		}
		out = append(out, w)
	}
	*l = out
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Parse reads warnings rendered as strings (schema version 1) back, as UnmarshalJSON does.
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
