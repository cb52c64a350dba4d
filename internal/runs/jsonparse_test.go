package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scalefit/scalefit/internal/limits"
)

// flattenStd flattens a decoded JSON object as flatJSON does, for comparison.
func flattenStd(prefix string, m map[string]any, out map[string]string) {
	for k, v := range m {
		key := prefix + k
		switch v := v.(type) {
		case map[string]any:
			flattenStd(key+"/", v, out)
		case []any:
			out[key] = "(a JSON array)"
		case json.Number:
			out[key] = string(v)
		case string:
			out[key] = v
		case bool:
			out[key] = fmt.Sprint(v)
		case nil:
			out[key] = ""
		}
	}
}

func flatten(line string) (map[string]string, error) {
	out := map[string]string{}
	p := &flatJSON{val: func(path []byte, v string, _ bool) { out[string(path)] = v }, obj: func([]byte) {}}
	err := p.parse(line)
	return out, err
}

func dump(m map[string]string) string {
	var ks []string
	for k, v := range m {
		ks = append(ks, fmt.Sprintf("%q=%q", k, v))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// depthOf is how deeply objects nest in s outside strings and arrays (flatJSON skips an
// array whole): close enough for the test's lines, which encoding/json has read.
func depthOf(s string) int {
	var stack []byte
	m, str := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case str && c == '\\':
			i++
		case c == '"':
			str = !str
		case !str && (c == '{' || c == '['):
			stack = append(stack, c)
			d := 0
			for _, x := range stack {
				if x == '[' {
					break
				}
				d++
			}
			m = max(m, d)
		case !str && (c == '}' || c == ']') && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	return m
}

// FuzzFlatJSON: every line encoding/json reads as one object, flatJSON reads to the same
// cells (flatJSON is laxer on number syntax: a bad number is then a cell that is not a
// number, reported by the loader).
func FuzzFlatJSON(f *testing.F) {
	for _, s := range []string{
		`{"run": "a", "params": 1e8, "eval": {"c4": {"loss": 3.1}}, "ok": true, "x": null}`,
		`{"s": "a\"b\\c\u00e9\n", "arr": [1, [2, {"a": "]"}], "}"], "n": -0.5E-3}`,
		`  {}  `, `{"a":{}}`, `{"a": 1} {"b": 2}`, `{"a": [}`, `{"a": "x`, `[1]`, `{"a":1,}`, `{"a" 1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := flatten(line)
		if !utf8.ValidString(line) || strings.Contains(line, "/") || strings.ContainsAny(line, "\n") {
			return
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) != nil || m == nil || dec.More() {
			return
		}
		if strings.TrimSpace(line[dec.InputOffset():]) != "" {
			return // something after the object
		}
		if !bytes.HasPrefix(bytes.TrimLeft([]byte(line), " \t\r"), []byte("{")) {
			return
		}
		if depthOf(line) > limits.MaxJSONDepth {
			if err == nil {
				t.Fatalf("%q: nested deeper than %d, accepted", line, limits.MaxJSONDepth)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: encoding/json reads an object, flatJSON: %v", line, err)
		}
		want := map[string]string{}
		flattenStd("", m, want)
		// A key both a value and an object ({"a": 1, "a": {"b": 2}}) keeps stale cells in
		// flatJSON, as the loader does (its own column); compare only the std keys.
		for k := range got {
			if _, ok := want[k]; !ok {
				delete(got, k)
			}
		}
		if dump(got) != dump(want) {
			t.Fatalf("%q:\nflatJSON %s\nencoding/json %s", line, dump(got), dump(want))
		}
	})
}

// FuzzStreamedVsWhole: the two-pass reader (a seekable input) and the whole-file reader (a
// pipe) agree on every input: the same error, or the same runs and cells.
func FuzzStreamedVsWhole(f *testing.F) {
	for _, s := range []string{
		"params,tokens,loss,note\n1e8,2e9,3.1,\"a,\"\"b\"\"\"\n2e8,4e9,2.9,x\n",
		"\"params\",\"tokens\",\"loss\"\n\"1e8\",2e9,\"3.1\"\n",
		"params,tokens,loss,note\n1e8,2e9,3.1,a\"b\n",
		"params,tokens,loss,note\n1e8,2e9,3.1,\"a\"b\n",
		"params;tokens;loss\n1,5E+08;2E+09;3,1\n",
		"{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}\n\n{\"params\": 2e8}\n",
		"tokens,a - loss,a - params\n1e9,3.1,1e8\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, opts := range []Options{{}, {SkipInvalid: true}} {
			s1, err1 := Load(strings.NewReader(text), "r.csv", opts)
			s2, err2 := Load(struct{ io.Reader }{strings.NewReader(text)}, "r.csv", opts)
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("%q: streamed error %v, whole %v", text, err1, err2)
			}
			if err1 != nil {
				continue
			}
			if len(s1.Runs) != len(s2.Runs) || fmt.Sprint(s1.Headers, s1.Notes, s1.Warnings) != fmt.Sprint(s2.Headers, s2.Notes, s2.Warnings) {
				t.Fatalf("%q: streamed %d runs %v, whole %d %v", text, len(s1.Runs), s1.Headers, len(s2.Runs), s2.Headers)
			}
			for i := range s1.Runs {
				for _, h := range s1.Headers {
					a, _ := s1.Runs[i].Field(h)
					b, _ := s2.Runs[i].Field(h)
					if a != b || s1.Runs[i].Line != s2.Runs[i].Line {
						t.Fatalf("%q: run %d %s: streamed %q line %d, whole %q line %d", text, i, h, a, s1.Runs[i].Line, b, s2.Runs[i].Line)
					}
				}
			}
		}
	})
}
