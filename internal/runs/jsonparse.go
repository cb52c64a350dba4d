package runs

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
)

// flatJSON parses one JSON object (a line of JSON Lines) into flattened cells without
// allocating for plain keys, numbers and strings: each value is reported with its path
// ("eval/c4_en/loss") as a view of the line. Numbers keep their text; true/false are text;
// null is an empty cell; an array is the cell "(a JSON array)"; a nested object is reported
// through obj and flattened.
//
// Objects nest at most limits.MaxJSONDepth deep; the path is one buffer, cut back as each
// object ends, so memory stays linear in the line.
type flatJSON struct {
	s     string
	i     int
	path  []byte
	depth int // objects open at p.i (the line's own is 1)
	// val receives each value; nested says it is inside an object within the line's.
	val func(path []byte, v string, nested bool)
	obj func(path []byte)
}

// parse reads the whole line: one object and nothing after it but white space.
func (p *flatJSON) parse(line string) error {
	p.s, p.i, p.path, p.depth = line, 0, p.path[:0], 0
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return fmt.Errorf("want a JSON object {...} on each line")
	}
	if err := p.object(); err != nil {
		return err
	}
	p.ws()
	if p.i < len(p.s) {
		return p.errf("more than one JSON value on the line: want one object per line")
	}
	return nil
}

func (p *flatJSON) errf(format string, args ...any) error {
	return &jsonSyntaxError{col: p.i + 1, msg: fmt.Sprintf(format, args...)}
}

type jsonSyntaxError struct {
	col int
	msg string
}

func (e *jsonSyntaxError) Error() string { return e.msg }

func (p *flatJSON) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *flatJSON) object() error {
	if p.depth >= limits.MaxJSONDepth {
		return p.errf("JSON objects nested more than %d deep: want flat objects, or a few levels (their keys become columns a/b/c)", limits.MaxJSONDepth)
	}
	p.depth++
	err := p.members()
	p.depth--
	return err
}

// members reads an object's members, from its '{' to its '}'.
func (p *flatJSON) members() error {
	p.i++ // '{'
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return p.errf("malformed JSON: want a quoted key")
		}
		k, err := p.str()
		if err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return p.errf("malformed JSON: want ':' after the key %q", clip(k))
		}
		p.i++
		p.ws()
		n := len(p.path)
		if n > 0 {
			p.path = append(p.path, '/')
		}
		p.path = append(p.path, k...)
		if err := p.value(); err != nil {
			return err
		}
		p.path = p.path[:n]
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return nil
		}
		return p.errf("malformed JSON: want ',' or '}'")
	}
}

func (p *flatJSON) value() error {
	if p.i >= len(p.s) {
		return p.errf("malformed JSON: unexpected end of line")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.obj(p.path)
		return p.object()
	case c == '[':
		if err := p.skipArray(); err != nil {
			return err
		}
		p.val(p.path, "(a JSON array)", p.depth > 1)
	case c == '"':
		v, err := p.str()
		if err != nil {
			return err
		}
		p.val(p.path, v, p.depth > 1)
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		p.val(p.path, "true", p.depth > 1)
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		p.val(p.path, "false", p.depth > 1)
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		p.val(p.path, "", p.depth > 1)
	case c == '-' || c >= '0' && c <= '9':
		j := p.i
		for p.i < len(p.s) && isNumByte(p.s[p.i]) {
			p.i++
		}
		p.val(p.path, p.s[j:p.i], p.depth > 1)
	default:
		return p.errf("malformed JSON: unexpected %q", clip(p.s[p.i:min(len(p.s), p.i+8)]))
	}
	return nil
}

// isNumByte reports a byte that may appear in a JSON number.
func isNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// str reads a quoted string; one with escapes goes through encoding/json.
func (p *flatJSON) str() (string, error) {
	j := p.i
	p.i++
	// The usual string is short and has no escape: its end is the next quote.
	for k := p.i; k < len(p.s); k++ {
		if c := p.s[k]; c == '"' {
			p.i = k + 1
			return p.s[j+1 : k], nil
		} else if c == '\\' {
			break
		}
	}
	esc := false
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			esc = true
			p.i += 2
			continue
		case '"':
			p.i++
			if !esc {
				return p.s[j+1 : p.i-1], nil
			}
			var v string
			if err := json.Unmarshal([]byte(p.s[j:p.i]), &v); err != nil {
				p.i = j
				return "", p.errf("malformed JSON string: %v", err)
			}
			return v, nil
		}
		p.i++
	}
	p.i = j
	return "", p.errf("malformed JSON: unterminated string")
}

func (p *flatJSON) skipArray() error {
	depth := 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '"':
			if _, err := p.str(); err != nil {
				return err
			}
			continue
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				p.i++
				return nil
			}
		}
		p.i++
	}
	return p.errf("malformed JSON: unterminated array")
}
