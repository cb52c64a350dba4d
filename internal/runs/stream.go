package runs

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strings"
)

// Large logs are read in two passes over the file, never whole into memory: the first counts
// lines (so the runs are allocated once, at their final size) and looks for quotes; the
// second splits the lines of an unquoted CSV in a 1 MB buffer. Quoted CSV, JSON and stdin
// from a pipe are read whole.

const (
	scanChunk = 1 << 20   // read size of the first pass
	headSize  = 256 << 10 // bytes kept from the start for format detection and the header
)

var bom = []byte("\xef\xbb\xbf")

// scanInfo is what the first pass learns about an input.
type scanInfo struct {
	head  []byte // the first bytes (headSize at most), byte-order mark removed
	lines int    // newline count
	quote bool   // a double quote somewhere
	blank bool   // nothing but white space
}

func scanInput(r io.Reader) (scanInfo, error) {
	si := scanInfo{blank: true}
	buf := make([]byte, scanChunk)
	first := true
	for {
		n, err := r.Read(buf)
		c := buf[:n]
		if first && n > 0 {
			first = false
			c = bytes.TrimPrefix(c, bom)
		}
		if len(si.head) < headSize {
			k := min(len(c), headSize-len(si.head))
			si.head = append(si.head, c[:k]...)
		}
		si.lines += bytes.Count(c, []byte{'\n'})
		if !si.quote && bytes.IndexByte(c, '"') >= 0 {
			si.quote = true
		}
		if si.blank && len(bytes.TrimSpace(c)) > 0 {
			si.blank = false
		}
		if err == io.EOF {
			return si, nil
		}
		if err != nil {
			return si, err
		}
	}
}

// streamable: an unquoted delimited file whose header line is within the head.
func (si *scanInfo) streamable(format string) bool {
	if si.quote || si.blank {
		return false
	}
	switch format {
	case "", FormatAuto:
		if detectFormat(si.head) != FormatCSV {
			return false
		}
	case FormatCSV, FormatTSV, FormatWandB:
	default:
		return false
	}
	return bytes.IndexByte(bytes.TrimLeft(si.head, " \t\r\n"), '\n') >= 0
}

// jsonLines: JSON Lines, forced or detected.
func (si *scanInfo) jsonLines(format string) bool {
	if si.blank {
		return false
	}
	return format == FormatJSONL || (format == "" || format == FormatAuto) && detectFormat(si.head) == FormatJSONL
}

// tableFromFile reads the table of a named file.
func tableFromFile(path, name, format string) (*table, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	si, err := scanInput(fh)
	fh.Close()
	if err != nil {
		return nil, err
	}
	reopen := func() (io.ReadCloser, error) { return os.Open(path) }
	if si.streamable(format) {
		return streamTable(name, &si, format, reopen)
	}
	if si.jsonLines(format) {
		return jsonlStream(name, reopen)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseTable(name, data, format)
}

// tableFromReader reads the table of r: in two passes when r can seek, else whole.
func tableFromReader(r io.Reader, name, format string) (*table, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			si, err := scanInput(rs)
			if err != nil {
				return nil, err
			}
			if _, err := rs.Seek(pos, io.SeekStart); err != nil {
				return nil, err
			}
			reopen := func() (io.ReadCloser, error) {
				_, err := rs.Seek(pos, io.SeekStart)
				return io.NopCloser(rs), err
			}
			if si.streamable(format) {
				return streamTable(name, &si, format, reopen)
			}
			if si.jsonLines(format) {
				return jsonlStream(name, reopen)
			}
		}
	}
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseTable(name, data, format)
}

// streamTable builds the table of an unquoted delimited file from its head (header,
// delimiter, decimal commas) and reads its rows from open() when first asked.
func streamTable(name string, si *scanInfo, format string, open func() (io.ReadCloser, error)) (*table, error) {
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
	var rc io.ReadCloser
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
		if rc == nil {
			if rc, err = open(); err != nil {
				return nil, err
			}
			lr = newLineReader(rc)
		}
		l, ok, err := readLine()
		if err != nil || !ok {
			done = true
			rc.Close()
			if err == nil {
				err = io.EOF
			}
			return nil, err
		}
		rec.line = lr.line
		rec.fields = splitLine(rec.fields[:0], l, comma)
		rec.bad = checkRecord(t, rec)
		return rec, nil
	}
	if format == FormatWandB || (format == "" || format == FormatAuto) && isWideWandB(t.headers) {
		return wandbTable(t, format == FormatWandB)
	}
	return t, nil
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

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, scanChunk)}
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
