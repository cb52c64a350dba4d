package runs

import (
	"bytes"
	"encoding/json"
	"errors"
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

// jsonlTable reads JSON Lines. An empty line between objects is a bad row (an error, or
// skipped with --skip-invalid); blank lines at the end are ignored.
func jsonlTable(name string, data []byte) (*table, error) {
	j := newJSONRows(name)
	lines := bytes.Split(data, []byte{'\n'})
	for len(lines) > 0 && len(bytes.TrimSpace(lines[len(lines)-1])) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		line := i + 1
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			j.recs = append(j.recs, &record{line: line, bad: &Error{File: name, Line: line, Msg: "empty line: want one JSON object per line"}})
			continue
		}
		if !utf8.Valid(l) {
			j.recs = append(j.recs, &record{line: line, bad: &Error{File: name, Line: line, Msg: "not UTF-8 text: save the file as UTF-8"}})
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(l))
		dec.UseNumber()
		tk, err := dec.Token()
		if d, ok := tk.(json.Delim); err != nil || !ok || d != '{' {
			j.recs = append(j.recs, &record{line: line, bad: &Error{File: name, Line: line, Msg: fmt.Sprintf("%q: want a JSON object {...} on each line", clip(string(l)))}})
			continue
		}
		rec := j.add(dec, line)
		if rec.bad == nil {
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				rec = &record{line: line, bad: &Error{File: name, Line: line, Msg: "more than one JSON value on the line: want one object per line"}}
			}
		}
		j.recs = append(j.recs, rec)
	}
	return j.table(FormatJSONL)
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
