package runs

import "fmt"

// The loader's first stages (build in load.go runs them in order): align the columns of
// every table by name (columns), add the --meta and --run-pattern columns (joins), decide
// which column plays which role (roles). Then rows.go reads every row and finish.go places
// curve points, warns and filters.

// loader holds one build: the set being made and what the stages pass on.
type loader struct {
	s      *Set
	opts   Options
	where  *Expr
	tables []*table
	multi  bool
	tcols  [][]colInfo // per table, per field: its union column and unit scale
	meta   *metaTable
	pat    *runPattern
	noted  map[string]bool
	fromMe []bool // per union column: only --meta has it

	// roles: union column of each canonical column, -1 when absent
	iP, iT, iC, iL, iG, iR, iB, iS int
	curves                         bool // LayoutCurves without Options.Derive
	metaScaleU                     []float64

	// the row stage's scratch, reused for every row
	cells     []string
	from      []int8
	fromTable []int     // union column -> field index in the current table, -1 none
	uscale    []float64 // union column -> unit scale in the current table
	ti        int
	t         *table
	stemID    bool
	mrow      *metaRow

	// what the rows leave for finish
	all             []Run
	rows            int // upper bound on the rows, for allocation
	ids, groups     map[string]string
	lastID, lastIDv string
	skipped         []string
	aggregates      []string
	conflicts       int
	conflict        string
	placed          []placement // points whose tokens or flops are --meta's run totals
}

// addCol returns the union column of header h, adding it when new. A header with a unit
// ("Params (B)") is one column with its unitless name.
func (l *loader) addCol(h string) int {
	s := l.s
	key := NormalizeHeader(h)
	if base, _, _, ok := unitHeader(h); ok {
		key = NormalizeHeader(base)
	}
	u, ok := s.index[key]
	if !ok {
		u = len(s.Headers)
		s.Headers = append(s.Headers, h)
		s.index[key] = u
		l.fromMe = append(l.fromMe, false)
	}
	if full := NormalizeHeader(h); full != key {
		if _, taken := s.index[full]; !taken {
			s.index[full] = u
		}
	}
	return u
}

// note adds an input note once.
func (l *loader) note(n string) {
	if !l.noted[n] {
		l.noted[n] = true
		l.s.Notes = append(l.s.Notes, n)
	}
}

// columns aligns the columns of every table by name; a table may not name a column twice.
func (l *loader) columns() error {
	s := l.s
	l.tcols = make([][]colInfo, len(l.tables))
	for ti, t := range l.tables {
		s.Files = append(s.Files, t.file)
		seen := map[string]int{}
		l.tcols[ti] = make([]colInfo, len(t.headers))
		for i, h := range t.headers {
			k := NormalizeHeader(h)
			if base, _, _, ok := unitHeader(h); ok {
				k = NormalizeHeader(base)
			}
			if k == "" {
				return &Error{File: t.file, Line: t.hline, Col: t.hcol(i), Msg: "empty column name in the header"}
			}
			if j, dup := seen[k]; dup {
				return &Error{File: t.file, Line: t.hline, Col: t.hcol(i), Msg: fmt.Sprintf("duplicate column %q (also column %d)", clip(h), j+1)}
			}
			seen[k] = i
			l.tcols[ti][i] = colInfo{u: l.addCol(h), scale: 1}
		}
		if t.decimalComma {
			l.note(fmt.Sprintf("%s: decimal commas read as decimal points (1,5 = 1.5)", t.file))
		}
		if len(t.dropped) > 0 {
			l.note(fmt.Sprintf("%s: W&B export, %d __MIN/__MAX companion columns left out", t.file, len(t.dropped)))
		}
	}
	return nil
}

// joins reads --meta and compiles --run-pattern, adding their columns.
func (l *loader) joins() error {
	opts := l.opts
	if opts.Meta != "" {
		m, err := loadMeta(opts.Meta, opts)
		if err != nil {
			return err
		}
		m.cols = make([]int, len(m.t.headers))
		for i, h := range m.t.headers {
			m.cols[i] = -1
			if i != m.runCol {
				n := len(l.s.Headers)
				m.cols[i] = l.addCol(h)
				if m.cols[i] >= n {
					l.fromMe[m.cols[i]] = true
				}
			}
		}
		l.meta = m
	}
	if opts.RunPattern != "" {
		p, err := compileRunPattern(opts.RunPattern)
		if err != nil {
			return err
		}
		p.cols = make([]int, len(p.names))
		for i, n := range p.names {
			p.cols[i] = -1
			if n != "" {
				p.cols[i] = l.addCol(n)
			}
		}
		l.pat = p
	}
	return nil
}

// roles resolves the canonical columns, the run ids of per-run files, the stored cells and
// the header units.
func (l *loader) roles() error {
	s := l.s
	if err := s.resolveColumns(l.opts, l.fromMe); err != nil {
		return err
	}
	// Per-run files (several, or one joined to --meta or --run-pattern) without a run
	// column: each file's stem is its run id.
	joined := l.meta != nil || l.pat != nil
	if !s.Has("run") && (l.multi || joined && len(l.tables) == 1 && l.tables[0].file != "<stdin>") {
		s.Columns["run"] = s.Headers[l.addCol("run")]
	}
	if joined && !s.Has("run") {
		flag := "--meta"
		if l.meta == nil {
			flag = "--run-pattern"
		}
		return &Error{File: s.efile, Line: s.hline, Msg: flag + " joins on the run id: the data needs a run column (run, run_id, id, name or --run-col), or one file per run (a file, a directory or a glob)"}
	}
	W := len(s.Headers)
	s.slot = make([]int8, W)
	s.xpos = make([]int, W)
	col := func(c string) int {
		if h, ok := s.Columns[c]; ok {
			return s.index[NormalizeHeader(h)]
		}
		return -1
	}
	for _, r := range [...]struct {
		c  string
		sl int8
	}{{"params", slotParams}, {"tokens", slotTokens}, {"flops", slotFLOPs}, {"loss", slotLoss}, {"run", slotRun}} {
		if u := col(r.c); u >= 0 {
			s.slot[u] = r.sl
		}
	}
	if u := col("budget"); u >= 0 && s.slot[u] == slotExtra {
		s.slot[u] = slotBudget
	}
	for u := range s.xpos {
		s.xpos[u] = -1
		if s.slot[u] == slotExtra {
			s.xpos[u] = s.nx
			s.nx++
		}
	}
	if err := s.CheckExprColumns("--where", l.where); err != nil {
		return err
	}
	l.iP, l.iT, l.iC, l.iL = col("params"), col("tokens"), col("flops"), col("loss")
	l.iG, l.iR, l.iB = col("group"), col("run"), col("budget")
	l.iS = -1
	if h, ok := s.stepHeader(l.opts.StepCol); ok {
		l.iS = s.index[NormalizeHeader(h)]
	}
	l.curves = l.opts.Layout == LayoutCurves && l.opts.Derive == nil
	s.table = l.opts.Layout == LayoutTable
	l.units()
	return nil
}

// units scales the canonical numeric columns whose header carries a unit, and notes it.
func (l *loader) units() {
	s := l.s
	numeric := func(u int) bool { return u >= 0 && s.slot[u] != slotExtra && s.slot[u] != slotRun }
	for ti, t := range l.tables {
		for i, h := range t.headers {
			if base, scale, unit, ok := unitHeader(h); ok && numeric(l.tcols[ti][i].u) {
				l.tcols[ti][i].scale = scale
				l.note(unitNote(canonicalOf(NormalizeHeader(base)), h, unit, scale))
			}
		}
	}
	if l.meta == nil {
		return
	}
	l.metaScaleU = make([]float64, len(s.Headers))
	for i, h := range l.meta.t.headers {
		u := l.meta.cols[i]
		if u < 0 {
			continue
		}
		l.metaScaleU[u] = 1
		if base, scale, unit, ok := unitHeader(h); ok && numeric(u) {
			l.note(unitNote(canonicalOf(NormalizeHeader(base)), h, unit, scale))
			l.metaScaleU[u] = scale
		}
	}
}

// stepHeader names the header of the step column (an override, else an alias), if any.
func (s *Set) stepHeader(override string) (string, bool) {
	if override != "" {
		if u, ok := s.index[NormalizeHeader(override)]; ok {
			return s.Headers[u], true
		}
		return "", false
	}
	for _, a := range Aliases["step"] {
		if u, ok := s.index[NormalizeHeader(a)]; ok {
			return s.Headers[u], true
		}
	}
	return "", false
}
