package runs

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/warn"
)

// The last stage: put curve points whose tokens came from --meta at their step (place),
// warn about what the rows showed (the metadata, skipped and summary rows, units), and
// keep the runs --where and --drop-highest-loss select (filter).

// CodeMetaTotalsUnplaced warns that --meta gave a run's total tokens or flops, its log has
// several points and no step column to place them: every point reads the total.
const CodeMetaTotalsUnplaced = "meta-totals-unplaced"

// finish turns the rows into the Set.
func (l *loader) finish() error {
	s := l.s
	s.Read = len(l.all)
	if err := l.place(); err != nil {
		return err
	}
	l.metaWarnings()
	if s.Skipped > 0 {
		s.Warnings = append(s.Warnings, warn.New("skipped-rows", "%d invalid row(s) skipped (--skip-invalid): %s%s", s.Skipped, strings.Join(l.skipped, "; "), moreText(s.Skipped, len(l.skipped))))
	}
	if s.Read == 0 {
		if s.Skipped > 0 {
			return &Error{File: s.efile, Msg: fmt.Sprintf("no valid rows: all %d skipped (first: %s)", s.Skipped, l.skipped[0])}
		}
		return &Error{File: s.efile, Line: s.hline, Msg: "header only: the file has no runs"}
	}
	iP, iT, iC := l.iP >= 0 || s.Derived == "params", l.iT >= 0, l.iC >= 0
	if len(l.aggregates) > 0 {
		s.Warnings = append(s.Warnings, warn.New("aggregate-row", "%d row(s) labelled as a summary (mean, total, ...) are read as runs: %s; delete them, or --where to leave them out", len(l.aggregates), strings.Join(firstN(l.aggregates, 5), ", ")))
	} else if line, file, ok := meanRow(l.all); ok && !s.table && (!l.curves || iP && iT) {
		s.Warnings = append(s.Warnings, warn.New("aggregate-row", "%s:%d has the mean params, tokens and loss of all rows: a summary row, not a run? Delete it, or --where to leave it out", file, line))
	}
	if !s.table && (!l.curves || iP && (iT || iC)) {
		s.Warnings = append(s.Warnings, unitWarningsOf(s, l.all)...)
	}
	l.notes()
	return l.filter()
}

// place puts each point whose tokens or flops are its run's totals (from --meta) at its
// step: per-run metadata describes the run and never orders its points. At step s of a
// run whose last logged step is S, tokens = total x s / S (a constant batch size), and so
// are flops; when the log has its own tokens column, it wins, and only flops from --meta
// are scaled, by tokens / the run's last tokens. A point at step 0 has seen no tokens and
// is left out (noted).
func (l *loader) place() error {
	if len(l.placed) == 0 {
		return nil
	}
	s := l.s
	type span struct{ step, tokens float64 }
	last := map[string]span{}
	counts := map[string]int{}
	for _, p := range l.placed {
		r := &l.all[p.row]
		m := last[r.ID]
		if !math.IsNaN(p.step) {
			m.step = math.Max(m.step, p.step)
		}
		m.tokens = math.Max(m.tokens, r.Tokens)
		last[r.ID] = m
		counts[r.ID]++
	}
	dropped, unplaced, byStep, byTokens := map[int]bool{}, 0, 0, 0
	for _, p := range l.placed {
		r := &l.all[p.row]
		m := last[r.ID]
		if counts[r.ID] == 1 {
			continue // a run's only point is its final one: its totals stand
		}
		var f float64
		switch {
		case !p.tokens && m.tokens > 0: // tokens from the log, flops from --meta
			f = r.Tokens / m.tokens
			byTokens++
		case l.iS >= 0:
			f = p.step / m.step
			byStep++
		default:
			unplaced++
			continue
		}
		if !(f > 0) { // step 0, or a run logged only at step 0
			dropped[p.row] = true
			continue
		}
		if p.tokens {
			r.Tokens *= f
		}
		r.FLOPs *= f
		for _, c := range [...]struct {
			what, how string
			v         float64
		}{{"tokens", "the run's total x step / last step", r.Tokens}, {"flops", "the run's total x its share of the tokens", r.FLOPs}} {
			if c.v == 0 {
				continue
			}
			if err := limits.Derived(c.what, c.how, c.v); err != nil {
				return &Error{File: r.File(), Line: r.Line, Msg: err.Error()}
			}
		}
	}
	if len(dropped) > 0 {
		kept := l.all[:0]
		for i := range l.all {
			if !dropped[i] {
				kept = append(kept, l.all[i])
			}
		}
		l.all = kept
		l.note(fmt.Sprintf("%d point(s) at step 0 left out: they have seen no tokens", len(dropped)))
	}
	meta := l.meta.t.file
	if unplaced > 0 {
		s.Warnings = append(s.Warnings, warn.New(CodeMetaTotalsUnplaced, "%d point(s) read their run's total tokens or flops from --meta %s, and the log has no step column to place them: every point of a run reads the total, so its final point is not known; add a step column", unplaced, meta))
	}
	if byStep > 0 {
		l.note(fmt.Sprintf("tokens and flops at each point = the run's totals from --meta %s x step / last step (the log has steps, not tokens)", meta))
	}
	if byTokens > 0 {
		l.note(fmt.Sprintf("flops at each point = the run's total from --meta %s x tokens / the run's last tokens (the log's tokens column gives the tokens)", meta))
	}
	return nil
}

// metaWarnings reports metadata rows for runs not in the data, and contradicted values.
func (l *loader) metaWarnings() {
	meta, s := l.meta, l.s
	if meta == nil {
		return
	}
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
	l.note(fmt.Sprintf("metadata joined on the run id from %s (%d runs)", meta.t.file, len(meta.order)))
	if l.conflicts > 0 {
		s.Warnings = append(s.Warnings, warn.New("meta-conflict", "%d row(s) have a value that --meta %s contradicts (the data's value is used): %s", l.conflicts, meta.t.file, l.conflict))
	}
}

// notes says what was derived.
func (l *loader) notes() {
	s := l.s
	if s.Derived == "params" {
		l.note("params derived as N = flops / (6 tokens): the input has no params column")
	}
	if d := l.opts.Derive; d != nil {
		l.note("params and flops derived: " + d.Name)
		for _, c := range []string{"params", "flops"} {
			if h, ok := s.Columns[c]; ok {
				l.note(fmt.Sprintf("the input's %s column %q is replaced by the derived values", c, h))
			}
		}
	}
}

// filter keeps the runs --where selects, then drops the --drop-highest-loss highest.
func (l *loader) filter() error {
	s := l.s
	s.Runs = l.all[:0]
	for i := range l.all {
		if l.where.Match(&l.all[i]) {
			s.Runs = append(s.Runs, l.all[i])
		}
	}
	if k := l.opts.DropHighestLoss; k > 0 && len(s.Runs) > 0 {
		losses := make([]float64, len(s.Runs))
		for i, r := range s.Runs {
			losses[i] = r.Loss
		}
		sort.Sort(sort.Reverse(sort.Float64Slice(losses)))
		k = min(k, len(losses))
		thr := losses[k-1]
		kept := s.Runs[:0]
		for _, r := range s.Runs {
			if r.Loss < thr {
				kept = append(kept, r)
			}
		}
		s.Runs = kept
	}
	if cap(s.Runs) > 2*len(s.Runs)+1024 {
		s.Runs = append([]Run(nil), s.Runs...)
	}
	s.Excluded = s.Read - len(s.Runs)
	if len(s.Runs) == 0 {
		return &Error{File: s.efile, Msg: fmt.Sprintf("no runs left after the filters (%d read)", s.Read)}
	}
	return nil
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
	for i := range rs {
		n += rs[i].Params
		d += rs[i].Tokens
		l += rs[i].Loss
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
