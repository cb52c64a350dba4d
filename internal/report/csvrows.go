package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"

	"github.com/scalefit/scalefit/internal/warn"
)

// WriteRowsCSV writes a slice of structs as machine-readable CSV: one row per element, one
// column per JSON field (in struct order, the union over rows), numbers at full precision,
// two-element arrays (intervals) split into NAME_lo and NAME_hi. Tables for people are the
// other formats' job; this one is for spreadsheets and pandas.
func WriteRowsCSV(w io.Writer, rows any) error {
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var objs []json.RawMessage
	if err := dec.Decode(&objs); err != nil {
		return err
	}
	var header []string
	seen := map[string]bool{}
	var records []map[string]string
	for _, raw := range objs {
		keys, vals, err := flattenObject(raw)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				header = append(header, k)
			}
		}
		records = append(records, vals)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range records {
		line := make([]string, len(header))
		for i, k := range header {
			line[i] = r[k]
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// flattenObject reads one JSON object keeping its key order; [lo, hi] arrays become two
// columns, other arrays and objects are written as JSON text.
func flattenObject(raw json.RawMessage) ([]string, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("csv rows: want objects")
	}
	var keys []string
	vals := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		switch x := v.(type) {
		case []any:
			if len(x) == 2 {
				keys = append(keys, key+"_lo", key+"_hi")
				vals[key+"_lo"], vals[key+"_hi"] = cell(x[0]), cell(x[1])
				continue
			}
			keys = append(keys, key)
			vals[key] = cell(x)
		default:
			keys = append(keys, key)
			vals[key] = cell(x)
		}
	}
	return keys, vals, nil
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case json.Number:
		return x.String()
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// WriteFitCSV writes a fit document as one tidy table: a row per quantity, with its group,
// law, approach, kind (param, exponent, diagnostic, allocation, budget, holdout, warning,
// skipped), the budget in FLOPs where it applies, the value at full precision, its 95%
// interval when there is one, and text (status strings, warnings).
func WriteFitCSV(w io.Writer, d *Document) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"group", "law", "approach", "kind", "flops", "name", "value", "lo", "hi", "text"})
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, f := range d.Fits {
		ap := ""
		if f.Approach > 0 {
			ap = strconv.Itoa(f.Approach)
		}
		row := func(kind string, flops float64, name string, v float64, iv *[2]float64, text string) {
			fl, lo, hi := "", "", ""
			if flops > 0 {
				fl = num(flops)
			}
			if iv != nil {
				lo, hi = num(iv[0]), num(iv[1])
			}
			val := num(v)
			if kind == "warning" || (text != "" && v == 0 && name == "status") {
				val = ""
			}
			cw.Write([]string{f.Group, f.Law, ap, kind, fl, name, val, lo, hi, text})
		}
		interval := func(k string) *[2]float64 {
			if iv, ok := f.Intervals[k]; ok {
				p := [2]float64(iv)
				return &p
			}
			return nil
		}
		for _, k := range sortedKeys(f.Params) {
			row("param", 0, k, f.Params[k], interval(k), "")
		}
		if f.A != nil {
			row("exponent", 0, "a", *f.A, interval("a"), "N_opt ∝ C^a")
			row("exponent", 0, "b", *f.B, interval("b"), "D_opt ∝ C^b")
		}
		if f.Objective != nil {
			row("diagnostic", 0, "objective", *f.Objective, nil, f.Loss)
		}
		if f.Converged != nil {
			c := 0.0
			if *f.Converged {
				c = 1
			}
			row("diagnostic", 0, "converged", c, nil, f.Status)
		}
		if f.GradNorm != nil {
			row("diagnostic", 0, "grad_norm", *f.GradNorm, nil, "")
		}
		if f.Starts > 0 {
			row("diagnostic", 0, "starts", float64(f.Starts), nil, "")
			row("diagnostic", 0, "starts_at_best", float64(f.StartsAtBest), nil, "")
		}
		if f.RMSE != nil {
			row("diagnostic", 0, "rmse_log_loss", *f.RMSE, nil, "")
		}
		if f.Resamples > 0 {
			row("diagnostic", 0, "resamples", float64(f.Resamples), nil, "")
		}
		for _, a := range f.Allocations {
			row("allocation", a.FLOPs, "n_opt", a.NOpt, a.NInterval, "")
			row("allocation", a.FLOPs, "d_opt", a.DOpt, a.DInterval, "")
			row("allocation", a.FLOPs, "tokens_per_param", a.TokensPerParam, nil, "")
			if a.Loss != 0 {
				row("allocation", a.FLOPs, "loss", a.Loss, a.LossInterval, "")
			}
		}
		for _, b := range f.Budgets {
			text := "accepted"
			if !b.Accepted {
				text = "rejected: " + b.Reason
			}
			row("budget", b.FLOPs, "sizes", float64(b.Sizes), nil, text)
			if b.NOpt > 0 {
				row("budget", b.FLOPs, "n_opt", b.NOpt, nil, text)
				row("budget", b.FLOPs, "loss", b.Loss, nil, text)
			}
		}
		if h := f.Holdout; h != nil {
			for _, r := range h.Runs {
				id := r.ID
				if id == "" {
					id = "line " + strconv.Itoa(r.Line)
				}
				row("holdout", r.FLOPs, "relative_error", r.RelError, nil, id)
			}
			row("holdout", 0, "mean_abs_relative_error", h.MeanAbsRE, nil, h.Expr)
		}
		for _, w := range f.Warnings {
			row("warning", 0, "", 0, nil, w.Qualified())
		}
	}
	for _, w := range d.Warnings {
		if !fitWarning(d, w) {
			cw.Write([]string{"", "", "", "warning", "", "", "", "", "", w.Qualified()})
		}
	}
	for _, s := range d.Skipped {
		ap := ""
		if s.Approach > 0 {
			ap = strconv.Itoa(s.Approach)
		}
		cw.Write([]string{s.Group, s.Law, ap, "skipped", "", "", "", "", "", s.Reason})
	}
	cw.Flush()
	return cw.Error()
}

// fitWarning reports whether a document-level warning repeats one of a fit's own warnings
// (which the fit's rows already carry): the same Code and Msg, whatever the context.
func fitWarning(d *Document, dw warn.Warning) bool {
	for _, f := range d.Fits {
		for _, w := range f.Warnings {
			if warn.Same(dw, w) {
				return true
			}
		}
	}
	return false
}

// paramOrder is the order parameters are listed in; others follow alphabetically.
var paramOrder = []string{"E", "A", "B", "alpha", "beta", "Nc", "Dc", "alpha_N", "alpha_D", "k", "k_d", "r2"}

func sortedKeys(m map[string]float64) []string {
	var out []string
	for _, k := range paramOrder {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(paramOrder, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
