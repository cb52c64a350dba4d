package runs

import (
	"fmt"
	"strings"
	"unicode"
)

// Expr is a parsed filter such as `flops>=1e19 and loss<4` or `group==rwkv`: comparisons
// joined by `and`. Names are canonical columns (params, tokens, flops, loss, group, run,
// budget) or any other column of the file by its own header (case-insensitive).
// Numbers accept the count suffixes of ParseQuantity; a value that is not a number
// compares as text (only == and != make sense for text).
type Expr struct {
	src   string
	conds []cond
}

type cond struct {
	name  string // lower-cased column name as written
	op    string // < <= > >= == !=
	text  string // the value as written
	num   float64
	isNum bool
	pos   int // 1-based character position of the comparison in the expression
}

// String returns the expression as written.
func (e *Expr) String() string { return e.src }

// ExprError is a syntax error in a --where or --holdout expression.
type ExprError struct {
	Expr string
	Pos  int // 1-based character position
	Msg  string
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("expression %q: column %d: %s", e.Expr, e.Pos, e.Msg)
}

// ParseExpr parses a filter expression. The empty string gives a nil *Expr, which matches
// every run.
func ParseExpr(s string) (*Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	e := &Expr{src: s}
	i := 0
	n := len(s)
	skip := func() {
		for i < n && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	fail := func(pos int, format string, args ...any) error {
		return &ExprError{Expr: s, Pos: pos + 1, Msg: fmt.Sprintf(format, args...)}
	}
	for {
		skip()
		start := i
		for i < n && (isNameByte(s[i])) {
			i++
		}
		if i == start {
			if i >= n {
				return nil, fail(i, "want a column name after %q", strings.TrimSpace(s[:i]))
			}
			return nil, fail(i, "want a column name, found %q", string(s[i]))
		}
		name := strings.ToLower(s[start:i])
		skip()
		opStart := i
		for i < n && strings.IndexByte("<>=!", s[i]) >= 0 {
			i++
		}
		op := s[opStart:i]
		switch op {
		case "=":
			op = "=="
		case "<", "<=", ">", ">=", "==", "!=":
		case "":
			return nil, fail(opStart, "want a comparison (<, <=, >, >=, ==, !=) after %q", name)
		default:
			return nil, fail(opStart, "unknown comparison %q: want <, <=, >, >=, == or !=", op)
		}
		skip()
		valStart := i
		var val string
		if i < n && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			j := strings.IndexByte(s[i+1:], q)
			if j < 0 {
				return nil, fail(i, "unterminated quoted value")
			}
			val = s[i+1 : i+1+j]
			i += j + 2
		} else {
			for i < n && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			val = s[valStart:i]
		}
		if val == "" {
			return nil, fail(valStart, "want a value after %s%s", name, op)
		}
		c := cond{name: name, op: op, text: val, pos: start + 1}
		if v, err := ParseQuantity(val); err == nil {
			c.num, c.isNum = v, true
		} else if op != "==" && op != "!=" {
			return nil, fail(valStart, "%s%s%s: want a number for %s", name, op, val, op)
		} else if isNumericCanonical(name) {
			// loss!=abc would compare a number with text: true for every run, silently.
			return nil, fail(valStart, "%s%s%s: %s is a number: want a value such as 2.5 or 70B", name, op, val, name)
		}
		e.conds = append(e.conds, c)
		skip()
		if i >= n {
			return e, nil
		}
		w := i
		for i < n && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		if kw := strings.ToLower(s[w:i]); kw != "and" && kw != "&&" {
			return nil, fail(w, "want `and` between comparisons, found %q", s[w:i])
		}
	}
}

// isNumericCanonical: the canonical columns that always hold numbers.
func isNumericCanonical(name string) bool {
	switch name {
	case "params", "tokens", "flops", "loss", "budget", "tokens_per_param":
		return true
	}
	return false
}

func isNameByte(b byte) bool {
	return b == '_' || b == '.' || unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b))
}

// names lists the column names the expression uses.
func (e *Expr) names() []string {
	if e == nil {
		return nil
	}
	out := make([]string, len(e.conds))
	for i, c := range e.conds {
		out[i] = c.name
	}
	return out
}

// Match reports whether a run satisfies every comparison. Columns are looked up with
// Run.Value (canonical names) and Run.Field (other columns).
func (e *Expr) Match(r *Run) bool {
	if e == nil {
		return true
	}
	for _, c := range e.conds {
		if !c.match(r) {
			return false
		}
	}
	return true
}

func (c cond) match(r *Run) bool {
	v, isNum, text := r.lookup(c.name)
	if c.isNum && isNum {
		switch c.op {
		case "<":
			return v < c.num
		case "<=":
			return v <= c.num
		case ">":
			return v > c.num
		case ">=":
			return v >= c.num
		case "==":
			return v == c.num
		case "!=":
			return v != c.num
		}
		return false
	}
	switch c.op {
	case "==":
		return strings.EqualFold(text, c.text)
	case "!=":
		return !strings.EqualFold(text, c.text)
	}
	return false
}
