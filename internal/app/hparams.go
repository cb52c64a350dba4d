package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/hparams"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
)

// CodeBatchUnit: a sweep's batch sizes look like sequences, not tokens.
const CodeBatchUnit = "batch-unit"

// hparamsColumns are the per-run columns of a hyper-parameter sweep beyond params, tokens and
// loss.
var hparamsColumns = family.Info{Name: "hparams", Columns: []family.Column{
	{Name: "lr", Aliases: []string{"learning_rate", "peak_lr", "lr_peak", "max_lr", "lr_max", "eta"}, ColFlag: "lr-col",
		Doc: "the peak learning rate of the run's schedule"},
	{Name: "batch", Aliases: []string{"batch_size", "batch_tokens", "bs", "global_batch_size", "tokens_per_batch", "batch_seqs", "batch_sequences"},
		ColFlag: "batch-col", Doc: "the batch size: tokens per optimiser step, or sequences with --seq-len"},
}}

// maxSequenceBatch: a sweep whose every batch is at most this many "tokens" most likely gave
// sequences (2^13 tokens per step is below any language-model pre-training batch).
const maxSequenceBatch = 8192

// HparamsFitRequest fits hyper-parameter laws to a sweep of runs over learning rate and batch
// size (`scalefit hparams fit`).
type HparamsFitRequest struct {
	Inputs Inputs
	// LRCol and BatchCol name the columns holding the peak lr and the batch size ("": found
	// by name and aliases).
	LRCol, BatchCol string
	// SeqLen, when > 0, says the batch column holds sequences of SeqLen tokens (tokens =
	// batch × SeqLen); otherwise it holds tokens per step.
	SeqLen    float64
	Bootstrap int
	Seed      uint64
	Workers   int
	// Bandwidth is the kernel width in octaves (0: hparams.DefaultBandwidth).
	Bandwidth float64
	// Output, when set, receives the JSON contract (the same object --format json writes),
	// written atomically.
	Output string
	// Plots, when set, is a directory that receives hparams-basins.EXT and hparams-laws.EXT
	// (PlotFormat png, svg or pdf; "" png).
	Plots, PlotFormat string
	Progress          func(done, total int)
}

// Validate checks the request; errors are usage errors.
func (r *HparamsFitRequest) Validate() error {
	if len(r.Inputs.Paths) == 0 {
		return Usagef("hparams fit needs a SWEEP file (runs with params, tokens, lr, batch and loss columns)")
	}
	if r.Inputs.Options.GroupCol != "" {
		return Usagef("--group does not apply to hparams fit: runs are grouped by (params, tokens); fit each sweep separately (--where)")
	}
	if r.Bootstrap < 0 || r.Bootstrap > limits.MaxBootstrap {
		return Usagef("--bootstrap %d: want 0 to %d resamples", r.Bootstrap, limits.MaxBootstrap)
	}
	if r.SeqLen < 0 || r.SeqLen > limits.MaxContext || (r.SeqLen > 0 && r.SeqLen < 1) || r.SeqLen != math.Trunc(r.SeqLen) {
		return Usagef("--seq-len %g: want a whole number of tokens per sequence from 1 to %d", r.SeqLen, limits.MaxContext)
	}
	if r.Bandwidth < 0 || math.IsNaN(r.Bandwidth) {
		return Usagef("--bandwidth %g: want a positive number of octaves", r.Bandwidth)
	}
	if r.Plots != "" {
		if _, err := plot.Format("x." + r.plotExt()); err != nil {
			return Usagef("--plot-format %q: want png, svg or pdf", r.PlotFormat)
		}
	}
	return nil
}

func (r *HparamsFitRequest) plotExt() string {
	if r.PlotFormat == "" {
		return "png"
	}
	return r.PlotFormat
}

// HparamsFitResult is a hyper-parameter fit.
type HparamsFitResult struct {
	Fit     *hparams.Result
	Doc     *hparams.Document
	Set     *runs.Set
	SeqLen  float64
	Figures []string // files written under Plots
	notes   []string
	warns   []warn.Warning
}

// Contract is the hparams fit document (also what -o writes).
func (r *HparamsFitResult) Contract() any { return r.Doc }

// Warnings are the input's and the fit's warnings.
func (r *HparamsFitResult) Warnings() []warn.Warning { return r.warns }

// NotConverged is empty: the bowls and laws are least-squares fits in closed form (a group
// without an optimum is a warning, open-basin).
func (r *HparamsFitResult) NotConverged() []string { return nil }

// Blocks are the laws (with intervals), the basins' flatness and the optima per group.
func (r *HparamsFitResult) Blocks(format.Output) []doc.Block {
	return []doc.Block{HparamsLawsTable(r.Doc), r.optimaTable()}
}

// HparamsLawsTable is the table of a fit's two laws (report uses it too).
func HparamsLawsTable(d *hparams.Document) *doc.Table {
	t := &doc.Table{Title: "Hyper-parameter laws: value = coef · N^exp_params · D^exp_tokens (N non-embedding parameters, D tokens)",
		Header: []string{"law", "coef", "exp_params", "exp_tokens", "groups", "scatter"}}
	for _, l := range []struct {
		name string
		l    hparams.LawDoc
	}{{"peak lr", d.LRLaw}, {"batch (tokens)", d.BatchLaw}} {
		cell := func(k string, v float64, fixed bool) string {
			if fixed {
				return "0 (fixed)"
			}
			s := format.Float(v, 4)
			if iv, ok := l.l.Intervals[k]; ok {
				s += " " + format.Interval(iv, func(x float64) string { return format.Float(x, 3) })
			}
			return s
		}
		t.AddRow(l.name, cell("coef", l.l.Coef, false), cell("exp_params", l.l.ExpParams, l.l.FixedParams),
			cell("exp_tokens", l.l.ExpTokens, l.l.FixedTokens), fmt.Sprint(l.l.Groups), "x"+format.Float(math.Exp(l.l.ResidualSD), 3))
	}
	if d.Method.Bootstrap > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("[lo, hi]: 95%% bootstrap intervals (%d resamples of the runs within each (N, D) group, seed %d)", d.Method.Bootstrap, d.Method.Seed))
	}
	t.Notes = append(t.Notes, "scatter: the groups' optima about the law (geometric standard deviation)")
	if p := d.Penalty2x; p.LR != nil || p.Batch != nil {
		t.Notes = append(t.Notes, "2x off the optimum costs "+penaltyText(p.LR, d.Penalty2xRelative.LR)+" in lr and "+
			penaltyText(p.Batch, d.Penalty2xRelative.Batch)+" in batch (median over groups)")
	}
	unit := "batch in tokens per optimiser step"
	if d.SeqLen != nil {
		unit += fmt.Sprintf(" (the input's sequences × --seq-len %g)", *d.SeqLen)
	}
	t.Notes = append(t.Notes, unit+"; lr is the peak learning rate of the runs' schedule")
	return t
}

func penaltyText(abs, rel *float64) string {
	if abs == nil {
		return "(not located)"
	}
	s := format.Float(*abs, 3) + " nats"
	if rel != nil {
		s += " (" + format.Percent(*rel) + ")"
	}
	return s
}

func (r *HparamsFitResult) optimaTable() *doc.Table {
	t := &doc.Table{Title: "Optimum per (N, D) group (the vertex of the fitted bowl)",
		Header: []string{"N", "D", "runs", "lr", "batch", "loss", "2x lr", "2x batch", "note"}}
	opt := func(p *float64, f func(float64) string) string {
		if p == nil {
			return "-"
		}
		return f(*p)
	}
	f3 := func(x float64) string { return format.Float(x, 3) }
	for _, o := range r.Doc.Optima {
		var note []string
		if o.LRAtEdge {
			note = append(note, "lr at edge")
		}
		if o.BatchAtEdge {
			note = append(note, "batch at edge")
		}
		if o.LR == nil || o.BatchTokens == nil {
			note = append(note, "not located")
		}
		t.AddRow(format.Count(o.Params), format.Count(o.Tokens), fmt.Sprint(o.Runs), opt(o.LR, f3), opt(o.BatchTokens, format.Count),
			opt(o.Loss, func(x float64) string { return format.Float(x, 4) }), opt(o.PenaltyLR, f3), opt(o.PenaltyBatch, f3), strings.Join(note, ", "))
	}
	t.Notes = append(t.Notes, "2x lr, 2x batch: loss increase (nats) at 2x off the group's optimum")
	t.Notes = append(t.Notes, r.notes...)
	for _, f := range r.Figures {
		t.Notes = append(t.Notes, "figure: "+f)
	}
	return t
}

// HparamsFit reads the sweep, converts batch sizes to tokens, fits and writes the optional file
// and figures.
func HparamsFit(ctx context.Context, r HparamsFitRequest) (*HparamsFitResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	set, err := r.Inputs.Load()
	if err != nil {
		return nil, err
	}
	named := map[string]string{}
	if r.LRCol != "" {
		named["lr"] = r.LRCol
	}
	if r.BatchCol != "" {
		named["batch"] = r.BatchCol
	}
	cols, notes, err := familyColumns(hparamsColumns, set, set.Runs, named, nil)
	if err != nil {
		return nil, err
	}
	res := &HparamsFitResult{Set: set, SeqLen: r.SeqLen, notes: notes, warns: append([]warn.Warning(nil), set.Warnings...)}
	rs := make([]hparams.Run, len(set.Runs))
	maxBatch := 0.0
	for i := range set.Runs {
		run := &set.Runs[i]
		lr, b := cols["lr"][i], cols["batch"][i]
		if !(lr > 0) || math.IsInf(lr, 0) {
			return nil, fmt.Errorf("%s:%d: lr %g: want a positive learning rate", run.File(), run.Line, lr)
		}
		if !(b > 0) || b > limits.MaxCount {
			return nil, fmt.Errorf("%s:%d: batch %g: want a positive batch size up to %s", run.File(), run.Line, b, limits.Num(limits.MaxCount))
		}
		maxBatch = math.Max(maxBatch, b)
		if r.SeqLen > 0 {
			b *= r.SeqLen
		}
		rs[i] = hparams.Run{Params: run.Params, Tokens: run.Tokens, LR: lr, Batch: b, Loss: run.Loss}
	}
	if r.SeqLen == 0 && maxBatch <= maxSequenceBatch {
		res.warns = append(res.warns, warn.New(CodeBatchUnit, "every batch size is at most %s: these look like sequences, not tokens per step: pass --seq-len L (tokens = batch × L)", format.Count(maxBatch)))
	}
	opt := hparams.Options{Bootstrap: r.Bootstrap, Seed: r.Seed, Workers: r.Workers, Bandwidth: r.Bandwidth, Progress: r.Progress}
	fit, err := hparams.Fit(ctx, rs, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", set.Source, err)
	}
	res.Fit = fit
	res.warns = append(res.warns, fit.Warnings...)
	res.Doc = fit.Document(set.Source, r.SeqLen, opt)
	res.Doc.Warnings = res.warns
	if r.Output != "" {
		if err := safefile.Write(r.Output, func(w io.Writer) error { return report.WriteJSON(w, res.Doc) }); err != nil {
			return nil, err
		}
	}
	if r.Plots != "" {
		if err := os.MkdirAll(r.Plots, 0o755); err != nil {
			return nil, fmt.Errorf("--plots: %w", err)
		}
		figs, err := plot.HparamsFigures(fit, rs)
		if err != nil {
			return nil, err
		}
		for _, f := range figs {
			path := filepath.Join(r.Plots, f.Name+"."+r.plotExt())
			if err := f.Save(path); err != nil {
				return nil, err
			}
			res.Figures = append(res.Figures, path)
		}
	}
	return res, nil
}

// HparamsPredictRequest asks for the optimal peak learning rate and batch size of models of
// Params[i] non-embedding parameters trained on Tokens[i] tokens (lists pair up; one value
// pairs with every value of the other), or at Compute FLOPs (a law in compute only), from a
// fit file (Fit) or a built-in law (Law).
type HparamsPredictRequest struct {
	Fit, Law string
	Params   []float64
	Tokens   []float64
	Compute  []float64
	// SeqLen, when > 0, adds the batch in sequences of SeqLen tokens.
	SeqLen float64
}

// Validate checks the request; errors are usage errors.
func (r *HparamsPredictRequest) Validate() error {
	switch {
	case (r.Fit == "") == (r.Law == ""):
		return Usagef("want exactly one law: --fit FILE (from scalefit hparams fit -o) or --law NAME (deepseek2024-hparams, steplaw2025)")
	case len(r.Compute) > 0 && (len(r.Params) > 0 || len(r.Tokens) > 0):
		return Usagef("--compute and --params/--tokens: want one or the other")
	case len(r.Compute) == 0 && (len(r.Params) == 0 || len(r.Tokens) == 0):
		return Usagef("hparams predict needs --params N and --tokens D, or --compute C (for a law in compute)")
	case r.SeqLen < 0 || r.SeqLen > limits.MaxContext:
		return Usagef("--seq-len %g: want tokens per sequence from 1 to %d", r.SeqLen, limits.MaxContext)
	}
	if len(r.Compute) > limits.MaxBudgets {
		return Usagef("--compute: %d values, more than %d", len(r.Compute), limits.MaxBudgets)
	}
	for _, c := range r.Compute {
		if err := limits.Budget(c); err != nil {
			return Usagef("--compute: %v", err)
		}
	}
	if len(r.Compute) == 0 {
		if _, err := pairLists(r.Params, r.Tokens); err != nil {
			return err
		}
	}
	for name, vs := range map[string][]float64{"--params": r.Params, "--tokens": r.Tokens} {
		if len(vs) > limits.MaxBudgets {
			return Usagef("%s: %d values, more than %d", name, len(vs), limits.MaxBudgets)
		}
		for _, v := range vs {
			if err := limits.Count(name, v); err != nil {
				return &UsageError{err}
			}
		}
	}
	return nil
}

// HparamsLaw is the law of a prediction in the contract.
type HparamsLaw struct {
	Name        string `json:"name"`
	Source      string `json:"source"` // "law" (built-in) or "fit" (a file)
	File        string `json:"file,omitempty"`
	Citation    string `json:"citation,omitempty"`
	Conventions string `json:"conventions,omitempty"`
	LRForm      string `json:"lr_form"`
	BatchForm   string `json:"batch_form"`
}

// HparamsRow is one prediction: params and tokens are null with --compute alone; flops is
// 6ND otherwise; batch in tokens per step (and in sequences with --seq-len).
type HparamsRow struct {
	Params         *float64    `json:"params"`
	Tokens         *float64    `json:"tokens"`
	FLOPs          float64     `json:"flops"`
	LR             float64     `json:"lr"`
	BatchTokens    float64     `json:"batch_tokens"`
	BatchSequences *float64    `json:"batch_sequences,omitempty"`
	LRInterval     *[2]float64 `json:"lr_interval"`
	BatchInterval  *[2]float64 `json:"batch_interval"`
}

// HparamsPrediction is the contract of hparams predict.
type HparamsPrediction struct {
	Law      HparamsLaw   `json:"law"`
	SeqLen   *float64     `json:"seq_len,omitempty"`
	Rows     []HparamsRow `json:"rows"`
	Notes    []string     `json:"notes"`
	Warnings warn.List    `json:"warnings"`
}

// HparamsPredictResult is the result of hparams predict.
type HparamsPredictResult struct{ Doc *HparamsPrediction }

// Contract is the prediction document.
func (r *HparamsPredictResult) Contract() any { return r.Doc }

// Warnings are the prediction's (extrapolation beyond the fitted sweep).
func (r *HparamsPredictResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged is empty.
func (r *HparamsPredictResult) NotConverged() []string { return nil }

// Blocks is the table of predictions.
func (r *HparamsPredictResult) Blocks(format.Output) []doc.Block {
	d := r.Doc
	t := &doc.Table{Title: "Optimal peak lr and batch size (" + d.Law.Name + ")",
		Header: []string{"N", "D", "C (FLOPs)", "lr", "batch (tokens)"}}
	if d.SeqLen != nil {
		t.Header = append(t.Header, fmt.Sprintf("batch (seq of %g)", *d.SeqLen))
	}
	for _, row := range d.Rows {
		n, dd := "-", "-"
		if row.Params != nil {
			n, dd = format.Count(*row.Params), format.Count(*row.Tokens)
		}
		lr, bt := format.Float(row.LR, 3), format.Count(row.BatchTokens)
		if row.LRInterval != nil {
			lr += " " + format.Interval(*row.LRInterval, func(x float64) string { return format.Float(x, 3) })
		}
		if row.BatchInterval != nil {
			bt += " " + format.Interval(*row.BatchInterval, format.Count)
		}
		cells := []string{n, dd, format.Sci(row.FLOPs), lr, bt}
		if row.BatchSequences != nil {
			cells = append(cells, format.Float(*row.BatchSequences, 4))
		}
		t.AddRow(cells...)
	}
	t.Notes = append(t.Notes, "lr: "+d.Law.LRForm+"; batch: "+d.Law.BatchForm+" tokens per step")
	t.Notes = append(t.Notes, d.Notes...)
	return []doc.Block{t}
}

// hparamsSource is the law a prediction uses.
type hparamsSource struct {
	info      HparamsLaw
	law       *hparams.Law   // a built-in
	lr, batch hparams.LawFit // a fit
	doc       *hparams.Document
}

func (r *HparamsPredictRequest) source() (*hparamsSource, error) {
	if r.Law != "" {
		l, err := hparams.Lookup(r.Law)
		if err != nil {
			return nil, Usagef("--law: %v", err)
		}
		return &hparamsSource{law: l, info: HparamsLaw{Name: l.Name, Source: "law", Citation: l.Citation, Conventions: l.Conventions,
			LRForm: l.LR.Form(), BatchForm: l.Batch.Form()}}, nil
	}
	d, err := hparams.Read(r.Fit)
	if err != nil {
		return nil, err
	}
	s := &hparamsSource{doc: d}
	s.lr, s.batch = d.FitLaws()
	s.info = HparamsLaw{Name: "hparams fit", Source: "fit", File: r.Fit, LRForm: s.lr.Form(), BatchForm: s.batch.Form(),
		Conventions: "fitted to " + d.Source + ": N as the sweep counts it (non-embedding, to compare with the published laws), D tokens, batch in tokens per step"}
	return s, nil
}

// at returns the row of one question (n, d NaN with compute alone).
func (s *hparamsSource) at(n, d, c float64) (HparamsRow, error) {
	row := HparamsRow{FLOPs: c}
	if !math.IsNaN(n) {
		row.Params, row.Tokens = ptr(n), ptr(d)
	}
	if s.law != nil {
		lr, b, err := s.law.At(hparams.Point{Params: n, Tokens: d, FLOPs: c})
		if err != nil {
			return row, &UsageError{err}
		}
		row.LR, row.BatchTokens = lr, b
		return row, nil
	}
	if math.IsNaN(n) {
		return row, Usagef("a fitted hyper-parameter law is in N and D: want --params and --tokens, not --compute alone")
	}
	row.LR, row.BatchTokens = s.lr.At(n, d, c), s.batch.At(n, d, c)
	if iv, ok := s.lr.Interval(n, d); ok {
		row.LRInterval = &iv
	}
	if iv, ok := s.batch.Interval(n, d); ok {
		row.BatchInterval = &iv
	}
	return row, nil
}

// row is at(n, d, c) with an extrapolated warning when (n, d) lies beyond
// extrapolationFactor times the fitted sweep.
func (s *hparamsSource) row(n, d, c float64) (HparamsRow, []warn.Warning, error) {
	row, err := s.at(n, d, c)
	if err != nil || s.doc == nil {
		return row, nil, err
	}
	pr, tr := s.doc.ParamsRange, s.doc.TokensRange
	if n > extrapolationFactor*pr[1] || d > extrapolationFactor*tr[1] || n < pr[0]/extrapolationFactor || d < tr[0]/extrapolationFactor {
		return row, []warn.Warning{warn.New(CodeExtrapolated, "N %s, D %s: beyond 10x the fitted sweep (N %s to %s, D %s to %s)",
			format.Count(n), format.Count(d), format.Count(pr[0]), format.Count(pr[1]), format.Count(tr[0]), format.Count(tr[1]))}, nil
	}
	return row, nil, nil
}

// PlanHparams adds the recommended peak lr and batch size (tokens per step) to every row of a
// plan (optimal --hparams), at the row's N and D (its FLOPs for a law in compute), from
// spec: a built-in hyper-parameter law's name, else an hparams fit file.
func PlanHparams(doc *report.PlanDocument, spec string) error {
	req := HparamsPredictRequest{Law: spec}
	if _, err := hparams.Lookup(spec); err != nil {
		req = HparamsPredictRequest{Fit: spec}
	}
	s, err := req.source()
	if err != nil {
		return fmt.Errorf("--hparams: %w (want a built-in law, deepseek2024-hparams or steplaw2025, or the file of scalefit hparams fit -o)", err)
	}
	for i := range doc.Rows {
		row := &doc.Rows[i]
		h, ws, err := s.row(row.Params, row.Tokens, row.FLOPs)
		if err != nil {
			return err
		}
		row.LR, row.BatchTokens, row.LRInterval, row.BatchInterval = ptr(h.LR), ptr(h.BatchTokens), h.LRInterval, h.BatchInterval
		doc.Warnings = append(doc.Warnings, ws...)
	}
	note := "lr (peak) and batch (tokens per step): " + s.info.Name + ", lr = " + s.info.LRForm + ", batch = " + s.info.BatchForm +
		"; hyper-parameter laws count N without embeddings, the plan's N counts as its law does"
	if s.law != nil && s.law.ByCompute() {
		note += "; C = the row's FLOPs (6ND)"
	}
	doc.Notes = append(doc.Notes, note)
	return nil
}

// extrapolationFactor is how far beyond the fitted sweep (in N or D) a prediction is flagged.
const extrapolationFactor = 10

// HparamsPredict predicts the optimal peak lr and batch size.
func HparamsPredict(ctx context.Context, r HparamsPredictRequest) (*HparamsPredictResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	s, err := r.source()
	if err != nil {
		return nil, err
	}
	d := &HparamsPrediction{Law: s.info, Rows: []HparamsRow{}, Notes: []string{}, Warnings: warn.List{}}
	if r.SeqLen > 0 {
		d.SeqLen = ptr(r.SeqLen)
	}
	type q struct{ n, d, c float64 }
	var qs []q
	if len(r.Compute) > 0 {
		for _, c := range r.Compute {
			qs = append(qs, q{math.NaN(), math.NaN(), c})
		}
	} else {
		pts, _ := pairLists(r.Params, r.Tokens)
		for _, p := range pts {
			qs = append(qs, q{p[0], p[1], 6 * p[0] * p[1]})
		}
		if s.law != nil && s.law.ByCompute() {
			d.Notes = append(d.Notes, "C = 6ND with N non-embedding parameters: "+s.law.Name+" counts C = M·D with M the non-embedding FLOPs per token (attention included), so 6N undercounts M at long context")
		}
	}
	for _, x := range qs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row, ws, err := s.row(x.n, x.d, x.c)
		if err != nil {
			return nil, err
		}
		d.Warnings = append(d.Warnings, ws...)
		if r.SeqLen > 0 {
			row.BatchSequences = ptr(row.BatchTokens / r.SeqLen)
		}
		d.Rows = append(d.Rows, row)
	}
	if s.doc != nil && len(s.doc.LRLaw.Draws) == 0 {
		d.Notes = append(d.Notes, "no intervals: the fit has no bootstrap (hparams fit --bootstrap K)")
	}
	return &HparamsPredictResult{Doc: d}, nil
}

// CodeExtrapolated: a prediction far beyond the fitted range.
const CodeExtrapolated = "extrapolated"

// WriteCSV writes one row per (N, D) group at full precision (empty cells where nothing was
// located), with the laws' constants in the first columns of every row.
func (r *HparamsFitResult) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"params", "tokens", "runs", "lr", "batch_tokens", "loss", "penalty_2x_lr", "penalty_2x_batch",
		"lr_at_edge", "batch_at_edge", "in_lr_law", "in_batch_law", "lr_law_fit", "batch_law_fit"})
	for _, o := range r.Doc.Optima {
		lrFit := r.Fit.LR.At(o.Params, o.Tokens, math.NaN())
		bFit := r.Fit.Batch.At(o.Params, o.Tokens, math.NaN())
		cw.Write([]string{num(o.Params), num(o.Tokens), fmt.Sprint(o.Runs), nump(o.LR), nump(o.BatchTokens), nump(o.Loss),
			nump(o.PenaltyLR), nump(o.PenaltyBatch), fmt.Sprint(o.LRAtEdge), fmt.Sprint(o.BatchAtEdge),
			fmt.Sprint(o.UsedInLR), fmt.Sprint(o.UsedInBatch), num(lrFit), num(bFit)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteCSV writes one row per prediction at full precision.
func (r *HparamsPredictResult) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"params", "tokens", "flops", "lr", "batch_tokens", "batch_sequences", "lr_lo", "lr_hi", "batch_lo", "batch_hi"})
	for _, row := range r.Doc.Rows {
		iv := func(p *[2]float64, i int) string {
			if p == nil {
				return ""
			}
			return num(p[i])
		}
		cw.Write([]string{nump(row.Params), nump(row.Tokens), num(row.FLOPs), num(row.LR), num(row.BatchTokens), nump(row.BatchSequences),
			iv(row.LRInterval, 0), iv(row.LRInterval, 1), iv(row.BatchInterval, 0), iv(row.BatchInterval, 1)})
	}
	cw.Flush()
	return cw.Error()
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func nump(p *float64) string {
	if p == nil {
		return ""
	}
	return num(*p)
}
