package runs

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
)

// Load reads runs from one input (CSV, TSV, ';'-separated, JSON Lines, a JSON array or a
// W&B export; see Options.Format). name labels errors (file:line:col).
func Load(r io.Reader, name string, opts Options) (*Set, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	in, err := openReader(r, name)
	if err != nil {
		return nil, wrapIO(name, err)
	}
	t, err := openTable(in, opts.Format)
	if err != nil {
		return nil, wrapIO(name, err)
	}
	defer t.close()
	t.stem = fileStem(name)
	return build([]*table{t}, name, false, opts)
}

func checkOptions(opts Options) error {
	if _, err := ParseExpr(opts.Where); err != nil {
		return fmt.Errorf("--where: %w", err)
	}
	if opts.DropHighestLoss < 0 {
		return fmt.Errorf("--drop-highest-loss %d: want 0 or more", opts.DropHighestLoss)
	}
	if opts.Layout != "" && opts.Layout != LayoutCurves && opts.Layout != LayoutTable {
		return fmt.Errorf("layout %q: want \"\", %q or %q", opts.Layout, LayoutCurves, LayoutTable)
	}
	if opts.Layout == LayoutTable && opts.Derive != nil {
		return fmt.Errorf("a law family's table reads its own columns: --convention does not apply")
	}
	return checkFormat(opts.Format)
}

// isAggregate reports whether a cell is the label of a summary row ("mean", "Total", ...).
func isAggregate(c string) bool {
	c = strings.TrimSpace(c)
	if len(c) < 3 || len(c) > 7 {
		return false
	}
	for _, w := range aggregateWords {
		if len(w) == len(c) && strings.EqualFold(c, w) {
			return true
		}
	}
	return false
}

// aggregateWords are row labels of summary rows, not runs.
var aggregateWords = [...]string{"mean", "average", "avg", "total", "sum", "median", "std", "stdev", "min", "max", "all"}

// build turns tables into a Set, in stages (schema.go, rows.go, finish.go): align the
// tables' columns by name, join --meta and --run-pattern, resolve the canonical columns,
// read every row, then place curve points, warn and filter.
func build(tables []*table, source string, multi bool, opts Options) (*Set, error) {
	defer closeAll(tables)
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	if len(tables) >= 1<<(64-locShift) {
		return nil, fmt.Errorf("%s: %d files: want fewer than %d", source, len(tables), 1<<(64-locShift))
	}
	where, _ := ParseExpr(opts.Where)
	t0 := tables[0]
	s := &Set{Source: source, Columns: map[string]string{}, index: map[string]int{}, efile: t0.file, hline: t0.hline, Format: t0.format}
	if multi {
		s.efile = source
	}
	l := &loader{s: s, opts: opts, where: where, tables: tables, multi: multi, noted: map[string]bool{}}
	if err := l.columns(); err != nil {
		return nil, err
	}
	if err := l.joins(); err != nil {
		return nil, err
	}
	if err := l.roles(); err != nil {
		return nil, err
	}
	l.rowStage()
	for ti := range tables {
		if err := l.readTable(ti); err != nil {
			return nil, err
		}
	}
	if err := l.finish(); err != nil {
		return nil, err
	}
	return s, nil
}

// wrapIO names the input in an I/O error (an *Error already does).
func wrapIO(name string, err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	var le *limits.LineError
	if errors.As(err, &le) {
		return &Error{File: name, Line: le.Line, Msg: fmt.Sprintf("a line longer than %d KiB (the limit): not a table of runs (binary data, or one huge line?)", le.Max>>10)}
	}
	return fmt.Errorf("%s: %w", name, err)
}
