package runs

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/scalefit/scalefit/internal/limits"
)

// Large delimited files are read in two passes, never whole into memory: the first counts
// lines (so the runs are allocated once, at their final size) and looks for quoted fields
// that span lines; the second splits the lines in a buffer of scanChunk bytes (a quoted
// field is unquoted in place unless it holds ""). A CSV with a line break inside quotes is
// read whole (through encoding/csv); JSON is read in one pass (jsonl.go).

const (
	scanChunk = 256 << 10 // read size of each pass
	headSize  = 256 << 10 // bytes kept from the start for format detection and the header
)

var bom = []byte("\xef\xbb\xbf")

// scanInfo is what the first pass learns about an input.
type scanInfo struct {
	head      []byte // the first bytes (headSize at most), byte-order mark removed
	lines     int    // newline count
	multiline bool   // a line with an odd number of double quotes: a quoted field spans lines
	blank     bool   // nothing but white space
}

func scanInput(r io.Reader) (scanInfo, error) {
	si := scanInfo{blank: true}
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	buf := make([]byte, bufSize(size))
	si.head = make([]byte, 0, min(len(buf), headSize))
	first, odd := true, false
	var capped limits.Input // the one pass over every byte checks the size caps
	for {
		n, err := r.Read(buf)
		c := buf[:n]
		if cerr := capped.Add(c); cerr != nil {
			return si, cerr
		}
		if first && n > 0 {
			first = false
			c = bytes.TrimPrefix(c, bom)
		}
		if len(si.head) < headSize {
			k := min(len(c), headSize-len(si.head))
			si.head = append(si.head, c[:k]...)
		}
		si.lines += bytes.Count(c, []byte{'\n'})
		if !si.multiline && (odd || bytes.IndexByte(c, '"') >= 0) {
			for _, ch := range c {
				switch ch {
				case '"':
					odd = !odd
				case '\n':
					if odd {
						si.multiline = true
					}
				}
			}
		}
		if si.blank && len(bytes.TrimSpace(c)) > 0 {
			si.blank = false
		}
		if err == io.EOF {
			si.multiline = si.multiline || odd
			return si, nil
		}
		if err != nil {
			return si, err
		}
	}
}

// streamable: a delimited file without line breaks in quotes whose header line is within
// the head.
func (si *scanInfo) streamable() bool {
	if si.multiline || si.blank {
		return false
	}
	return bytes.IndexByte(bytes.TrimLeft(si.head, " \t\r\n"), '\n') >= 0
}

// delimitedTable reads delimited text (format csv, tsv or wandb; auto recognises a W&B wide
// export from its header): in two passes when no quoted field spans lines, else whole.
func delimitedTable(in *input, format string, auto bool) (*table, error) {
	r, err := in.rewind()
	if err != nil {
		return nil, err
	}
	si, err := scanInput(r)
	if err != nil {
		return nil, err
	}
	if si.blank {
		return nil, &Error{File: in.name, Msg: "empty file: want a header line (params,tokens,loss or params,flops,loss) and runs"}
	}
	if si.streamable() {
		return streamTable(in, &si, format, auto)
	}
	if r, err = in.rewind(); err != nil {
		return nil, err
	}
	data := make([]byte, in.size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	in.release()
	return parseDelimited(in.name, data, format, auto)
}

// streamTable builds the table of an unquoted delimited file from its head (header,
// delimiter, decimal commas) and reads its rows from the input when first asked.
func streamTable(in *input, si *scanInfo, format string, auto bool) (*table, error) {
	name := in.name
	comma := byte(sniffDelimiter(si.head))
	if format == FormatTSV {
		comma = '\t'
	}
	// The header comes from the head, parsed as a small file.
	ht, err := csvTable(name, si.head, comma)
	if err != nil {
		return nil, err
	}
	t := &table{file: name, format: ht.format, headers: ht.headers, hline: ht.hline, rows: si.lines + 1, decimalComma: ht.decimalComma}
	n := len(t.headers)
	rec := &record{fields: make([]string, 0, n)}
	var lr *lineReader
	done := false
	readLine := func() (string, bool, error) {
		for {
			l, ok, err := lr.next()
			if !ok || err != nil {
				return "", false, err
			}
			if lr.line <= t.hline || strings.TrimSpace(l) == "" && strings.IndexByte(l, comma) < 0 {
				continue
			}
			return l, true, nil
		}
	}
	t.next = func() (*record, error) {
		if done {
			return nil, io.EOF
		}
		if lr == nil {
			r, err := in.rewind()
			if err != nil {
				return nil, err
			}
			lr = newLineReader(r, in.size)
		}
		valid := false
		for {
			l, ok, err := readLine()
			if err != nil || !ok {
				done = true
				in.release()
				if err == nil {
					err = io.EOF
				}
				return nil, err
			}
			rec.line = lr.line
			if strings.IndexByte(l, '"') < 0 {
				rec.fields = splitLine(rec.fields[:0], l, comma)
			} else if rec.fields, err = splitQuoted(rec.fields[:0], l, comma, name, lr.line); err != nil {
				return nil, err
			}
			// A line of one empty cell ("" or spaces) is blank, as encoding/csv reads it.
			if !(len(rec.fields) == 1 && strings.TrimSpace(rec.fields[0]) == "") {
				valid = utf8.ValidString(l)
				break
			}
		}
		rec.bad = checkRecord(t, rec, valid)
		return rec, nil
	}
	if format == FormatWandB || auto && isWideWandB(t.headers) {
		return wandbTable(t, format == FormatWandB)
	}
	return t, nil
}

// splitQuoted appends the cells of a line with quoted fields to f, as encoding/csv reads
// them: a field that starts with a quote ends at a quote followed by the delimiter or the
// end of the line, "" inside it is one quote. Anything else (a quote inside an unquoted
// field, text after a closing quote) goes through encoding/csv for its error.
func splitQuoted(f []string, l string, comma byte, file string, line int) ([]string, error) {
	rest := l
	for {
		if len(rest) == 0 || rest[0] != '"' {
			i := strings.IndexByte(rest, comma)
			cell := rest
			if i >= 0 {
				cell = rest[:i]
			}
			if strings.IndexByte(cell, '"') >= 0 {
				return csvLine(f, l, comma, file, line)
			}
			f = append(f, cell)
			if i < 0 {
				return f, nil
			}
			rest = rest[i+1:]
			continue
		}
		// A quoted field.
		j, esc := 1, false
		for {
			k := strings.IndexByte(rest[j:], '"')
			if k < 0 {
				return csvLine(f, l, comma, file, line)
			}
			j += k + 1
			if j < len(rest) && rest[j] == '"' {
				esc = true
				j++
				continue
			}
			break
		}
		cell := rest[1 : j-1]
		if esc {
			cell = strings.ReplaceAll(cell, `""`, `"`)
		}
		f = append(f, cell)
		switch {
		case j == len(rest):
			return f, nil
		case rest[j] == comma:
			rest = rest[j+1:]
		default:
			return csvLine(f, l, comma, file, line)
		}
	}
}

// csvLine reads one line through encoding/csv (for its handling of odd quoting).
func csvLine(f []string, l string, comma byte, file string, line int) ([]string, error) {
	cr := csv.NewReader(strings.NewReader(l))
	cr.Comma = rune(comma)
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: line, Col: pe.Column, Msg: "malformed CSV: " + pe.Err.Error()}
		}
		return nil, &Error{File: file, Line: line, Msg: "malformed CSV: " + err.Error()}
	}
	return append(f[:0], rec...), nil
}

// splitLine appends the cells of an unquoted line to f.
func splitLine(f []string, l string, comma byte) []string {
	for {
		i := strings.IndexByte(l, comma)
		if i < 0 {
			return append(f, l)
		}
		f = append(f, l[:i])
		l = l[i+1:]
	}
}

// lineReader reads lines (without "\n" or "\r\n", the first without a byte-order mark) as
// views of its buffer, valid until the next call; line counts every line, 1-based.
type lineReader struct {
	br   *bufio.Reader
	long []byte
	line int
	eof  bool
}

// newLineReader reads the lines of r, of size bytes: the buffer is scanChunk, or less for
// a small file (a directory of many small per-run files should not cost much each).
func newLineReader(r io.Reader, size int64) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, bufSize(size))}
}

func bufSize(size int64) int {
	if size >= 0 && size < scanChunk {
		return max(int(size)+1, 4096)
	}
	return scanChunk
}

func (lr *lineReader) next() (string, bool, error) {
	if lr.eof {
		return "", false, nil
	}
	b, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = lr.br.ReadSlice('\n')
			lr.long = append(lr.long, b...)
		}
		b = lr.long
	}
	if err == io.EOF {
		lr.eof = true
	} else if err != nil {
		return "", false, err
	}
	if len(b) == 0 {
		return "", false, nil
	}
	lr.line++
	if lr.line == 1 {
		b = bytes.TrimPrefix(b, bom)
	}
	l := bytesString(b)
	l = strings.TrimSuffix(l, "\n")
	l = strings.TrimSuffix(l, "\r")
	return l, true, nil
}
