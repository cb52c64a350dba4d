package runs

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// csvTable reads a delimited text file. A file without any double quote (the usual case,
// and every large log) is split in place, without copying cells; a quoted file goes through
// encoding/csv.
func csvTable(name string, data []byte, comma byte) (*table, error) {
	t := &table{file: name, format: FormatCSV, rows: bytes.Count(data, []byte{'\n'}) + 1}
	if comma == '\t' {
		t.format = FormatTSV
	}
	var err error
	if bytes.IndexByte(data, '"') < 0 {
		err = t.splitPlain(bytesString(data), comma)
	} else {
		err = t.readQuoted(data, comma)
	}
	if err != nil {
		return nil, err
	}
	for i, h := range t.headers {
		if !utf8.ValidString(h) {
			return nil, &Error{File: name, Line: t.hline, Col: i + 1, Msg: "header is not UTF-8 text"}
		}
	}
	if comma != ',' {
		t.decimalComma = sniffDecimalComma(data, comma)
	}
	return t, nil
}

// splitPlain iterates the lines of an unquoted file. Blank lines are skipped; line numbers
// count every line.
func (t *table) splitPlain(s string, comma byte) error {
	line := 0
	nextLine := func() (string, bool) {
		for len(s) > 0 {
			i := strings.IndexByte(s, '\n')
			var l string
			if i < 0 {
				l, s = s, ""
			} else {
				l, s = s[:i], s[i+1:]
			}
			line++
			l = strings.TrimSuffix(l, "\r")
			if strings.TrimSpace(l) == "" && strings.IndexByte(l, comma) < 0 {
				continue
			}
			return l, true
		}
		return "", false
	}
	h, ok := nextLine()
	if !ok {
		return &Error{File: t.file, Msg: "empty file: want a header line (params,tokens,loss or params,flops,loss) and runs"}
	}
	t.hline = line
	t.headers = strings.Split(strings.Clone(h), string(comma))
	n := len(t.headers)
	rec := &record{fields: make([]string, 0, n)}
	t.next = func() (*record, error) {
		l, ok := nextLine()
		if !ok {
			return nil, io.EOF
		}
		rec.line = line
		rec.fields = splitLine(rec.fields[:0], l, comma)
		rec.bad = checkRecord(t, rec, utf8.ValidString(l))
		return rec, nil
	}
	return nil
}

// readQuoted reads a file with quoted fields through encoding/csv.
func (t *table) readQuoted(data []byte, comma byte) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = rune(comma)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	h, err := cr.Read()
	if err != nil {
		return csvError(t.file, err)
	}
	t.headers = append([]string(nil), h...)
	t.hline, _ = cr.FieldPos(0)
	rec := &record{}
	t.next = func() (*record, error) {
		for {
			f, err := cr.Read()
			if err == io.EOF {
				return nil, io.EOF
			}
			if err != nil {
				return nil, csvError(t.file, err)
			}
			if len(f) == 1 && strings.TrimSpace(f[0]) == "" {
				continue
			}
			rec.fields = f
			rec.line, _ = cr.FieldPos(0)
			rec.bad = checkRecord(t, rec, false)
			return rec, nil
		}
	}
	return nil
}

// checkRecord reports a row whose field count differs from the header's, or a cell that is
// not UTF-8 text. utf8Line says the whole line is valid UTF-8 (then so is every cell cut
// from it at ASCII delimiters), which spares a check per cell.
func checkRecord(t *table, r *record, utf8Line bool) *Error {
	if len(r.fields) != len(t.headers) {
		return &Error{File: t.file, Line: r.line, Msg: fmt.Sprintf("%d fields, want %d as in the header", len(r.fields), len(t.headers))}
	}
	if utf8Line {
		return nil
	}
	for i, f := range r.fields {
		if !utf8.ValidString(f) {
			return &Error{File: t.file, Line: r.line, Col: i + 1, Msg: fmt.Sprintf("%s: not UTF-8 text (Latin-1?): save the file as UTF-8", t.headers[i])}
		}
	}
	return nil
}

// sniffDelimiter reads the header line: a tab- or semicolon-separated file (as spreadsheets
// in many locales export) has no comma there but has tabs or semicolons.
func sniffDelimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		return ','
	}
	if bytes.IndexByte(line, '\t') >= 0 {
		return '\t'
	}
	if bytes.IndexByte(line, ';') >= 0 {
		return ';'
	}
	return ','
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: name, Line: pe.Line, Col: pe.Column, Msg: "malformed CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}
