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
	FormatAuto    = "auto"
	FormatCSV     = "csv"     // comma-, tab- or semicolon-separated (the delimiter is sniffed)
	FormatTSV     = "tsv"     // tab-separated
	FormatJSONL   = "jsonl"   // JSON Lines: one object per line
	FormatJSON    = "json"    // a JSON array of objects
	FormatWandB   = "wandb"   // a Weights & Biases CSV export (wide: "<run> - <metric>" columns)
	FormatParquet = "parquet" // Apache Parquet, flat columns (the layouts and names of a CSV)
)

// Formats lists the values of Options.Format.
var Formats = []string{FormatAuto, FormatCSV, FormatTSV, FormatJSONL, FormatJSON, FormatWandB, FormatParquet}

// The format registry: every table the project reads (runs, loss curves, --meta, tasks,
// architectures) is opened here, so each format is detected and read in one place.

// Detect names an input's format from its first bytes: Parquet (it starts with "PAR1"),
// JSON Lines (its first non-blank byte is '{'), a JSON array ('['), else delimited text
// (a W&B wide export is recognised later, from its header).
func Detect(head []byte) string {
	head = bytes.TrimPrefix(head, bom)
	if bytes.HasPrefix(head, parquetMagic) {
		return FormatParquet
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(t) > 0 && t[0] == '{':
		return FormatJSONL
	case len(t) > 0 && t[0] == '[':
		return FormatJSON
	}
	return FormatCSV
}

func checkFormat(format string) error {
	for _, f := range Formats {
		if format == f {
			return nil
		}
	}
	if format == "" {
		return nil
	}
	return fmt.Errorf("--input-format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// openTable reads the table of an opened input in the given format ("" or auto: detected).
// The input is released when the table's rows have been read, or on error.
func openTable(in *input, format string) (*table, error) {
	t, err := readTable(in, format)
	if err != nil {
		in.release()
		return nil, err
	}
	t.in = in
	return t, nil
}

func readTable(in *input, format string) (*table, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	head, err := in.head()
	if err != nil {
		return nil, err
	}
	auto := format == "" || format == FormatAuto
	if auto {
		format = Detect(head)
	}
	if format != FormatParquet {
		if enc := utf16Of(head); enc != "" {
			return nil, &Error{File: in.name, Msg: fmt.Sprintf("the file is %s text: want UTF-8 (save it as UTF-8, or convert it: iconv -f %s -t UTF-8)", enc, strings.ToUpper(enc))}
		}
	}
	switch format {
	case FormatParquet:
		t, err := parquetTable(in)
		if err == nil && isWideWandB(t.headers) {
			return wandbTable(t, false) // a W&B wide export, as Parquet
		}
		return t, err
	case FormatJSONL:
		return jsonlTable(in)
	case FormatJSON:
		return jsonArrayTable(in)
	}
	return delimitedTable(in, format, auto)
}

// utf16Of names UTF-16 text ("utf-16le" or "utf-16be") from its byte-order mark or from
// the zero bytes between ASCII letters, "" for anything else.
func utf16Of(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return "utf-16le"
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "utf-16be"
	}
	n := min(len(head), 64) &^ 1
	if n < 4 {
		return ""
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if head[i] == 0 && head[i+1] != 0 {
			even++
		}
		if head[i+1] == 0 && head[i] != 0 {
			odd++
		}
	}
	switch {
	case odd*4 >= n*3/2:
		return "utf-16le"
	case even*4 >= n*3/2:
		return "utf-16be"
	}
	return ""
}

// Table is one input read as text cells under a header, whatever its format: the format
// registry's reader, for tables that are not runs (architectures) to read what runs read.
type Table struct {
	t   *table
	rec *record
}

// OpenTable opens a table of one input (format "" or "auto": detected from content; see
// Formats). name labels errors as name:line:col.
func OpenTable(r io.Reader, name, format string) (*Table, error) {
	in, err := openReader(r, name)
	if err != nil {
		return nil, wrapIO(name, err)
	}
	t, err := openTable(in, format)
	if err != nil {
		return nil, wrapIO(name, err)
	}
	return &Table{t: t}, nil
}

// Header returns the table's column names as written.
func (t *Table) Header() []string { return t.t.headers }

// HeaderLine is the 1-based line of the header (0 when the format has none, as JSON).
func (t *Table) HeaderLine() int { return t.t.hline }

// Format names the table's format (one of Formats).
func (t *Table) Format() string { return t.t.format }

// Next returns the next row's cells (views valid until the following call) and its 1-based
// line; io.EOF after the last row. A row that cannot be read (a wrong number of fields,
// text that is not UTF-8) is an *Error naming its line.
func (t *Table) Next() (fields []string, line int, err error) {
	rec, err := t.t.next()
	if err != nil {
		if err != io.EOF {
			err = wrapIO(t.t.file, err)
		}
		return nil, 0, err
	}
	if rec.bad != nil {
		return nil, rec.line, rec.bad
	}
	t.rec = rec
	return rec.fields, rec.line, nil
}

// Col returns the 1-based column in the file of field i of the last row read (0 for JSON,
// whose cells have no column).
func (t *Table) Col(i int) int {
	if t.rec == nil {
		return i + 1
	}
	return t.rec.col(i)
}

// Close releases the input (reading it to the end does too).
func (t *Table) Close() { t.t.close() }

// record is one data row of a table.
type record struct {
	fields []string // cells in the table's header order; may be shorter (missing = blank)
	line   int      // 1-based line in the file
	cols   []int    // 1-based column in the file of each field; nil means i+1
	objs   []string // JSON: keys whose value on this line was an object
	bad    *Error   // a problem with the row (too few fields, not UTF-8, ...); fields unused
}

func (r *record) col(i int) int {
	if r.cols != nil && i >= 0 && i < len(r.cols) {
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
	in           *input // released at the end (close)
}

func (t *table) hcol(i int) int {
	if t.hcols != nil && i < len(t.hcols) {
		return t.hcols[i]
	}
	return i + 1
}

// close releases the table's input.
func (t *table) close() {
	if t != nil && t.in != nil {
		t.in.release()
	}
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

// parseDelimited reads delimited text held in memory (format csv, tsv or wandb; auto
// recognises a W&B wide export from its header).
func parseDelimited(name string, data []byte, format string, auto bool) (*table, error) {
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Msg: "empty file: want a header line (params,tokens,loss or params,flops,loss) and runs"}
	}
	comma := sniffDelimiter(data)
	if format == FormatTSV {
		comma = '\t'
	}
	t, err := csvTable(name, data, byte(comma))
	if err != nil {
		return nil, err
	}
	if format == FormatWandB || auto && isWideWandB(t.headers) {
		return wandbTable(t, format == FormatWandB)
	}
	return t, nil
}

// dataExts are the file extensions of run files (a directory is read for these).
var dataExts = []string{".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".parquet"}

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
