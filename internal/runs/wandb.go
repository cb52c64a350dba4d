package runs

import (
	"fmt"
	"strings"
)

// Weights & Biases exports a chart as a "wide" CSV: the x-axis column first (Step, or a
// tokens column), then one column per run and metric named "<run> - <metric>", each with
// "<run> - <metric>__MIN" and "__MAX" companions (the range of the points the chart merged),
// and blanks where a run has no value at that x. wandbTable turns it into one row per
// (run, x): the x column, a run column holding the run name, and one column per metric.
// The __MIN/__MAX companions are left out (the summary says so).
//
// W&B's "long" export (one row per step, a Name column and one column per metric) is an
// ordinary CSV: its Name column is the run id.

const wandbSep = " - "

// isWideWandB reports whether a header looks like a wide W&B export: the first column is
// the x axis, and at least half of the others are "<run> - <metric>".
func isWideWandB(h []string) bool {
	if len(h) < 2 || strings.Contains(h[0], wandbSep) {
		return false
	}
	n := 0
	for _, c := range h[1:] {
		if strings.Contains(c, wandbSep) {
			n++
		}
	}
	return n > 0 && 2*n >= len(h)-1
}

// wandbTable reshapes a wide export. forced: the user said --input-format wandb, so the
// header must be one.
func wandbTable(src *table, forced bool) (*table, error) {
	h := src.headers
	if forced && len(h) < 2 {
		return nil, &Error{File: src.file, Line: src.hline, Msg: "want a W&B wide export: an x column (Step, tokens) then \"<run> - <metric>\" columns"}
	}
	type cell struct{ metric, col int } // metric index, source field index
	var runNames, metrics []string
	runIdx, metIdx := map[string]int{}, map[string]int{}
	var cells [][]cell // per run
	var dropped []string
	for i := 1; i < len(h); i++ {
		k := strings.LastIndex(h[i], wandbSep)
		if k < 0 {
			return nil, &Error{File: src.file, Line: src.hline, Col: i + 1,
				Msg: fmt.Sprintf("column %q: a W&B wide export names every column after the first \"<run> - <metric>\" (give --input-format csv if this is a plain table)", clip(h[i]))}
		}
		run, met := strings.TrimSpace(h[i][:k]), strings.TrimSpace(h[i][k+len(wandbSep):])
		if run == "" || met == "" {
			return nil, &Error{File: src.file, Line: src.hline, Col: i + 1, Msg: fmt.Sprintf("column %q: want \"<run> - <metric>\" with both parts", clip(h[i]))}
		}
		if strings.HasSuffix(met, "__MIN") || strings.HasSuffix(met, "__MAX") {
			dropped = append(dropped, h[i])
			continue
		}
		r, ok := runIdx[run]
		if !ok {
			r = len(runNames)
			runIdx[run] = r
			runNames = append(runNames, run)
			cells = append(cells, nil)
		}
		m, ok := metIdx[met]
		if !ok {
			m = len(metrics)
			metIdx[met] = m
			metrics = append(metrics, met)
		}
		for _, c := range cells[r] {
			if c.metric == m {
				return nil, &Error{File: src.file, Line: src.hline, Col: i + 1, Msg: fmt.Sprintf("column %q repeats run %q and metric %q (also column %d)", clip(h[i]), run, met, c.col+1)}
			}
		}
		cells[r] = append(cells[r], cell{m, i})
	}
	if len(runNames) == 0 {
		return nil, &Error{File: src.file, Line: src.hline, Msg: "a W&B export with no \"<run> - <metric>\" value columns (only __MIN/__MAX)"}
	}
	t := &table{file: src.file, format: FormatWandB, hline: src.hline, stem: src.stem,
		decimalComma: src.decimalComma, dropped: dropped, rows: src.rows * len(runNames)}
	t.headers = append([]string{h[0], "run"}, metrics...)
	t.hcols = make([]int, len(t.headers))
	t.hcols[0] = 1
	out := &record{fields: make([]string, len(t.headers)), cols: make([]int, len(t.headers))}
	var cur *record
	r := len(runNames)
	t.next = func() (*record, error) {
		for {
			if cur == nil || r == len(runNames) {
				var err error
				if cur, err = src.next(); err != nil {
					return nil, err
				}
				if cur.bad != nil {
					b := cur
					cur = nil
					return b, nil
				}
				r = 0
			}
			for ; r < len(runNames); r++ {
				any := false
				for _, c := range cells[r] {
					if strings.TrimSpace(cur.fields[c.col]) != "" {
						any = true
						break
					}
				}
				if !any {
					continue
				}
				for i := range out.fields {
					out.fields[i], out.cols[i] = "", 0
				}
				out.fields[0], out.cols[0] = cur.fields[0], 1
				out.fields[1] = runNames[r]
				for _, c := range cells[r] {
					out.fields[2+c.metric], out.cols[2+c.metric] = cur.fields[c.col], c.col+1
				}
				out.line = cur.line
				r++
				return out, nil
			}
		}
	}
	return t, nil
}
