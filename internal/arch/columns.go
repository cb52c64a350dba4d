package arch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/runs"
)

// Aliases lists, for each architecture field, the column headers recognised (case-insensitive;
// spaces and hyphens read as underscores). The names of Hugging Face configs, nanoGPT and the
// papers' tables are included.
var Aliases = map[string][]string{
	"layers":    {"layers", "n_layer", "n_layers", "num_layers", "num_hidden_layers", "depth"},
	"d_model":   {"d_model", "n_embd", "hidden_size", "width", "dim"},
	"heads":     {"heads", "n_head", "n_heads", "num_heads", "num_attention_heads"},
	"kv_heads":  {"kv_heads", "n_kv_heads", "num_kv_heads", "num_key_value_heads"},
	"d_ff":      {"d_ff", "ffw_size", "ffn_size", "intermediate_size", "d_ffn", "ffn_dim"},
	"ffn_ratio": {"ffn_ratio", "mlp_ratio"},
	"glu":       {"glu", "gated"},
	"vocab":     {"vocab", "vocab_size", "n_vocab"},
	"context":   {"context", "n_ctx", "seq_len", "seq_length", "block_size", "max_position_embeddings"},
	"tied":      {"tied", "tie_embeddings", "tie_word_embeddings", "tied_embeddings"},
	"bias":      {"bias"},
	"norm":      {"norm"},
	"positions": {"positions", "position_embedding"},
}

// fieldOrder is the order in which Columns are resolved and errors reported.
var fieldOrder = []string{"layers", "d_model", "heads", "kv_heads", "d_ff", "ffn_ratio", "glu", "vocab", "context", "tied", "bias", "norm", "positions"}

// required are the fields every row needs.
var required = []string{"layers", "d_model", "heads", "vocab", "context"}

// Columns maps architecture fields to column indexes of a header.
type Columns struct {
	idx map[string]int // field -> column index
}

// ResolveColumns finds the architecture columns of a header. It fails when a required
// column is missing or two columns alias the same field; the error names the field.
func ResolveColumns(header []string) (Columns, error) {
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[runs.NormalizeHeader(h)]; !dup {
			index[runs.NormalizeHeader(h)] = i
		}
	}
	c := Columns{idx: map[string]int{}}
	for _, f := range fieldOrder {
		var found []int
		for _, a := range Aliases[f] {
			if i, ok := index[a]; ok {
				found = append(found, i)
			}
		}
		switch {
		case len(found) == 1:
			c.idx[f] = found[0]
		case len(found) > 1:
			return c, fmt.Errorf("columns %q and %q could both be %s: keep one", header[found[0]], header[found[1]], f)
		}
	}
	var miss []string
	for _, f := range required {
		if _, ok := c.idx[f]; !ok {
			miss = append(miss, fmt.Sprintf("%s (%s)", f, strings.Join(Aliases[f], "/")))
		}
	}
	if len(miss) > 0 {
		return c, fmt.Errorf("no architecture column for %s", strings.Join(miss, ", "))
	}
	return c, nil
}

// Parse reads one row's architecture. On error it also returns the 1-based column of the
// offending field (0 when the problem is the shape as a whole).
func (c Columns) Parse(rec []string) (Arch, int, error) {
	a, f, err := parse(func(f string) (string, bool) {
		i, ok := c.idx[f]
		if !ok || i >= len(rec) {
			return "", false
		}
		return rec[i], true
	})
	if err != nil {
		col := 0
		if i, ok := c.idx[f]; ok && f != "" {
			col = i + 1
		}
		return a, col, err
	}
	return a, 0, nil
}

// ParseFields reads an architecture through cell, which returns a row's cell by column name
// ("" when the row lacks the column); each field is read from the first of its Aliases that
// has a value. On error it also returns the name of the offending column ("" when the shape
// as a whole is at fault, or a required column is missing).
func ParseFields(cell func(col string) string) (Arch, string, error) {
	names := map[string]string{}
	a, f, err := parse(func(f string) (string, bool) {
		for _, al := range Aliases[f] {
			if v := cell(al); strings.TrimSpace(v) != "" {
				names[f] = al
				return v, true
			}
		}
		return "", false
	})
	if err != nil {
		return a, names[f], err
	}
	return a, "", nil
}

// parse reads the fields through get (the raw cell of a field, and whether the row has it)
// and validates the shape; on error it names the field at fault.
func parse(get func(field string) (string, bool)) (Arch, string, error) {
	var a Arch
	ints := map[string]*int{"layers": &a.Layers, "d_model": &a.DModel, "heads": &a.Heads, "kv_heads": &a.KVHeads,
		"d_ff": &a.DFF, "vocab": &a.Vocab, "context": &a.Context}
	for _, f := range fieldOrder {
		s, ok := get(f)
		s = strings.TrimSpace(s)
		if !ok && isRequired(f) {
			return a, "", fmt.Errorf("no %s value (columns %s)", f, strings.Join(Aliases[f], "/"))
		}
		if !ok || s == "" && !isRequired(f) {
			continue
		}
		var err error
		switch f {
		case "ffn_ratio":
			a.FFNRatio, err = strconv.ParseFloat(s, 64)
			if err != nil || !(a.FFNRatio > 0) || math.IsInf(a.FFNRatio, 0) {
				err = fmt.Errorf("%q: want a positive ratio d_ff/d_model", s)
			}
		case "glu", "tied", "bias":
			var b bool
			b, err = parseBool(s)
			switch f {
			case "glu":
				a.GLU = b
			case "tied":
				a.Tied = b
			case "bias":
				a.NoBias = !b
			}
		case "norm":
			a.Norm = Norm(strings.ToLower(s))
		case "positions":
			a.Positions = Positions(strings.ToLower(s))
			if a.Positions == "rotary" || a.Positions == "rope" || a.Positions == "alibi" {
				a.Positions = NoPositionals
			}
		default:
			*ints[f], err = parseCount(s)
		}
		if err != nil {
			return a, f, &FieldError{f, err.Error()}
		}
	}
	if err := a.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return a, fe.Field, err
		}
		return a, "", err
	}
	return a, "", nil
}

func isRequired(f string) bool {
	for _, r := range required {
		if r == f {
			return true
		}
	}
	return false
}

// parseCount reads a non-negative whole number ("768", "768.0", "1e3").
func parseCount(s string) (int, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || x != math.Trunc(x) || x > math.MaxInt32 {
		return 0, fmt.Errorf("%q: want a whole number", s)
	}
	return int(x), nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "y", "t":
		return true, nil
	case "0", "false", "no", "n", "f":
		return false, nil
	}
	return false, fmt.Errorf("%q: want true or false", s)
}

// Row is one architecture read from a CSV.
type Row struct {
	Line int    // 1-based line in the file
	Name string // the row's name/model/run column, "" when the file has none
	Arch Arch
}

// LineError is a problem at a line (and column, 1-based; 0 = the whole line) of a file.
type LineError struct {
	File      string
	Line, Col int
	Err       error
}

func (e *LineError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Col, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ReadCSV reads one architecture per row of a table whose header names the architecture
// columns (see Aliases; layers, d_model, heads, vocab and context are required): a CSV
// (comma, tab or semicolon separated) or any other format internal/runs reads (JSON Lines,
// a JSON array, Parquet), through its format registry. name labels errors as
// name:line:col. A row with an impossible shape (heads not dividing d_model, zero layers,
// ...) is an error at its line; so is a column named twice.
func ReadCSV(r io.Reader, name string) ([]Row, error) {
	data, err := io.ReadAll(limits.Reader(r))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))) == 0 {
		return nil, &LineError{File: name, Err: errors.New("empty file: want a header with layers, d_model, heads, vocab, context")}
	}
	tbl, err := runs.OpenTable(bytes.NewReader(data), name, "")
	if err != nil {
		return nil, lineError(name, err)
	}
	defer tbl.Close()
	header, hline := tbl.Header(), max(tbl.HeaderLine(), 1)
	seen := map[string]int{}
	for i, h := range header {
		k := runs.NormalizeHeader(h)
		if j, dup := seen[k]; dup {
			return nil, &LineError{File: name, Line: hline, Col: i + 1, Err: fmt.Errorf("duplicate column %q (also column %d)", h, j+1)}
		}
		seen[k] = i
	}
	cols, err := ResolveColumns(header)
	if err != nil {
		return nil, &LineError{File: name, Line: hline, Err: err}
	}
	nameCol := -1
	for i, h := range header {
		switch runs.NormalizeHeader(h) {
		case "name", "model", "run", "id":
			if nameCol < 0 {
				nameCol = i
			}
		}
	}
	var out []Row
	for {
		rec, line, err := tbl.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, lineError(name, err)
		}
		a, col, err := cols.Parse(rec)
		if err != nil {
			if col > 0 {
				col = tbl.Col(col - 1)
			}
			return nil, &LineError{File: name, Line: line, Col: col, Err: err}
		}
		row := Row{Line: line, Arch: a}
		if nameCol >= 0 {
			row.Name = strings.TrimSpace(rec[nameCol])
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, &LineError{File: name, Line: hline, Err: errors.New("header only: the file has no architectures")}
	}
	return out, nil
}

// lineError turns the format registry's error into a LineError.
func lineError(name string, err error) error {
	var re *runs.Error
	if errors.As(err, &re) {
		return &LineError{File: re.File, Line: re.Line, Col: re.Col, Err: errors.New(re.Msg)}
	}
	return fmt.Errorf("%s: %w", name, err)
}
