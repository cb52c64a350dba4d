package runs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/scalefit/scalefit/internal/limits"
)

// JSON inputs: JSON Lines (one object per line, as trainers log) and a JSON array of
// objects. Nested objects are flattened with "/": {"eval": {"c4_en": {"loss": 3.1}}} is the
// column eval/c4_en/loss. Numbers keep their text, strings are cells, true/false are text,
// null is an empty cell, and an array is a cell that is not a number. A key given twice on
// one object, or a flat "eval/loss" beside a nested {"eval": {"loss": ...}}, is a bad row
// (as a CSV with a column twice is refused): JSON itself would keep one silently.
//
// Both are read in one pass (flatJSON over each object) into a jsonStore: the columns in
// first-seen order and each row's cells packed in one byte slice, so a row costs its cells'
// bytes and no allocation; the table then yields the rows from the store.

// jsonStore holds the rows of a JSON input.
type jsonStore struct {
	file  string
	keys  []string       // columns, in first-seen order
	index map[string]int // key -> column
	objs  []string       // paths of nested objects met (for error messages)
	oidx  map[string]int
	buf   []byte   // per row: uvarint line delta, then entries, then 0 (see add)
	bad   []*Error // rows that cannot be read, by entry
	rows  int

	// the row being read
	cur      []byte // its entries
	seen     []int  // per column: the row (1-based) that last set it
	nested   []bool // per column: set through a nested object on this row
	dup      string // a key set twice on this row
	dupMixed bool   // one of its two settings was nested
	depth    int
	pc       pathCache
	lastLine int
}

// Entry tags in jsonStore.buf.
const (
	tagEnd  = 0
	tagBad  = 1 // then uvarint index into bad
	tagCell = 2 // 2 + 2*column, then uvarint length and the bytes
	tagObj  = 3 // 3 + 2*object path index
)

func newJSONStore(file string, sizeHint int64) *jsonStore {
	s := &jsonStore{file: file, index: map[string]int{}, oidx: map[string]int{}}
	// The cells are most of an object's bytes: size the store once.
	s.buf = make([]byte, 0, max(64<<10, min(sizeHint, limits.MaxInputBytes)*3/5))
	return s
}

// parser returns a flatJSON whose values go into the row being read.
func (s *jsonStore) parser() *flatJSON {
	return &flatJSON{
		val: func(path []byte, v string, nested bool) {
			i := s.pc.find(path)
			if i < 0 {
				var ok bool
				if i, ok = s.index[string(path)]; !ok {
					i = len(s.keys)
					k := string(path)
					s.index[k] = i
					s.keys = append(s.keys, k)
					s.seen = append(s.seen, 0)
					s.nested = append(s.nested, false)
				}
				s.pc.put(s.keys[i], i)
			}
			if s.seen[i] == s.rows+1 {
				if s.dup == "" {
					s.dup, s.dupMixed = s.keys[i], s.nested[i] != nested
				}
				return
			}
			s.seen[i], s.nested[i] = s.rows+1, nested
			s.cur = binary.AppendUvarint(s.cur, uint64(tagCell+2*i))
			s.cur = binary.AppendUvarint(s.cur, uint64(len(v)))
			s.cur = append(s.cur, v...)
		},
		obj: func(path []byte) {
			i, ok := s.oidx[string(path)]
			if !ok {
				i = len(s.objs)
				k := string(path)
				s.oidx[k] = i
				s.objs = append(s.objs, k)
			}
			s.cur = binary.AppendUvarint(s.cur, uint64(tagObj+2*i))
		},
	}
}

// begin starts a row at line.
func (s *jsonStore) begin() {
	s.cur = s.cur[:0]
	s.dup = ""
	s.pc.next = 0
}

// end stores the row being read, or a bad row when err != nil or a key came twice.
func (s *jsonStore) end(line int, err *Error) {
	if err == nil && s.dup != "" {
		msg := fmt.Sprintf("key %q twice in one object: JSON would keep one of the two values silently; keep one", clip(s.dup))
		if s.dupMixed {
			k := s.dup
			if i := strings.LastIndexByte(k, '/'); i > 0 {
				msg = fmt.Sprintf("key %q twice in one object: a flat %q and a nested {%q: {%q: ...}} name the same column; keep one", clip(k), clip(k), clip(k[:i]), clip(k[i+1:]))
			}
		}
		err = &Error{File: s.file, Line: line, Msg: msg}
	}
	s.buf = binary.AppendUvarint(s.buf, uint64(line-s.lastLine))
	s.lastLine = line
	if err != nil {
		s.buf = binary.AppendUvarint(s.buf, tagBad)
		s.buf = binary.AppendUvarint(s.buf, uint64(len(s.bad)))
		s.bad = append(s.bad, err)
	} else {
		s.buf = append(s.buf, s.cur...)
	}
	s.buf = append(s.buf, tagEnd)
	s.rows++
}

// table yields the stored rows; each record's cells are views of the store.
func (s *jsonStore) table(format, emptyMsg string) (*table, error) {
	if len(s.keys) == 0 {
		if len(s.bad) > 0 {
			return nil, s.bad[0]
		}
		return nil, &Error{File: s.file, Msg: emptyMsg}
	}
	t := &table{file: s.file, format: format, headers: s.keys, rows: s.rows}
	t.hcols = make([]int, len(s.keys)) // JSON cells have no column: errors name the key
	rec := &record{fields: make([]string, len(s.keys)), cols: t.hcols}
	buf, off, line := s.buf, 0, 0
	t.next = func() (*record, error) {
		if off >= len(buf) {
			return nil, io.EOF
		}
		d, n := binary.Uvarint(buf[off:])
		off += n
		line += int(d)
		clear(rec.fields)
		rec.objs = rec.objs[:0]
		rec.line, rec.bad = line, nil
		for {
			tag, n := binary.Uvarint(buf[off:])
			off += n
			switch {
			case tag == tagEnd:
				if rec.bad != nil {
					return &record{line: line, bad: rec.bad}, nil
				}
				return rec, nil
			case tag == tagBad:
				i, n := binary.Uvarint(buf[off:])
				off += n
				rec.bad = s.bad[i]
			case tag%2 == 0:
				l, n := binary.Uvarint(buf[off:])
				off += n
				rec.fields[(tag-tagCell)/2] = bytesString(buf[off : off+int(l)])
				off += int(l)
			default:
				rec.objs = append(rec.objs, s.objs[(tag-tagObj)/2])
			}
		}
	}
	return t, nil
}

// jsonlTable reads JSON Lines: one object per line. An empty line between objects is a bad
// row (an error, or skipped with --skip-invalid); blank lines at the end are ignored.
func jsonlTable(in *input) (*table, error) {
	head, err := in.head()
	if err != nil {
		return nil, err
	}
	r, err := in.rewind()
	if err != nil {
		return nil, err
	}
	defer in.release()
	s := newJSONStore(in.name, in.size)
	p := s.parser()
	lr := newLineReader(limits.Reader(r), in.size)
	var blanks []int
	for {
		l, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if strings.TrimSpace(l) == "" {
			blanks = append(blanks, lr.line)
			continue
		}
		for _, b := range blanks { // blank lines before an object are bad rows
			s.end(b, &Error{File: in.name, Line: b, Msg: "empty line: want one JSON object per line"})
		}
		blanks = blanks[:0]
		s.begin()
		e := s.parseLine(p, l, lr.line)
		if e != nil && s.rows == 0 && strings.TrimSpace(l) == "{" {
			return nil, wrongJSON(in.name, head)
		}
		s.end(lr.line, e)
	}
	return s.table(FormatJSONL, "no keys in any JSON object: want one object per line such as {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}")
}

// parseLine reads one line of JSON Lines into the row being read.
func (s *jsonStore) parseLine(p *flatJSON, l string, line int) *Error {
	if !utf8.ValidString(l) {
		return &Error{File: s.file, Line: line, Msg: "not UTF-8 text: save the file as UTF-8"}
	}
	if err := p.parse(l); err != nil {
		if se, ok := err.(*jsonSyntaxError); ok {
			return &Error{File: s.file, Line: line, Col: se.col, Msg: err.Error()}
		}
		return &Error{File: s.file, Line: line, Msg: fmt.Sprintf("%q: %v", clip(strings.TrimSpace(l)), err)}
	}
	return nil
}

// jsonArrayTable reads a JSON array of objects, held whole (it may be one line of any
// length, as pandas' to_json(orient="records") writes it), in one linear pass.
func jsonArrayTable(in *input) (*table, error) {
	r, err := in.rewind()
	if err != nil {
		return nil, err
	}
	data, err := readAll(limits.SizeReader(r))
	in.release()
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, &Error{File: in.name, Line: 1 + strings.Count(bytesString(data[:i]), "\n"), Msg: "not UTF-8 text: save the file as UTF-8"}
	}
	text := bytesString(data)
	s := newJSONStore(in.name, int64(len(data)))
	p := s.parser()
	p.s, p.i = text, 0
	// line counts the newlines before p.i, advancing with it (linear in the file).
	line, at := 1, 0
	lineAt := func(i int) int {
		line += strings.Count(text[at:i], "\n")
		at = i
		return line
	}
	fail := func(msg string) error {
		return &Error{File: in.name, Line: lineAt(p.i), Msg: msg}
	}
	p.i = len(text) - len(strings.TrimLeft(text, " \t\r\n\ufeff"))
	if p.i >= len(text) || text[p.i] != '[' {
		return nil, &Error{File: in.name, Line: 1, Msg: "want a JSON array of objects [{...}, ...]"}
	}
	p.i++
	for first := true; ; first = false {
		p.ws()
		if p.i < len(text) && text[p.i] == ']' {
			p.i++
			break
		}
		if !first {
			if p.i >= len(text) || text[p.i] != ',' {
				return nil, fail("malformed JSON: want ',' or ']' between the objects of the array")
			}
			p.i++
			p.ws()
		}
		if p.i >= len(text) {
			return nil, fail("malformed JSON: unexpected end of the file: want ']'")
		}
		if text[p.i] != '{' {
			j := p.i
			for j < len(text) && !strings.ContainsRune(",]\n", rune(text[j])) {
				j++
			}
			return nil, fail(fmt.Sprintf("%s: want a JSON object {...} for each run", clip(strings.TrimSpace(text[p.i:j]))))
		}
		l := lineAt(p.i)
		s.begin()
		p.path, p.depth = p.path[:0], 0
		if err := p.object(); err != nil {
			return nil, fail(err.Error())
		}
		s.end(l, nil)
	}
	p.ws()
	if p.i < len(text) {
		return nil, fail("malformed JSON: more after the array's closing ']'")
	}
	return s.table(FormatJSON, "no keys in any JSON object: want objects such as {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}")
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

// wrongJSON explains a JSON file that is one object spread over lines: not JSON Lines, nor
// an array of runs; a scalefit fit.json is named as such.
func wrongJSON(name string, head []byte) *Error {
	if bytes.Contains(head, []byte(`"schema_version"`)) && bytes.Contains(head, []byte(`"fits"`)) {
		return &Error{File: name, Line: 1, Msg: "this is a scalefit fit.json (written by fit -o), not runs: pass it with --fit"}
	}
	return &Error{File: name, Line: 1, Msg: "a JSON object spread over several lines: want JSON Lines (one object per line) or a JSON array of objects [{...}, ...]"}
}
