package runs

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
)

// The row stage: every record of every table becomes a Run. A row's cells are gathered
// from its table, --meta (joined on the run id) and --run-pattern (cells), its numbers are
// read by the layout's rule (numbers), and the Run is stored with its other cells (store).
// Nothing here allocates per row: TestNoPerRowAllocation and TestNoRunEscape keep it so.

// origin says where a cell came from, for error messages.
type origin struct {
	file      string
	line, col int
	header    string
	objs      []string
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

// placement is a point whose tokens or flops are its run's totals from --meta: finish puts
// it at its step (see place).
type placement struct {
	row    int     // index in all
	step   float64 // the row's step, NaN when the table has none
	tokens bool    // tokens came from --meta (else only flops did)
}

// rowStage prepares the row stage's scratch.
func (l *loader) rowStage() {
	W := len(l.s.Headers)
	for _, t := range l.tables {
		l.rows += t.rows
	}
	l.all = make([]Run, 0, l.rows)
	l.ids, l.groups = map[string]string{}, map[string]string{}
	l.lastID = "\x00"
	l.cells = make([]string, W)
	l.from = make([]int8, W)
	l.fromTable = make([]int, W)
	l.uscale = make([]float64, W)
}

// readTable reads every row of table ti.
func (l *loader) readTable(ti int) error {
	t := l.tables[ti]
	l.ti, l.t = ti, t
	for u := range l.fromTable {
		l.fromTable[u], l.uscale[u] = -1, 1
	}
	for i, c := range l.tcols[ti] {
		l.fromTable[c.u], l.uscale[c.u] = i, c.scale
	}
	l.stemID = l.iR >= 0 && l.fromTable[l.iR] < 0
	for {
		rec, err := t.next()
		if err == io.EOF {
			t.close()
			return nil
		}
		if err != nil {
			return wrapIO(t.file, err)
		}
		if err := l.row(rec); err != nil {
			return err
		}
	}
}

// fail returns a bad row's error, or counts it under --skip-invalid (nil).
func (l *loader) fail(e *Error) error {
	if !l.opts.SkipInvalid {
		if !strings.Contains(e.Msg, "--skip-invalid") {
			e.Msg += " (--skip-invalid skips such rows, with a warning)"
		}
		return e
	}
	l.s.Skipped++
	if len(l.skipped) < 5 {
		l.skipped = append(l.skipped, e.Error())
	}
	return nil
}

// row reads one record into a Run.
func (l *loader) row(rec *record) error {
	if rec.bad != nil {
		return l.fail(rec.bad)
	}
	clear(l.cells)
	clear(l.from)
	tc := l.tcols[l.ti]
	for i, f := range rec.fields {
		l.cells[tc[i].u] = f
	}
	id := ""
	if l.iR >= 0 {
		if l.stemID {
			l.cells[l.iR] = l.t.stem
		}
		id = l.cells[l.iR]
	}
	if l.meta != nil {
		if e := l.joinMeta(rec, id); e != nil {
			return l.fail(e)
		}
	}
	if l.pat != nil {
		if e := l.joinPattern(rec, id); e != nil {
			return l.fail(e)
		}
	}
	run := Run{Line: rec.line, set: l.s, loc: uint64(l.ti)<<locShift | uint64(len(l.s.extras))}
	if e := l.numbers(rec, &run); e != nil {
		return l.fail(e)
	}
	if l.meta != nil {
		if e := l.placeLater(rec, &run); e != nil {
			return l.fail(e)
		}
	}
	return l.store(rec, &run, id)
}

// joinMeta fills the row's empty cells from its run's --meta row.
func (l *loader) joinMeta(rec *record, id string) *Error {
	meta, t := l.meta, l.t
	key := strings.TrimSpace(id)
	mrow, ok := meta.rows[key]
	if !ok {
		return &Error{File: t.file, Line: rec.line, Msg: fmt.Sprintf("run %q has no row in --meta %s: add one (its run column holds the ids)%s", clip(key), meta.t.file, didYouMean(key, meta.order))}
	}
	l.mrow = mrow
	mrow.used = true
	for i, u := range meta.cols {
		if u < 0 || i >= len(mrow.fields) {
			continue
		}
		mv, dv := strings.TrimSpace(mrow.fields[i]), strings.TrimSpace(l.cells[u])
		switch {
		case dv == "":
			l.cells[u], l.from[u] = mrow.fields[i], fromMeta
		case mv != "" && mv != dv:
			// Both give a value: the data's wins; a different one is worth a warning, except
			// a curve point's tokens or flops beside the run's totals.
			if l.iS >= 0 && (u == l.iT || u == l.iC) {
				continue
			}
			differ := true
			if l.s.slot[u] != slotExtra && l.s.slot[u] != slotRun {
				a, errA := parseCell(dv, t.decimalComma)
				b, errB := parseCell(mv, meta.t.decimalComma)
				da, db := a*l.uscale[u], b*l.metaScaleU[u]
				differ = errA != nil || errB != nil || math.Abs(da-db) > 1e-9*math.Abs(da)
			}
			if differ {
				l.conflicts++
				if l.conflict == "" {
					l.conflict = fmt.Sprintf("%s:%d has %s %q, %s:%d says %q", t.file, rec.line, l.s.Headers[u], clip(dv), meta.t.file, mrow.line, clip(mv))
				}
			}
		}
	}
	return nil
}

// joinPattern fills the row's empty cells from the named groups of --run-pattern.
func (l *loader) joinPattern(rec *record, id string) *Error {
	m := l.pat.re.FindStringSubmatch(id)
	if m == nil {
		return &Error{File: l.t.file, Line: rec.line, Msg: fmt.Sprintf("run %q does not match --run-pattern %s", clip(id), l.pat.re)}
	}
	for i, u := range l.pat.cols {
		if u >= 0 && strings.TrimSpace(l.cells[u]) == "" {
			l.cells[u], l.from[u] = m[i], fromPattern
		}
	}
	return nil
}

// origin says where cell u of rec came from.
func (l *loader) origin(rec *record, u int) origin {
	switch l.from[u] {
	case fromMeta:
		i := indexOf(l.meta.cols, u)
		return origin{file: l.meta.t.file, line: l.mrow.line, col: l.meta.t.hcol(i), header: l.meta.t.headers[i]}
	case fromPattern:
		return origin{file: l.t.file, line: rec.line, header: "--run-pattern group " + l.s.Headers[u]}
	}
	o := origin{file: l.t.file, line: rec.line, header: l.s.Headers[u], objs: rec.objs}
	if i := l.fromTable[u]; i >= 0 {
		o.header = l.t.headers[i]
		o.col = l.t.hcol(i)
		if i < len(rec.fields) {
			o.col = rec.col(i)
		}
	}
	return o
}

// num reads cell u as a positive number within the cap of its column what.
func (l *loader) num(rec *record, u int, what string) (float64, *Error) {
	dc, scale := l.t.decimalComma, l.uscale[u]
	switch l.from[u] {
	case fromMeta:
		dc, scale = l.meta.t.decimalComma, l.metaScaleU[u]
	case fromPattern:
		dc, scale = false, 1
	}
	c := l.cells[u]
	v, err := parseCell(c, dc)
	if err == nil && what == "loss" && l.s.table && l.opts.TableLoss != nil && l.opts.TableLoss.Signed {
		if math.Abs(v*scale) <= limits.MaxLoss {
			return v * scale, nil
		}
		err = fmt.Errorf("%q: want a number from %s to %s", clip(c), limits.Num(-limits.MaxLoss), limits.Num(limits.MaxLoss))
	}
	if err == nil && v > 0 {
		if err = limits.Column(what, v*scale); err == nil {
			return v * scale, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("%q: want a positive number", clip(c))
	}
	return 0, l.numError(rec, u, what, err)
}

func (l *loader) numError(rec *record, u int, what string, err error) *Error {
	o := l.origin(rec, u)
	label := what
	if o.col == 0 && o.header != "" && NormalizeHeader(o.header) != what {
		label = fmt.Sprintf("%s (%s)", what, o.header)
	}
	msg := fmt.Sprintf("%s %v", label, err)
	if strings.TrimSpace(l.cells[u]) == "" {
		for _, k := range o.objs {
			if NormalizeHeader(k) == NormalizeHeader(l.s.Headers[u]) {
				msg = fmt.Sprintf("%s: %q is a JSON object on this line, want a number: name one of its fields (%s/...)", label, k, k)
			}
		}
	}
	return &Error{File: o.file, Line: o.line, Col: o.col, Msg: msg}
}

// numbers reads the row's params, tokens, flops, loss and budget by the layout's rule and
// derives the missing one with C = 6ND, within the caps of internal/limits.
func (l *loader) numbers(rec *record, run *Run) *Error {
	var e *Error
	switch {
	case l.opts.Derive != nil:
		return l.derive(rec, run)
	case l.curves:
		return l.curvePoint(rec, run)
	case l.s.table: // the family reads its own columns
		run.Loss, e = l.num(rec, l.iL, "loss")
		return e
	}
	if l.iP >= 0 {
		if run.Params, e = l.num(rec, l.iP, "params"); e != nil {
			return e
		}
	}
	if run.Loss, e = l.num(rec, l.iL, "loss"); e != nil {
		return e
	}
	if l.iT >= 0 {
		if run.Tokens, e = l.num(rec, l.iT, "tokens"); e != nil {
			return e
		}
	}
	if l.iC >= 0 {
		if run.FLOPs, e = l.num(rec, l.iC, "flops"); e != nil {
			return e
		}
	}
	if l.iB >= 0 {
		if run.Budget, e = l.num(rec, l.iB, "budget"); e != nil {
			return e
		}
	}
	return l.derived(rec, run)
}

// curvePoint reads a point of LayoutCurves: loss required, the other columns optional (an
// empty cell or 0 reads as 0, a curve's first point often has no tokens).
func (l *loader) curvePoint(rec *record, run *Run) *Error {
	// The columns and the destinations are separate arrays: a name reaches an error
	// message (the heap), and sharing a struct with it would move run there too.
	us := [...]int{l.iP, l.iL, l.iT, l.iC, l.iB}
	dsts := [...]*float64{&run.Params, &run.Loss, &run.Tokens, &run.FLOPs, &run.Budget}
	for k, u := range us {
		if u < 0 {
			continue
		}
		name := curveCols[k]
		if c := strings.TrimSpace(l.cells[u]); name != "loss" && (c == "" || c == "0") {
			continue
		}
		var e *Error
		if *dsts[k], e = l.num(rec, u, name); e != nil {
			return e
		}
	}
	return l.derived(rec, run)
}

// curveCols names the numeric columns a curve point reads, in the order curvePoint reads them.
var curveCols = [...]string{"params", "loss", "tokens", "flops", "budget"}

// derived computes the column the input lacks (Set.Derived) with C = 6ND and checks it
// against its cap: 6 x 1e29 x 1e29 is no compute budget.
func (l *loader) derived(rec *record, run *Run) *Error {
	var what, how string
	var v float64
	switch l.s.Derived {
	case "tokens":
		if run.Params == 0 || run.FLOPs == 0 {
			return nil // a curve point without them
		}
		run.Tokens = run.FLOPs / (6 * run.Params)
		what, how, v = "tokens", "flops / (6 params)", run.Tokens
	case "flops":
		if run.Params == 0 || run.Tokens == 0 {
			return nil
		}
		run.FLOPs = 6 * run.Params * run.Tokens
		what, how, v = "flops", "6 x params x tokens", run.FLOPs
	case "params":
		if run.FLOPs == 0 || run.Tokens == 0 {
			return nil
		}
		run.Params = run.FLOPs / (6 * run.Tokens)
		what, how, v = "params", "flops / (6 tokens)", run.Params
	default:
		return nil
	}
	if err := limits.Derived(what, how, v); err != nil {
		return &Error{File: l.t.file, Line: rec.line, Msg: err.Error()}
	}
	return nil
}

// derive reads a row under Options.Derive: params and FLOPs per token from the row's
// architecture columns, loss, tokens and budget from their own; FLOPs = per token x tokens.
func (l *loader) derive(rec *record, run *Run) *Error {
	d := l.opts.Derive
	p, fpt, col, err := d.Func(l.field)
	if err != nil {
		e := &Error{File: l.t.file, Line: rec.line, Msg: err.Error()}
		if u, ok := l.s.index[NormalizeHeader(col)]; ok && col != "" {
			e.Col = l.origin(rec, u).col
		}
		return e
	}
	if !(p > 0) || !(fpt > 0) || math.IsInf(p, 0) || math.IsInf(fpt, 0) {
		return &Error{File: l.t.file, Line: rec.line, Msg: fmt.Sprintf("derived params %g and FLOPs per token %g: want positive numbers", p, fpt)}
	}
	if err := limits.Derived("params", d.Name, p); err != nil {
		return &Error{File: l.t.file, Line: rec.line, Msg: err.Error()}
	}
	run.Params = p
	var e *Error
	if run.Loss, e = l.num(rec, l.iL, "loss"); e != nil {
		return e
	}
	if run.Tokens, e = l.num(rec, l.iT, "tokens"); e != nil {
		return e
	}
	if l.iB >= 0 {
		if run.Budget, e = l.num(rec, l.iB, "budget"); e != nil {
			return e
		}
	}
	run.FLOPs = fpt * run.Tokens
	if err := limits.Derived("flops", "FLOPs per token x tokens", run.FLOPs); err != nil {
		return &Error{File: l.t.file, Line: rec.line, Msg: err.Error()}
	}
	return nil
}

// field is the current row's cell of column col (Deriver.Func reads the row through it).
func (l *loader) field(col string) string {
	if u, ok := l.s.index[NormalizeHeader(col)]; ok {
		return l.cells[u]
	}
	return ""
}

// placeLater notes a point whose tokens or flops came from --meta (its run's totals):
// finish puts it at its step.
func (l *loader) placeLater(rec *record, run *Run) *Error {
	metaC := l.iC >= 0 && l.from[l.iC] == fromMeta
	// tokens derived from --meta's flops are the run's total too
	tok := l.iT >= 0 && l.from[l.iT] == fromMeta || l.s.Derived == "tokens" && metaC
	if !tok && !metaC {
		return nil
	}
	step := math.NaN()
	if l.iS >= 0 {
		v, err := ParseStep(l.cells[l.iS])
		if err != nil {
			return l.numError(rec, l.iS, "step", err)
		}
		step = v
	}
	if l.placed == nil {
		l.placed = make([]placement, 0, l.rows)
	}
	l.placed = append(l.placed, placement{row: len(l.all), step: step, tokens: tok})
	return nil
}

// store interns the run's id and group, keeps its other cells and appends it.
func (l *loader) store(rec *record, run *Run, id string) error {
	s := l.s
	if l.iG >= 0 {
		g := strings.TrimSpace(l.cells[l.iG])
		if g == "" {
			g = EmptyGroup
		}
		run.Group = intern(l.groups, g)
	}
	if l.iR >= 0 {
		if id != l.lastID {
			l.lastIDv = intern(l.ids, id)
			l.lastID = l.lastIDv
		}
		run.ID = l.lastIDv
	}
	if isAggregate(id) || len(rec.fields) > 0 && isAggregate(rec.fields[0]) {
		l.aggregates = append(l.aggregates, fmt.Sprintf("%s:%d", l.t.file, rec.line))
	}
	if len(s.extras)+len(s.Headers)*4 > locMask {
		return &Error{File: l.t.file, Line: rec.line, Msg: "input too large: more than 16 TB of cells"}
	}
	if len(l.all) == 4096 && len(s.extras) > 0 {
		// Size the cells once from the first rows, rather than growing them by a quarter
		// at a time (which allocates about five times their size).
		est := int(1.25 * float64(len(s.extras)) / float64(len(l.all)) * float64(l.rows))
		s.extras = append(make([]byte, 0, est), s.extras...)
	}
	for u, p := range s.xpos {
		if p >= 0 {
			s.extras = binary.AppendUvarint(s.extras, uint64(len(l.cells[u])))
			s.extras = append(s.extras, l.cells[u]...)
		}
	}
	l.all = append(l.all, *run)
	return nil
}

// intern returns the one copy of v kept in m.
func intern(m map[string]string, v string) string {
	if w, ok := m[v]; ok {
		return w
	}
	w := strings.Clone(v)
	m[w] = w
	return w
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// ParseStep reads a step of a loss curve: a whole number from 0 to limits.MaxStep.
func ParseStep(text string) (float64, error) {
	v, err := ParseQuantity(text)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q: want a whole number of steps", clip(text))
	case v < 0 || v != math.Trunc(v):
		return 0, fmt.Errorf("%s: want a whole number of steps", limits.Num(v))
	case v > limits.MaxStep:
		return 0, fmt.Errorf("%s: beyond the cap of %s steps (internal/limits)", limits.Num(v), limits.Num(limits.MaxStep))
	}
	return v, nil
}
