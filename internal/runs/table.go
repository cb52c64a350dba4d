package runs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// Input formats accepted by Options.Format ("" or "auto" detects the format from content).
const (
	FormatAuto  = "auto"
	FormatCSV   = "csv"   // comma-, tab- or semicolon-separated (the delimiter is sniffed)
	FormatTSV   = "tsv"   // tab-separated
	FormatJSONL = "jsonl" // JSON Lines: one object per line
	FormatJSON  = "json"  // a JSON array of objects
	FormatWandB = "wandb" // a Weights & Biases CSV export (wide: "<run> - <metric>" columns)
)

// Formats lists the values of Options.Format.
var Formats = []string{FormatAuto, FormatCSV, FormatTSV, FormatJSONL, FormatJSON, FormatWandB}

// record is one data row of a table.
type record struct {
	fields []string // cells in the table's header order; may be shorter (missing = blank)
	line   int      // 1-based line in the file
	cols   []int    // 1-based column in the file of each field; nil means i+1
	objs   []string // JSON: keys whose value on this line was an object
	bad    *Error   // a problem with the row (too few fields, not UTF-8, ...); fields unused
}

func (r *record) col(i int) int {
	if r.cols != nil && i < len(r.cols) {
		return r.cols[i]
	}
	return i + 1
}

// table is one input file read into a header and a stream of records.
type table struct {
	file         string   // name for messages (file:line:col)
	format       string   // FormatCSV, FormatJSONL, ...
	headers      []string // as written
	hcols        []int    // 1-based column in the file of each header; nil means i+1
	hline        int      // line of the header (0 for JSON)
	stem         string   // file name without directory and extension: the run id of a per-run file
	decimalComma bool     // numbers are written 1,5 (read as 1.5)
	rows         int      // upper bound on the number of records (for allocation)
	dropped      []string // W&B __MIN/__MAX companion columns left out
	next         func() (*record, error)
}

func (t *table) hcol(i int) int {
	if t.hcols != nil && i < len(t.hcols) {
		return t.hcols[i]
	}
	return i + 1
}

// readAll reads r whole, in one allocation when r knows its size (a file, a bytes.Reader).
func readAll(r io.Reader) ([]byte, error) {
	size := -1
	switch v := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			size = int(fi.Size())
		}
	case interface{ Len() int }:
		size = v.Len()
	}
	if size < 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, size+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// bytesString views b as a string without copying; b must not change afterwards.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// parseTable reads one input in the given format (auto: detected from content).
func parseTable(name string, data []byte, format string) (*table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Msg: "empty file: want a header line (params,tokens,loss or params,flops,loss) and runs"}
	}
	if format == "" {
		format = FormatAuto
	}
	if format == FormatAuto {
		if f := detectFormat(data); f != FormatCSV {
			format = f
		}
	}
	switch format {
	case FormatJSONL:
		return jsonlTable(name, data)
	case FormatJSON:
		return jsonArrayTable(name, data)
	case FormatAuto, FormatCSV, FormatTSV:
		comma := sniffDelimiter(data)
		if format == FormatTSV {
			comma = '\t'
		}
		t, err := csvTable(name, data, byte(comma))
		if err != nil || format != FormatAuto {
			return t, err
		}
		if isWideWandB(t.headers) {
			return wandbTable(t, false)
		}
		return t, nil
	case FormatWandB:
		t, err := csvTable(name, data, byte(sniffDelimiter(data)))
		if err != nil {
			return nil, err
		}
		return wandbTable(t, true)
	}
	return nil, fmt.Errorf("--input-format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// detectFormat looks at the first non-blank byte: '{' starts JSON Lines, '[' a JSON array,
// anything else a delimited text file (a W&B wide export is recognised from its header).
func detectFormat(data []byte) string {
	t := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(t) > 0 && t[0] == '{':
		return FormatJSONL
	case len(t) > 0 && t[0] == '[':
		return FormatJSON
	}
	return FormatCSV
}

// dataExts are the file extensions of run files (a directory is read for these).
var dataExts = []string{".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json"}

// fileStem is the base name of path without a data extension ("runs/190M-0.5xC.csv" ->
// "190M-0.5xC"; other dots are part of the name).
func fileStem(path string) string {
	b := filepath.Base(path)
	for _, e := range dataExts {
		if strings.HasSuffix(strings.ToLower(b), e) && len(b) > len(e) {
			return b[:len(b)-len(e)]
		}
	}
	return b
}
