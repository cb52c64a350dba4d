package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// JSON inputs: JSON Lines (one object per line, as trainers log) and a JSON array of
// objects. Nested objects are flattened with "/": {"eval": {"c4_en": {"loss": 3.1}}} is the
// column eval/c4_en/loss. Numbers keep their text, strings are cells, true/false are text,
// null is an empty cell, and an array is a cell that is not a number.

// jsonRows collects flattened objects and the union of their keys in first-seen order.
type jsonRows struct {
	file    string
	keys    []string
	index   map[string]int
	recs    []*record
	zeroCol []int
}

func newJSONRows(file string) *jsonRows {
	return &jsonRows{file: file, index: map[string]int{}}
}

// add reads one object from dec (its first token already consumed as '{').
func (j *jsonRows) add(dec *json.Decoder, line int) *record {
	rec := &record{line: line}
	err := j.object(dec, "", rec)
	if err != nil {
		return &record{line: line, bad: &Error{File: j.file, Line: line, Msg: "malformed JSON: " + err.Error()}}
	}
	return rec
}

func (j *jsonRows) set(rec *record, key, val string) {
	i, ok := j.index[key]
	if !ok {
		i = len(j.keys)
		j.index[key] = i
		j.keys = append(j.keys, key)
	}
	for len(rec.fields) <= i {
		rec.fields = append(rec.fields, "")
	}
	rec.fields[i] = val
}

func (j *jsonRows) object(dec *json.Decoder, prefix string, rec *record) error {
	for dec.More() {
		tk, err := dec.Token()
		if err != nil {
			return err
		}
		k, ok := tk.(string)
		if !ok {
			return fmt.Errorf("want a key, got %v", tk)
		}
		if !utf8.ValidString(k) {
			return fmt.Errorf("key is not UTF-8 text")
		}
		key := prefix + k
		v, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case json.Delim:
			if v == '{' {
				rec.objs = append(rec.objs, key)
				if err := j.object(dec, key+"/", rec); err != nil {
					return err
				}
			} else {
				if err := skipArray(dec); err != nil {
					return err
				}
				j.set(rec, key, "(a JSON array)")
			}
		case json.Number:
			j.set(rec, key, string(v))
		case string:
			j.set(rec, key, v)
		case bool:
			j.set(rec, key, fmt.Sprint(v))
		case nil:
			j.set(rec, key, "")
		}
	}
	_, err := dec.Token() // the closing '}'
	return err
}

func skipArray(dec *json.Decoder) error {
	depth := 1
	for depth > 0 {
		tk, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tk.(json.Delim); ok {
			switch d {
			case '[', '{':
				depth++
			case ']', '}':
				depth--
			}
		}
	}
	return nil
}

func (j *jsonRows) table(format string) (*table, error) {
	if len(j.keys) == 0 {
		return nil, &Error{File: j.file, Msg: "no keys in any JSON object: want objects such as {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}"}
	}
	t := &table{file: j.file, format: format, headers: j.keys, rows: len(j.recs)}
	t.hcols = make([]int, len(j.keys)) // JSON cells have no column: errors name the key
	i := 0
	t.next = func() (*record, error) {
		if i == len(j.recs) {
			return nil, io.EOF
		}
		r := j.recs[i]
		i++
		if r.bad == nil {
			r.cols = t.hcols
		}
		return r, nil
	}
	return t, nil
}

// jsonlTable reads JSON Lines held in memory.
func jsonlTable(name string, data []byte) (*table, error) {
	return jsonlStream(name, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

// jsonlStream reads JSON Lines in two passes over open(): the first collects the keys (the
// columns, in first-seen order), the second yields one record per line. An empty line
// between objects is a bad row (an error, or skipped with --skip-invalid); blank lines at
// the end are ignored.
func jsonlStream(name string, open func() (io.ReadCloser, error)) (*table, error) {
	var keys []string
	index := map[string]int{}
	var pc pathCache
	p := &flatJSON{
		val: func(path []byte, _ string) {
			if pc.find(path) >= 0 {
				return
			}
			i, ok := index[string(path)]
			if !ok {
				i = len(keys)
				k := string(path)
				index[k] = i
				keys = append(keys, k)
			}
			pc.put(keys[i], i)
		},
		obj: func([]byte) {},
	}
	rc, err := open()
	if err != nil {
		return nil, err
	}
	lr := newLineReader(rc)
	for {
		l, ok, err := lr.next()
		if err != nil {
			rc.Close()
			return nil, err
		}
		if !ok {
			break
		}
		if utf8.ValidString(l) {
			pc.next = 0
			_ = p.parse(l) // a bad line is reported by the second pass
		}
	}
	rc.Close()
	if len(keys) == 0 {
		return nil, &Error{File: name, Msg: "no keys in any JSON object: want one object per line such as {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}"}
	}
	t := &table{file: name, format: FormatJSONL, headers: keys, rows: lr.line}
	t.hcols = make([]int, len(keys)) // JSON cells have no column: errors name the key
	rec := &record{fields: make([]string, len(keys)), cols: t.hcols}
	objPaths := map[string]string{}
	pc = pathCache{}
	p.val = func(path []byte, v string) {
		i := pc.find(path)
		if i < 0 {
			var ok bool
			if i, ok = index[string(path)]; !ok {
				return
			}
			pc.put(keys[i], i)
		}
		rec.fields[i] = v
	}
	p.obj = func(path []byte) {
		k, ok := objPaths[string(path)]
		if !ok {
			k = string(path)
			objPaths[k] = k
		}
		rec.objs = append(rec.objs, k)
	}
	parseLine := func(l string, line int) *record {
		if !utf8.ValidString(l) {
			return &record{line: line, bad: &Error{File: name, Line: line, Msg: "not UTF-8 text: save the file as UTF-8"}}
		}
		clear(rec.fields)
		pc.next = 0
		rec.objs = rec.objs[:0]
		rec.line = line
		if err := p.parse(l); err != nil {
			col := 0
			if se, ok := err.(*jsonSyntaxError); ok {
				col = se.col
			} else {
				return &record{line: line, bad: &Error{File: name, Line: line, Msg: fmt.Sprintf("%q: %v", clip(strings.TrimSpace(l)), err)}}
			}
			return &record{line: line, bad: &Error{File: name, Line: line, Col: col, Msg: err.Error()}}
		}
		return rec
	}
	var blanks []int
	var held string
	heldLine := 0
	t.next = func() (*record, error) {
		for {
			if heldLine > 0 && len(blanks) > 0 {
				b := blanks[0]
				blanks = blanks[1:]
				return &record{line: b, bad: &Error{File: name, Line: b, Msg: "empty line: want one JSON object per line"}}, nil
			}
			if heldLine > 0 {
				l, n := held, heldLine
				heldLine = 0
				return parseLine(l, n), nil
			}
			if lr == nil {
				return nil, io.EOF
			}
			if rc == nil {
				if rc, err = open(); err != nil {
					return nil, err
				}
				lr = newLineReader(rc)
			}
			l, ok, err := lr.next()
			if err != nil || !ok {
				rc.Close()
				lr = nil
				if err == nil {
					err = io.EOF
				}
				return nil, err
			}
			if strings.TrimSpace(l) == "" {
				blanks = append(blanks, lr.line)
				continue
			}
			if len(blanks) > 0 {
				held, heldLine = l, lr.line
				continue
			}
			return parseLine(l, lr.line), nil
		}
	}
	rc = nil
	return t, nil
}

// jsonArrayTable reads a JSON array of objects.
func jsonArrayTable(name string, data []byte) (*table, error) {
	j := newJSONRows(name)
	lineAt := func(off int64) int {
		for int(off) < len(data) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		return 1 + bytes.Count(data[:off], []byte{'\n'})
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tk, err := dec.Token()
	if d, ok := tk.(json.Delim); err != nil || !ok || d != '[' {
		return nil, &Error{File: name, Line: 1, Msg: "want a JSON array of objects [{...}, ...]"}
	}
	for dec.More() {
		line := lineAt(dec.InputOffset())
		tk, err := dec.Token()
		if err != nil {
			return nil, &Error{File: name, Line: line, Msg: "malformed JSON: " + err.Error()}
		}
		if d, ok := tk.(json.Delim); !ok || d != '{' {
			return nil, &Error{File: name, Line: line, Msg: fmt.Sprintf("%v: want a JSON object {...} for each run", tk)}
		}
		rec := j.add(dec, line)
		if rec.bad != nil {
			return nil, rec.bad
		}
		j.recs = append(j.recs, rec)
	}
	if _, err := dec.Token(); err != nil {
		return nil, &Error{File: name, Line: lineAt(dec.InputOffset()), Msg: "malformed JSON: " + err.Error()}
	}
	return j.table(FormatJSON)
}

// pathCache remembers the column of the k-th value of the previous line: lines of a log
// repeat their keys in the same order, so a comparison with the previous line's key
// usually replaces a map lookup.
type pathCache struct {
	keys []string
	cols []int
	next int // ordinal of the next value on the current line
}

// find returns the column of the next value when its path is the cached one, else -1
// (and put must follow with the column found).
func (c *pathCache) find(path []byte) int {
	if k := c.next; k < len(c.keys) && c.keys[k] == string(path) {
		c.next++
		return c.cols[k]
	}
	return -1
}

func (c *pathCache) put(key string, col int) {
	k := c.next
	c.next++
	if k < len(c.keys) {
		c.keys[k], c.cols[k] = key, col
		return
	}
	if k == len(c.keys) && k < 4096 {
		c.keys = append(c.keys, key)
		c.cols = append(c.cols, col)
	}
}
