package runs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/warn"
)

// Load reads runs from one input (CSV, TSV, ';'-separated, JSON Lines, a JSON array or a
// W&B export; see Options.Format). name labels errors (file:line:col).
func Load(r io.Reader, name string, opts Options) (*Set, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	t, err := tableFromReader(r, name, opts.Format)
	if err != nil {
		return nil, wrapIO(name, err)
	}
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
	switch opts.Format {
	case "", FormatAuto, FormatCSV, FormatTSV, FormatJSONL, FormatJSON, FormatWandB:
	default:
		return fmt.Errorf("--input-format %q: want one of %s", opts.Format, strings.Join(Formats, ", "))
	}
	return nil
}

// origin says where a cell came from, for error messages and number parsing.
type origin struct {
	file         string
	line, col    int
	header       string
	decimalComma bool
	scale        float64
	objs         []string
}

// colInfo describes one column of one input table.
type colInfo struct {
	u     int     // union column
	scale float64 // header unit multiplier (1 when none)
}

// Where a cell came from.
const (
	fromTable int8 = iota
	fromMeta
	fromPattern
)

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
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

// curveCols names the numeric columns a curve point reads, in the order build reads them.
var curveCols = [...]string{"params", "loss", "tokens", "flops", "budget"}

// build turns tables into a Set: it aligns their columns by name, joins --meta and
// --run-pattern columns on the run id, resolves the canonical columns and reads every row.
func build(tables []*table, source string, multi bool, opts Options) (*Set, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	where, _ := ParseExpr(opts.Where)
	if len(tables) >= 1<<(64-locShift) {
		return nil, fmt.Errorf("%s: %d files: want fewer than %d", source, len(tables), 1<<(64-locShift))
	}
	s := &Set{Source: source, Columns: map[string]string{}, index: map[string]int{}, efile: tables[0].file, hline: tables[0].hline, Format: tables[0].format}
	if multi {
		s.efile = source
	}
	addCol := func(h string) int {
		key := normalize(h)
		if base, _, _, ok := unitHeader(h); ok {
			key = normalize(base)
		}
		u, ok := s.index[key]
		if !ok {
			u = len(s.Headers)
			s.Headers = append(s.Headers, h)
			s.index[key] = u
		}
		if full := normalize(h); full != key {
			if _, taken := s.index[full]; !taken {
				s.index[full] = u
			}
		}
		return u
	}
	noted := map[string]bool{}
	note := func(n string) {
		if !noted[n] {
			noted[n] = true
			s.Notes = append(s.Notes, n)
		}
	}
	// The columns of every table, aligned by name.
	tcols := make([][]colInfo, len(tables))
	for ti, t := range tables {
		s.Files = append(s.Files, t.file)
		seen := map[string]int{}
		tcols[ti] = make([]colInfo, len(t.headers))
		for i, h := range t.headers {
			k := normalize(h)
			if base, _, _, ok := unitHeader(h); ok {
				k = normalize(base)
			}
			if k == "" {
				return nil, &Error{File: t.file, Line: t.hline, Col: t.hcol(i), Msg: "empty column name in the header"}
			}
			if j, dup := seen[k]; dup {
				return nil, &Error{File: t.file, Line: t.hline, Col: t.hcol(i), Msg: fmt.Sprintf("duplicate column %q (also column %d)", clip(h), j+1)}
			}
			seen[k] = i
			tcols[ti][i] = colInfo{u: addCol(h), scale: 1}
		}
		if t.decimalComma {
			note(fmt.Sprintf("%s: decimal commas read as decimal points (1,5 = 1.5)", t.file))
		}
		if len(t.dropped) > 0 {
			note(fmt.Sprintf("%s: W&B export, %d __MIN/__MAX companion columns left out", t.file, len(t.dropped)))
		}
	}
	var meta *metaTable
	if opts.Meta != "" {
		var err error
		if meta, err = loadMeta(opts.Meta, opts); err != nil {
			return nil, err
		}
		meta.cols = make([]int, len(meta.t.headers))
		for i, h := range meta.t.headers {
			meta.cols[i] = -1
			if i != meta.runCol {
				meta.cols[i] = addCol(h)
			}
		}
	}
	var pat *runPattern
	if opts.RunPattern != "" {
		var err error
		if pat, err = compileRunPattern(opts.RunPattern); err != nil {
			return nil, err
		}
		pat.cols = make([]int, len(pat.names))
		for i, n := range pat.names {
			pat.cols[i] = -1
			if n != "" {
				pat.cols[i] = addCol(n)
			}
		}
	}
	if err := s.resolveColumns(opts); err != nil {
		return nil, err
	}
	if multi && !s.Has("run") {
		s.Columns["run"] = s.Headers[addCol("run")]
	}
	if (meta != nil || pat != nil) && !s.Has("run") {
		flag := "--meta"
		if meta == nil {
			flag = "--run-pattern"
		}
		return nil, &Error{File: s.efile, Line: s.hline, Msg: flag + " joins on the run id: the data needs a run column (run, run_id, id, name or --run-col), or one file per run (a directory or glob)"}
	}
	// Roles of the union columns.
	W := len(s.Headers)
	s.slot = make([]int8, W)
	s.xpos = make([]int, W)
	col := func(c string) int {
		if h, ok := s.Columns[c]; ok {
			return s.index[normalize(h)]
		}
		return -1
	}
	for c, sl := range map[string]int8{"params": slotParams, "tokens": slotTokens, "flops": slotFLOPs, "loss": slotLoss, "run": slotRun} {
		if u := col(c); u >= 0 {
			s.slot[u] = sl
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
	if err := s.CheckExprColumns("--where", where); err != nil {
		return nil, err
	}
	// Header units: scale the canonical numeric columns.
	for ti, t := range tables {
		for i, h := range t.headers {
			if base, scale, unit, ok := unitHeader(h); ok {
				u := tcols[ti][i].u
				if s.slot[u] != slotExtra && s.slot[u] != slotRun {
					tcols[ti][i].scale = scale
					note(unitNote(canonicalOf(normalize(base)), h, unit, scale))
				}
			}
		}
	}
	metaScale := func(i int) float64 {
		if base, scale, unit, ok := unitHeader(meta.t.headers[i]); ok {
			u := meta.cols[i]
			if u >= 0 && s.slot[u] != slotExtra && s.slot[u] != slotRun {
				note(unitNote(canonicalOf(normalize(base)), meta.t.headers[i], unit, scale))
				return scale
			}
		}
		return 1
	}
	var metaScales []float64
	if meta != nil {
		for i := range meta.t.headers {
			metaScales = append(metaScales, metaScale(i))
		}
	}
	iP, iT, iC, iL := col("params"), col("tokens"), col("flops"), col("loss")
	iG, iR, iB := col("group"), col("run"), col("budget")
	curves := opts.Layout == LayoutCurves && opts.Derive == nil
	table := opts.Layout == LayoutTable
	s.table = table
	signed := table && opts.TableLoss != nil && opts.TableLoss.Signed

	rows := 0
	for _, t := range tables {
		rows += t.rows
	}
	all := make([]Run, 0, rows)
	ids, groups := map[string]string{}, map[string]string{}
	intern := func(m map[string]string, v string) string {
		if w, ok := m[v]; ok {
			return w
		}
		w := strings.Clone(v)
		m[w] = w
		return w
	}
	cells := make([]string, W)
	from := make([]int8, W)     // where each cell came from: fromTable, fromMeta, fromPattern
	fromTable := make([]int, W) // union column -> field index in the current table, -1 none
	uscale := make([]float64, W)
	var metaScaleU []float64
	if meta != nil {
		metaScaleU = make([]float64, W)
		for i, u := range meta.cols {
			if u >= 0 {
				metaScaleU[u] = metaScales[i]
			}
		}
	}
	var skipped []string
	var aggregates []string
	conflicts, conflict := 0, ""
	lastID, lastIDv := "\x00", ""
	for ti, t := range tables {
		for u := range fromTable {
			fromTable[u], uscale[u] = -1, 1
		}
		for i, c := range tcols[ti] {
			fromTable[c.u], uscale[c.u] = i, c.scale
		}
		stemID := multi && (iR < 0 || fromTable[iR] < 0)
		var mrow *metaRow
		// where tells where cell u of rec came from, for an error message.
		where := func(rec *record, u int) origin {
			switch from[u] {
			case fromMeta:
				i := indexOf(meta.cols, u)
				return origin{file: meta.t.file, line: mrow.line, col: meta.t.hcol(i), header: meta.t.headers[i]}
			case fromPattern:
				return origin{file: t.file, line: rec.line, header: "--run-pattern group " + s.Headers[u]}
			}
			o := origin{file: t.file, line: rec.line, header: s.Headers[u], objs: rec.objs}
			if i := fromTable[u]; i >= 0 {
				o.header = t.headers[i]
				o.col = t.hcol(i)
				if i < len(rec.fields) {
					o.col = rec.col(i)
				}
			}
			return o
		}
		fail := func(e *Error) error {
			if !opts.SkipInvalid {
				if !strings.Contains(e.Msg, "--skip-invalid") {
					e.Msg += " (--skip-invalid skips such rows, with a warning)"
				}
				return e
			}
			s.Skipped++
			if len(skipped) < 5 {
				skipped = append(skipped, e.Error())
			}
			return nil
		}
		for {
			rec, err := t.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, wrapIO(t.file, err)
			}
			if rec.bad != nil {
				if err := fail(rec.bad); err != nil {
					return nil, err
				}
				continue
			}
			clear(cells)
			clear(from)
			for i, f := range rec.fields {
				cells[tcols[ti][i].u] = f
			}
			id := ""
			if iR >= 0 {
				if stemID {
					cells[iR] = t.stem
				}
				id = cells[iR]
			}
			if meta != nil {
				key := strings.TrimSpace(id)
				var ok bool
				if mrow, ok = meta.rows[key]; !ok {
					e := &Error{File: t.file, Line: rec.line, Msg: fmt.Sprintf("run %q has no row in --meta %s: add one (its run column holds the ids)%s", clip(key), meta.t.file, didYouMean(key, meta.order))}
					if err := fail(e); err != nil {
						return nil, err
					}
					continue
				}
				mrow.used = true
				for i, u := range meta.cols {
					if u < 0 || i >= len(mrow.fields) {
						continue
					}
					mv, dv := strings.TrimSpace(mrow.fields[i]), strings.TrimSpace(cells[u])
					switch {
					case dv == "":
						cells[u], from[u] = mrow.fields[i], fromMeta
					case mv != "" && mv != dv:
						// Both give a value: the data's wins; a different one is worth a warning.
						differ := true
						if s.slot[u] != slotExtra && s.slot[u] != slotRun {
							a, errA := parseCell(dv, t.decimalComma)
							b, errB := parseCell(mv, meta.t.decimalComma)
							differ = errA != nil || errB != nil || math.Abs(a*uscale[u]-b*metaScaleU[u]) > 1e-9*math.Abs(a*uscale[u])
						}
						if differ {
							conflicts++
							if conflict == "" {
								conflict = fmt.Sprintf("%s:%d has %s %q, %s:%d says %q", t.file, rec.line, s.Headers[u], clip(dv), meta.t.file, mrow.line, clip(mv))
							}
						}
					}
				}
			}
			if pat != nil {
				m := pat.re.FindStringSubmatch(id)
				if m == nil {
					if err := fail(&Error{File: t.file, Line: rec.line, Msg: fmt.Sprintf("run %q does not match --run-pattern %s", clip(id), pat.re)}); err != nil {
						return nil, err
					}
					continue
				}
				for i, u := range pat.cols {
					if u >= 0 && strings.TrimSpace(cells[u]) == "" {
						cells[u], from[u] = m[i], fromPattern
					}
				}
			}
			num := func(u int, what string) (float64, *Error) {
				dc, scale := t.decimalComma, uscale[u]
				switch from[u] {
				case fromMeta:
					dc, scale = meta.t.decimalComma, metaScaleU[u]
				case fromPattern:
					dc, scale = false, 1
				}
				v, err := parseCell(cells[u], dc)
				if err == nil && signed && what == "loss" {
					if math.Abs(v*scale) <= limits.MaxLoss {
						return v * scale, nil
					}
					err = fmt.Errorf("%q: want a number from %s to %s", clip(cells[u]), limits.Num(-limits.MaxLoss), limits.Num(limits.MaxLoss))
				}
				if err == nil && v > 0 {
					if err = limits.Column(what, v*scale); err == nil {
						return v * scale, nil
					}
				}
				if err == nil {
					err = fmt.Errorf("%q: want a positive number", clip(cells[u]))
				}
				o := where(rec, u)
				label := what
				if o.col == 0 && o.header != "" && normalize(o.header) != what {
					label = fmt.Sprintf("%s (%s)", what, o.header)
				}
				msg := fmt.Sprintf("%s %v", label, err)
				if strings.TrimSpace(cells[u]) == "" {
					for _, k := range o.objs {
						if normalize(k) == normalize(s.Headers[u]) {
							msg = fmt.Sprintf("%s: %q is a JSON object on this line, want a number: name one of its fields (%s/...)", label, k, k)
						}
					}
				}
				return 0, &Error{File: o.file, Line: o.line, Col: o.col, Msg: msg}
			}
			run := Run{Line: rec.line, set: s, loc: uint64(ti)<<locShift | uint64(len(s.extras))}
			var e *Error
			if opts.Derive != nil {
				if e = derive(s, opts.Derive, &run, cells, func(u int) int { return where(rec, u).col }, num, iL, iT, iB, t.file, rec.line); e != nil {
					if err := fail(e); err != nil {
						return nil, err
					}
					continue
				}
			} else if curves {
				// The names and the destinations are separate arrays: a name reaches an
				// error message (the heap), and sharing a struct with it would move run there too.
				us := [...]int{iP, iL, iT, iC, iB}
				dsts := [...]*float64{&run.Params, &run.Loss, &run.Tokens, &run.FLOPs, &run.Budget}
				for k, u := range us {
					if e != nil || u < 0 {
						continue
					}
					name := curveCols[k]
					if c := strings.TrimSpace(cells[u]); name != "loss" && (c == "" || c == "0") {
						continue // an optional column may be empty or 0 (a curve's first point)
					}
					*dsts[k], e = num(u, name)
				}
			} else if table {
				run.Loss, e = num(iL, "loss")
			} else if run.Params, e = num(iP, "params"); e == nil {
				if run.Loss, e = num(iL, "loss"); e == nil && iT >= 0 {
					run.Tokens, e = num(iT, "tokens")
				}
				if e == nil && iC >= 0 {
					run.FLOPs, e = num(iC, "flops")
				}
				if e == nil && iB >= 0 {
					run.Budget, e = num(iB, "budget")
				}
			}
			if e == nil && curves {
				switch {
				case run.Params == 0:
				case s.Derived == "tokens" && run.FLOPs > 0:
					run.Tokens = run.FLOPs / (6 * run.Params)
				case s.Derived == "flops" && run.Tokens > 0:
					run.FLOPs = 6 * run.Params * run.Tokens
				}
				if math.IsInf(run.FLOPs, 0) || math.IsInf(run.Tokens, 0) {
					e = &Error{File: t.file, Line: rec.line, Msg: "derived tokens or flops out of the range of a float64"}
				}
			} else if e == nil && !table {
				switch {
				case iT < 0:
					run.Tokens = run.FLOPs / (6 * run.Params)
				case iC < 0:
					run.FLOPs = 6 * run.Params * run.Tokens
				}
				if run.FLOPs == 0 || math.IsInf(run.FLOPs, 0) || run.Tokens == 0 || math.IsInf(run.Tokens, 0) {
					e = &Error{File: t.file, Line: rec.line, Msg: "derived tokens or flops out of the range of a float64"}
				}
			}
			if e != nil {
				if err := fail(e); err != nil {
					return nil, err
				}
				continue
			}
			if iG >= 0 {
				run.Group = strings.TrimSpace(cells[iG])
				if run.Group == "" {
					run.Group = EmptyGroup
				}
				run.Group = intern(groups, run.Group)
			}
			if iR >= 0 {
				if id != lastID {
					lastIDv = intern(ids, id)
					lastID = lastIDv
				}
				run.ID = lastIDv
			}
			if isAggregate(id) || len(rec.fields) > 0 && isAggregate(rec.fields[0]) {
				aggregates = append(aggregates, fmt.Sprintf("%s:%d", t.file, rec.line))
			}
			if len(s.extras)+W*4 > locMask {
				return nil, &Error{File: t.file, Line: rec.line, Msg: "input too large: more than 16 TB of cells"}
			}
			if len(all) == 4096 && len(s.extras) > 0 {
				// Size the cells once from the first rows, rather than growing them by
				// a quarter at a time (which allocates about five times their size).
				est := int(1.25 * float64(len(s.extras)) / float64(len(all)) * float64(rows))
				s.extras = append(make([]byte, 0, est), s.extras...)
			}
			for u, p := range s.xpos {
				if p >= 0 {
					s.extras = binary.AppendUvarint(s.extras, uint64(len(cells[u])))
					s.extras = append(s.extras, cells[u]...)
				}
			}
			all = append(all, run)
		}
	}
	s.Read = len(all)
	if meta != nil {
		var unknown []string
		n := 0
		for _, id := range meta.order {
			if r := meta.rows[id]; !r.used {
				n++
				if len(unknown) < 5 {
					unknown = append(unknown, fmt.Sprintf("%q (line %d)", clip(id), r.line))
				}
			}
		}
		if n > 0 {
			more := ""
			if n > len(unknown) {
				more = fmt.Sprintf(" and %d more", n-len(unknown))
			}
			s.Warnings = append(s.Warnings, warn.New("meta-unknown-run", "%s: %d metadata row(s) name runs that are not in the data: %s%s; check the run ids (or the --run-col of the metadata)", meta.t.file, n, strings.Join(unknown, ", "), more))
		}
		note(fmt.Sprintf("metadata joined on the run id from %s (%d runs)", meta.t.file, len(meta.order)))
		if conflicts > 0 {
			s.Warnings = append(s.Warnings, warn.New("meta-conflict", "%d row(s) have a value that --meta %s contradicts (the data's value is used): %s", conflicts, meta.t.file, conflict))
		}
	}
	if s.Skipped > 0 {
		s.Warnings = append(s.Warnings, warn.New("skipped-rows", "%d invalid row(s) skipped (--skip-invalid): %s%s", s.Skipped, strings.Join(skipped, "; "), moreText(s.Skipped, len(skipped))))
	}
	if s.Read == 0 {
		if s.Skipped > 0 {
			return nil, &Error{File: s.efile, Msg: fmt.Sprintf("no valid rows: all %d skipped (first: %s)", s.Skipped, skipped[0])}
		}
		return nil, &Error{File: s.efile, Line: s.hline, Msg: "header only: the file has no runs"}
	}
	if len(aggregates) > 0 {
		s.Warnings = append(s.Warnings, warn.New("aggregate-row", "%d row(s) labelled as a summary (mean, total, ...) are read as runs: %s; delete them, or --where to leave them out", len(aggregates), strings.Join(firstN(aggregates, 5), ", ")))
	} else if line, file, ok := meanRow(all); ok && !table && (!curves || iP >= 0 && iT >= 0) {
		s.Warnings = append(s.Warnings, warn.New("aggregate-row", "%s:%d has the mean params, tokens and loss of all rows: a summary row, not a run? Delete it, or --where to leave it out", file, line))
	}
	if !table && (!curves || iP >= 0 && (iT >= 0 || iC >= 0)) {
		s.Warnings = append(s.Warnings, unitWarningsOf(s, all)...)
	}
	s.Runs = all[:0]
	for i := range all {
		if where.Match(&all[i]) {
			s.Runs = append(s.Runs, all[i])
		}
	}
	if k := opts.DropHighestLoss; k > 0 && len(s.Runs) > 0 {
		losses := make([]float64, len(s.Runs))
		for i, r := range s.Runs {
			losses[i] = r.Loss
		}
		sort.Sort(sort.Reverse(sort.Float64Slice(losses)))
		if k > len(losses) {
			k = len(losses)
		}
		thr := losses[k-1]
		kept := s.Runs[:0]
		for _, r := range s.Runs {
			if r.Loss < thr {
				kept = append(kept, r)
			}
		}
		s.Runs = kept
	}
	if opts.Derive != nil {
		note("params and flops derived: " + opts.Derive.Name)
		for _, c := range []string{"params", "flops"} {
			if h, ok := s.Columns[c]; ok {
				note(fmt.Sprintf("the input's %s column %q is replaced by the derived values", c, h))
			}
		}
	}
	if cap(s.Runs) > 2*len(s.Runs)+1024 {
		s.Runs = append([]Run(nil), s.Runs...)
	}
	s.Excluded = s.Read - len(s.Runs)
	if len(s.Runs) == 0 {
		return nil, &Error{File: s.efile, Msg: fmt.Sprintf("no runs left after the filters (%d read)", s.Read)}
	}
	return s, nil
}

func firstN(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(xs[:n:n], fmt.Sprintf("and %d more", len(xs)-n))
}

func moreText(total, shown int) string {
	if total > shown {
		return fmt.Sprintf("; and %d more", total-shown)
	}
	return ""
}

// meanRow finds a row whose params, tokens and loss all equal the column means (to 1e-9
// relative): a summary row pasted under the runs. It needs at least 3 rows.
func meanRow(rs []Run) (line int, file string, ok bool) {
	if len(rs) < 3 {
		return 0, "", false
	}
	var n, d, l float64
	for _, r := range rs {
		n += r.Params
		d += r.Tokens
		l += r.Loss
	}
	k := float64(len(rs))
	n, d, l = n/k, d/k, l/k
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }
	for i := range rs {
		r := &rs[i]
		if near(r.Params, n) && near(r.Tokens, d) && near(r.Loss, l) {
			// A grid whose every row is alike is not a summary row.
			if near(rs[0].Params, n) && near(rs[len(rs)-1].Params, n) && near(rs[0].Loss, l) {
				return 0, "", false
			}
			return r.Line, r.File(), true
		}
	}
	return 0, "", false
}

// derive fills a run's params, loss, tokens, FLOPs and budget under Options.Derive.
func derive(s *Set, d *Deriver, run *Run, cells []string, colOf func(u int) int, num func(int, string) (float64, *Error), iL, iT, iB int, file string, line int) *Error {
	field := func(col string) string {
		if u, ok := s.index[normalize(col)]; ok {
			return cells[u]
		}
		return ""
	}
	p, fpt, col, err := d.Func(field)
	if err != nil {
		e := &Error{File: file, Line: line, Msg: err.Error()}
		if u, ok := s.index[normalize(col)]; ok && col != "" {
			e.Col = colOf(u)
		}
		return e
	}
	if !(p > 0) || !(fpt > 0) || math.IsInf(p, 0) || math.IsInf(fpt, 0) {
		return &Error{File: file, Line: line, Msg: fmt.Sprintf("derived params %g and FLOPs per token %g: want positive numbers", p, fpt)}
	}
	run.Params = p
	var e *Error
	if run.Loss, e = num(iL, "loss"); e != nil {
		return e
	}
	if run.Tokens, e = num(iT, "tokens"); e != nil {
		return e
	}
	if iB >= 0 {
		if run.Budget, e = num(iB, "budget"); e != nil {
			return e
		}
	}
	run.FLOPs = fpt * run.Tokens
	if math.IsInf(run.FLOPs, 0) {
		return &Error{File: file, Line: line, Msg: "derived flops out of the range of a float64"}
	}
	return nil
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
