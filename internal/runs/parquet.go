package runs

import (
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// Parquet (W&B's run history, Hugging Face datasets) is read with parquet-go (pure Go):
// flat columns only, with the column names and layouts of a CSV (a tidy table, a W&B long
// export with its Name column, a wide export with "<run> - <metric>" columns). Row groups
// are read one batch of rows at a time, so memory holds a batch of cells, not the file;
// each value becomes the text a CSV would hold (integers as integers, doubles in their
// shortest exact form, nulls empty). A Parquet file has no lines: errors name the row
// (1-based) where a text file names its line.

var parquetMagic = []byte("PAR1")

// parquetBatch is how many rows are decoded at a time.
const parquetBatch = 1024

func parquetTable(in *input) (*table, error) {
	if in.ra == nil {
		return nil, fmt.Errorf("a Parquet input must allow random access (a file, or a stream copied first)")
	}
	f, err := parquet.OpenFile(in.ra, in.size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &Error{File: in.name, Msg: fmt.Sprintf("not a readable Parquet file: %v", err)}
	}
	var headers []string
	for i, fl := range f.Schema().Fields() {
		switch {
		case !fl.Leaf():
			return nil, &Error{File: in.name, Line: 0, Col: i + 1, Msg: fmt.Sprintf("column %q is a nested group: want flat columns (one value per row)", clip(fl.Name()))}
		case fl.Repeated():
			return nil, &Error{File: in.name, Line: 0, Col: i + 1, Msg: fmt.Sprintf("column %q is a list: want flat columns (one value per row)", clip(fl.Name()))}
		}
		headers = append(headers, fl.Name())
	}
	if len(headers) == 0 {
		return nil, &Error{File: in.name, Msg: "a Parquet file with no columns"}
	}
	t := &table{file: in.name, format: FormatParquet, headers: headers, rows: int(f.NumRows())}
	groups := f.RowGroups()
	batch := make([]parquet.Row, parquetBatch)
	rec := &record{fields: make([]string, len(headers))}
	var (
		rows      parquet.Rows
		n, at     int    // rows in the batch, the next one
		before    int    // rows read before the batch
		text      []byte // the text of the current row's cells
		ends      []int
		g         int
		exhausted bool
	)
	t.next = func() (*record, error) {
		for at == n {
			if exhausted {
				return nil, io.EOF
			}
			if rows == nil {
				if g == len(groups) {
					exhausted = true
					in.release()
					return nil, io.EOF
				}
				rows = groups[g].Rows()
				g++
			}
			before += n
			var err error
			n, err = rows.ReadRows(batch)
			at = 0
			if err == io.EOF {
				rows.Close()
				rows = nil
			} else if err != nil {
				return nil, &Error{File: in.name, Line: before + 1, Msg: fmt.Sprintf("Parquet: %v", err)}
			}
		}
		r := batch[at]
		at++
		text, ends = text[:0], ends[:0]
		clear(rec.fields)
		for _, v := range r {
			c := v.Column()
			if c < 0 || c >= len(headers) {
				continue
			}
			start := len(text)
			text = appendValue(text, v)
			ends = append(ends, c, start, len(text))
		}
		for k := 0; k+2 < len(ends); k += 3 {
			rec.fields[ends[k]] = bytesString(text[ends[k+1]:ends[k+2]])
		}
		rec.line = before + at
		rec.bad = nil
		return rec, nil
	}
	return t, nil
}

// appendValue writes a Parquet value as a CSV would hold it.
func appendValue(b []byte, v parquet.Value) []byte {
	if v.IsNull() {
		return b
	}
	switch v.Kind() {
	case parquet.Boolean:
		return strconv.AppendBool(b, v.Boolean())
	case parquet.Int32:
		return strconv.AppendInt(b, int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case parquet.Float:
		return strconv.AppendFloat(b, float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.AppendFloat(b, v.Double(), 'g', -1, 64)
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return append(b, v.ByteArray()...)
	}
	return append(b, v.String()...)
}
