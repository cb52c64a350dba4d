package runs

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// metaTable is a --meta file: one row per run, joined on the run id.
type metaTable struct {
	t      *table
	runCol int                 // field index of the run id
	rows   map[string]*metaRow // run id -> row
	order  []string            // run ids in file order
	cols   []int               // meta field index -> union column (-1: the run column)
}

type metaRow struct {
	fields []string
	line   int
	used   bool
}

// loadMeta reads a metadata table (any input format). Its run column is --run-col when the
// table has that header, else one of the run aliases; each run id may appear once.
func loadMeta(path string, opts Options) (*metaTable, error) {
	in, err := openPath(path, path)
	if err != nil {
		if os.IsNotExist(err) || os.IsPermission(err) {
			return nil, fmt.Errorf("--meta: %w", err)
		}
		return nil, fmt.Errorf("--meta %s: %w", path, err)
	}
	t, err := openTable(in, "")
	if err != nil {
		if _, ok := err.(*Error); ok {
			return nil, err
		}
		return nil, fmt.Errorf("--meta %s: %w", path, wrapIO(path, err))
	}
	defer t.close()
	m := &metaTable{t: t, runCol: -1, rows: map[string]*metaRow{}}
	idx := map[string]int{}
	for i, h := range t.headers {
		idx[NormalizeHeader(h)] = i
	}
	if opts.RunCol != "" {
		if i, ok := idx[NormalizeHeader(opts.RunCol)]; ok {
			m.runCol = i
		}
	}
	for _, a := range Aliases["run"] {
		if i, ok := idx[a]; ok && m.runCol < 0 {
			m.runCol = i
		}
	}
	if m.runCol < 0 {
		return nil, &Error{File: path, Line: t.hline, Msg: fmt.Sprintf("--meta: no run column to join on: want a header named %s (the header has %s)", strings.Join(Aliases["run"], "/"), listHeaders(t.headers))}
	}
	for {
		r, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if r.bad != nil {
			return nil, r.bad
		}
		f := make([]string, len(t.headers))
		for i := range f {
			if i < len(r.fields) {
				f[i] = strings.Clone(r.fields[i])
			}
		}
		id := strings.TrimSpace(f[m.runCol])
		if id == "" {
			return nil, &Error{File: path, Line: r.line, Col: r.col(m.runCol), Msg: "--meta: empty run id"}
		}
		if prev, dup := m.rows[id]; dup {
			return nil, &Error{File: path, Line: r.line, Col: r.col(m.runCol), Msg: fmt.Sprintf("--meta: run %q already has a row (line %d)", clip(id), prev.line)}
		}
		m.rows[id] = &metaRow{fields: f, line: r.line}
		m.order = append(m.order, id)
	}
	if len(m.order) == 0 {
		return nil, &Error{File: path, Line: t.hline, Msg: "--meta: header only: no runs"}
	}
	return m, nil
}

// runPattern extracts columns from run ids with a regexp's named groups.
type runPattern struct {
	re    *regexp.Regexp
	names []string // group names, "" for unnamed
	cols  []int    // group index -> union column (-1 unnamed)
}

func compileRunPattern(src string) (*runPattern, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("--run-pattern: %w", err)
	}
	p := &runPattern{re: re, names: re.SubexpNames()}
	named := 0
	for _, n := range p.names {
		if n != "" {
			named++
		}
	}
	if named == 0 {
		return nil, fmt.Errorf("--run-pattern %q: no named group: want e.g. (?P<params>[0-9.]+[MB])-(?P<chinchilla_multiple>[0-9.]+)xC", src)
	}
	return p, nil
}
