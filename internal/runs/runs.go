// Package runs loads training runs from CSV into []Run.
//
// Conventions: Params counts parameters as the file counts them (say which in your data's
// notes: Chinchilla counts embeddings, Kaplan does not); Tokens counts training tokens;
// FLOPs is training compute, read from the file or derived as 6·Params·Tokens; Loss is
// cross-entropy in nats per token. When the file gives FLOPs but not tokens, Tokens is
// derived as FLOPs/(6·Params).
package runs

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// Run is one training run (or one point along a run's loss curve).
type Run struct {
	Params float64 // parameters N
	Tokens float64 // training tokens D
	FLOPs  float64 // training compute C in FLOPs (given, or 6·N·D)
	Loss   float64 // loss in nats per token
	Group  string  // value of the --group column, "" when none
	ID     string  // run id (loss curves: one id per training run), "" when none
	Budget float64 // compute budget of an IsoFLOP sweep, 0 when none
	Line   int     // 1-based line of the CSV the run came from

	set    *Set
	fields []string
}

// Field returns the raw text of column col (case-insensitive header) for this run, and
// whether the file has that column.
func (r *Run) Field(col string) (string, bool) {
	if r.set == nil {
		return "", false
	}
	i, ok := r.set.index[normalize(col)]
	if !ok || i >= len(r.fields) {
		return "", false
	}
	return r.fields[i], true
}

// lookup returns a column's value for filters: canonical names first, then file columns.
func (r *Run) lookup(name string) (v float64, isNum bool, text string) {
	switch name {
	case "params":
		return r.Params, true, ""
	case "tokens":
		return r.Tokens, true, ""
	case "flops":
		return r.FLOPs, true, ""
	case "loss":
		return r.Loss, true, ""
	case "budget":
		return r.Budget, true, ""
	case "group":
		return 0, false, r.Group
	case "run":
		return 0, false, r.ID
	case "tokens_per_param":
		return r.Tokens / r.Params, true, ""
	}
	s, _ := r.Field(name)
	if x, err := ParseQuantity(s); err == nil {
		return x, true, s
	}
	return 0, false, s
}

// EmptyGroup names the group of runs whose group cell is empty.
const EmptyGroup = "(empty)"

// Options says how to read a runs CSV. The zero value reads a file whose headers use the
// usual names (see Aliases).
type Options struct {
	// Column overrides: the header (case-insensitive) that holds each canonical column.
	ParamsCol, TokensCol, FLOPsCol, LossCol, GroupCol, RunCol, BudgetCol string
	// Where keeps only the runs that match this expression (see ParseExpr).
	Where string
	// DropHighestLoss drops the K runs with the highest loss after Where, as Epoch's
	// replication of Chinchilla does (K = 5): runs with loss at or above the K-th highest
	// loss are dropped, so ties at the threshold go too.
	DropHighestLoss int
}

// Set is the result of loading a CSV.
type Set struct {
	Source   string            // file name as given ("<stdin>" for -)
	Runs     []Run             // the runs kept, in file order
	Columns  map[string]string // canonical column -> header used in the file
	Derived  string            // "tokens" (from flops) or "flops" (from tokens) or ""
	Read     int               // data rows read
	Excluded int               // rows dropped by Where and DropHighestLoss
	Headers  []string          // the file's headers as written

	index map[string]int // normalized header -> field index
}

// Has reports whether the file supplied a canonical column (group, run, budget, ...).
func (s *Set) Has(canonical string) bool { _, ok := s.Columns[canonical]; return ok }

// Aliases lists, for each canonical column, the headers recognised without an override.
// Matching ignores case and treats spaces and hyphens as underscores.
var Aliases = map[string][]string{
	"params": {"params", "n", "n_params", "num_params", "model_size", "parameters"},
	"tokens": {"tokens", "d", "n_tokens", "train_tokens", "training_tokens"},
	"flops":  {"flops", "c", "compute", "training_flop", "training_flops"},
	"loss":   {"loss", "l", "val_loss", "final_loss"},
	"run":    {"run", "run_id", "id", "name"},
	"budget": {"budget"},
	"group":  {"group"},
}

var canonicalOrder = []string{"params", "tokens", "flops", "loss", "group", "run", "budget"}

func normalize(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

// Error is a problem with the input, located at a line and column (1-based; Col is the
// field number, 0 when the problem is the whole line or file).
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Load reads runs from CSV. name labels errors (file:line:col).
func Load(r io.Reader, name string, opts Options) (*Set, error) {
	where, err := ParseExpr(opts.Where)
	if err != nil {
		return nil, fmt.Errorf("--where: %w", err)
	}
	if opts.DropHighestLoss < 0 {
		return nil, fmt.Errorf("--drop-highest-loss %d: want 0 or more", opts.DropHighestLoss)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Msg: "empty file: want a header line (params,tokens,loss or params,flops,loss) and runs"}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffDelimiter(data)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	s := &Set{Source: name, Columns: map[string]string{}, index: map[string]int{}, Headers: header}
	hline, _ := cr.FieldPos(0)
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, &Error{File: name, Line: hline, Col: i + 1, Msg: "header is not UTF-8 text"}
		}
		k := normalize(h)
		if k == "" {
			return nil, &Error{File: name, Line: hline, Col: i + 1, Msg: "empty column name in the header"}
		}
		if j, dup := s.index[k]; dup {
			return nil, &Error{File: name, Line: hline, Col: i + 1, Msg: fmt.Sprintf("duplicate column %q (also column %d)", clip(h), j+1)}
		}
		s.index[k] = i
	}
	if err := s.resolveColumns(hline, opts); err != nil {
		return nil, err
	}
	if err := s.CheckExprColumns("--where", where); err != nil {
		return nil, err
	}
	col := func(c string) int {
		if h, ok := s.Columns[c]; ok {
			return s.index[normalize(h)]
		}
		return -1
	}
	ip, it, ic, il := col("params"), col("tokens"), col("flops"), col("loss")
	ig, ir, ib := col("group"), col("run"), col("budget")
	var all []Run
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			return nil, &Error{File: name, Line: line, Msg: fmt.Sprintf("%d fields, want %d as in the header", len(rec), len(header))}
		}
		for i, f := range rec {
			if !utf8.ValidString(f) {
				return nil, &Error{File: name, Line: line, Col: i + 1, Msg: fmt.Sprintf("%s: not UTF-8 text (Latin-1?): save the file as UTF-8", header[i])}
			}
		}
		s.Read++
		num := func(i int, what string) (float64, error) {
			v, err := ParseQuantity(rec[i])
			if err == nil && !(v > 0) {
				err = fmt.Errorf("%q: want a positive number", clip(rec[i]))
			}
			if err != nil {
				return 0, &Error{File: name, Line: line, Col: i + 1, Msg: fmt.Sprintf("%s %v", what, err)}
			}
			return v, nil
		}
		run := Run{Line: line, set: s, fields: rec}
		if run.Params, err = num(ip, "params"); err != nil {
			return nil, err
		}
		if run.Loss, err = num(il, "loss"); err != nil {
			return nil, err
		}
		if it >= 0 {
			if run.Tokens, err = num(it, "tokens"); err != nil {
				return nil, err
			}
		}
		if ic >= 0 {
			if run.FLOPs, err = num(ic, "flops"); err != nil {
				return nil, err
			}
		}
		switch {
		case it < 0:
			run.Tokens = run.FLOPs / (6 * run.Params)
		case ic < 0:
			run.FLOPs = 6 * run.Params * run.Tokens
		}
		if run.FLOPs == 0 || math.IsInf(run.FLOPs, 0) || run.Tokens == 0 || math.IsInf(run.Tokens, 0) {
			return nil, &Error{File: name, Line: line, Msg: "derived tokens or flops out of the range of a float64"}
		}
		if ib >= 0 {
			if run.Budget, err = num(ib, "budget"); err != nil {
				return nil, err
			}
		}
		if ig >= 0 {
			run.Group = strings.TrimSpace(rec[ig])
			if run.Group == "" {
				run.Group = EmptyGroup
			}
		}
		if ir >= 0 {
			run.ID = rec[ir]
		}
		all = append(all, run)
	}
	if s.Read == 0 {
		return nil, &Error{File: name, Line: hline, Msg: "header only: the file has no runs"}
	}
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
	s.Excluded = s.Read - len(s.Runs)
	if len(s.Runs) == 0 {
		return nil, &Error{File: name, Msg: fmt.Sprintf("no runs left after the filters (%d read)", s.Read)}
	}
	return s, nil
}

// sniffDelimiter reads the header line: a tab- or semicolon-separated file (as spreadsheets
// in many locales export) has no comma there but has tabs or semicolons.
func sniffDelimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		return ','
	}
	if bytes.IndexByte(line, '\t') >= 0 {
		return '\t'
	}
	if bytes.IndexByte(line, ';') >= 0 {
		return ';'
	}
	return ','
}

// Duplicates lists groups of runs with identical params, tokens, loss and group (by line):
// a row pasted twice counts double in a fit and its bootstrap.
func (s *Set) Duplicates() [][]int {
	type key struct {
		n, d, l float64
		g, id   string
	}
	seen := map[key]int{}
	var out [][]int
	for _, r := range s.Runs {
		k := key{r.Params, r.Tokens, r.Loss, r.Group, r.ID}
		if i, ok := seen[k]; ok {
			out[i] = append(out[i], r.Line)
			continue
		}
		seen[k] = len(out)
		out = append(out, []int{r.Line})
	}
	dups := out[:0]
	for _, g := range out {
		if len(g) > 1 {
			dups = append(dups, g)
		}
	}
	return dups
}

func isCanonical(n string) bool {
	switch n {
	case "params", "tokens", "flops", "loss", "group", "run", "budget", "tokens_per_param":
		return true
	}
	return false
}

func (s *Set) knownNames() []string {
	names := []string{"params", "tokens", "flops", "loss", "tokens_per_param"}
	for _, c := range []string{"group", "run", "budget"} {
		if s.Has(c) {
			names = append(names, c)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, h := range s.Headers {
		if n := strings.ToLower(strings.TrimSpace(h)); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// resolveColumns maps canonical columns to headers, from overrides or aliases.
func (s *Set) resolveColumns(hline int, opts Options) error {
	over := map[string]string{
		"params": opts.ParamsCol, "tokens": opts.TokensCol, "flops": opts.FLOPsCol, "loss": opts.LossCol,
		"group": opts.GroupCol, "run": opts.RunCol, "budget": opts.BudgetCol,
	}
	for _, c := range canonicalOrder {
		if o := over[c]; o != "" {
			i, ok := s.index[normalize(o)]
			if !ok {
				return &Error{File: s.Source, Line: hline, Msg: fmt.Sprintf("no column %q for %s: the header has %s", o, c, clip(strings.Join(s.Headers, ", ")))}
			}
			s.Columns[c] = s.Headers[i]
			continue
		}
		var found []int
		for _, a := range Aliases[c] {
			if i, ok := s.index[a]; ok {
				found = append(found, i)
			}
		}
		switch {
		case len(found) == 1:
			s.Columns[c] = s.Headers[found[0]]
		case len(found) > 1:
			var hs []string
			for _, i := range found {
				hs = append(hs, fmt.Sprintf("%q", s.Headers[i]))
			}
			return &Error{File: s.Source, Line: hline, Col: found[1] + 1, Msg: fmt.Sprintf("columns %s could each be %s: choose one with --%s-col", strings.Join(hs, " and "), c, flagName(c))}
		}
	}
	used := map[string]string{}
	for _, c := range canonicalOrder {
		if h, ok := s.Columns[c]; ok {
			// An IsoFLOP sweep's budget may be its flops column (each run at its budget).
			if prev, dup := used[h]; dup && !(c == "budget" && prev == "flops") {
				return &Error{File: s.Source, Line: hline, Msg: fmt.Sprintf("column %q is used for both %s and %s", h, prev, c)}
			}
			used[h] = c
		}
	}
	if !s.Has("params") {
		return s.missing(hline, "params", "parameter counts")
	}
	if !s.Has("loss") {
		return s.missing(hline, "loss", "losses in nats per token")
	}
	switch {
	case !s.Has("tokens") && !s.Has("flops"):
		return s.missing(hline, "tokens", "training tokens, or a flops column to derive them from")
	case !s.Has("tokens"):
		s.Derived = "tokens"
	case !s.Has("flops"):
		s.Derived = "flops"
	}
	return nil
}

func flagName(c string) string {
	if c == "flops" {
		return "flops"
	}
	return c
}

func (s *Set) missing(hline int, c, what string) error {
	msg := fmt.Sprintf("no %s column (%s): want a header named %s, or --%s-col NAME", c, what, strings.Join(Aliases[c], "/"), flagName(c))
	var cands []string
	for _, h := range s.Headers {
		if strings.Contains(normalize(h), c) || c == "params" && strings.Contains(normalize(h), "param") {
			cands = append(cands, clip(h))
		}
	}
	if len(cands) > 0 {
		msg += fmt.Sprintf(" (candidates: %s)", strings.Join(cands, ", "))
	}
	return &Error{File: s.Source, Line: hline, Msg: msg}
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: name, Line: pe.Line, Col: pe.Column, Msg: "malformed CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Summary describes a loaded set for the user: how many runs, the ranges of N, D, C and
// loss, and the groups.
type Summary struct {
	Runs                 int
	Excluded             int
	Derived              string
	Params, Tokens       [2]float64 // min, max
	FLOPs, Loss          [2]float64
	DistinctParams       int
	Groups               []string // distinct groups in first-seen order
	RunIDs               int      // distinct run ids (0 when no run column)
	Budgets              int      // distinct budgets (0 when no budget column)
	TokensPerParamMedian float64
}

// Summarize computes the Summary of a set.
func (s *Set) Summarize() Summary {
	sum := Summary{Runs: len(s.Runs), Excluded: s.Excluded, Derived: s.Derived}
	rng := func(p *[2]float64, v float64, first bool) {
		if first || v < p[0] {
			p[0] = v
		}
		if first || v > p[1] {
			p[1] = v
		}
	}
	sizes, groups, ids, budgets := map[float64]bool{}, map[string]bool{}, map[string]bool{}, map[float64]bool{}
	tpp := make([]float64, 0, len(s.Runs))
	for i, r := range s.Runs {
		first := i == 0
		rng(&sum.Params, r.Params, first)
		rng(&sum.Tokens, r.Tokens, first)
		rng(&sum.FLOPs, r.FLOPs, first)
		rng(&sum.Loss, r.Loss, first)
		sizes[r.Params] = true
		if s.Has("group") && !groups[r.Group] {
			groups[r.Group] = true
			sum.Groups = append(sum.Groups, r.Group)
		}
		if s.Has("run") {
			ids[r.ID] = true
		}
		if s.Has("budget") {
			budgets[r.Budget] = true
		}
		tpp = append(tpp, r.Tokens/r.Params)
	}
	sum.DistinctParams = len(sizes)
	sum.RunIDs = len(ids)
	sum.Budgets = len(budgets)
	sort.Float64s(tpp)
	if n := len(tpp); n > 0 {
		if n%2 == 1 {
			sum.TokensPerParamMedian = tpp[n/2]
		} else {
			sum.TokensPerParamMedian = (tpp[n/2-1] + tpp[n/2]) / 2
		}
	}
	return sum
}

// Filter returns the runs matching e and the rest (for --holdout).
func Filter(rs []Run, e *Expr) (match, rest []Run) {
	for i := range rs {
		if e.Match(&rs[i]) {
			match = append(match, rs[i])
		} else {
			rest = append(rest, rs[i])
		}
	}
	return match, rest
}

// CheckExprColumns reports an error when e names a column the set does not have.
func (s *Set) CheckExprColumns(flag string, e *Expr) error {
	for _, n := range e.names() {
		if _, ok := s.index[n]; !ok && !isCanonical(n) {
			return fmt.Errorf("%s: unknown column %q: want one of %s", flag, n, strings.Join(s.knownNames(), ", "))
		}
	}
	return nil
}

// Columns of a slice of runs, for numerical code that takes plain slices.
func Columns(rs []Run) (params, tokens, flops, loss []float64) {
	params = make([]float64, len(rs))
	tokens = make([]float64, len(rs))
	flops = make([]float64, len(rs))
	loss = make([]float64, len(rs))
	for i, r := range rs {
		params[i], tokens[i], flops[i], loss[i] = r.Params, r.Tokens, r.FLOPs, r.Loss
	}
	return
}

// IsCurves reports whether the rows are points along loss curves: a run column whose ids
// repeat. A run column of unique ids is just a name per finished run.
func (s *Set) IsCurves() bool {
	if !s.Has("run") {
		return false
	}
	seen := map[string]bool{}
	for _, r := range s.Runs {
		if seen[r.ID] {
			return true
		}
		seen[r.ID] = true
	}
	return false
}

// FinalPoints keeps, for each run id, the point with the most tokens (the finished run),
// in first-seen order of the ids.
func FinalPoints(rs []Run) []Run {
	idx := FinalIndex(rs)
	out := make([]Run, len(idx))
	for i, j := range idx {
		out[i] = rs[j]
	}
	return out
}

// FinalIndex returns the index in rs of each run id's point with the most tokens (the
// first such point on ties), in first-seen order of the ids.
func FinalIndex(rs []Run) []int {
	pos := map[string]int{}
	var out []int
	for i, r := range rs {
		j, ok := pos[r.ID]
		switch {
		case !ok:
			pos[r.ID] = len(out)
			out = append(out, i)
		case r.Tokens > rs[out[j]].Tokens:
			out[j] = i
		}
	}
	return out
}

// Groups splits runs by Group, in first-seen order.
func Groups(rs []Run) (names []string, by map[string][]Run) {
	by = map[string][]Run{}
	for _, r := range rs {
		if _, ok := by[r.Group]; !ok {
			names = append(names, r.Group)
		}
		by[r.Group] = append(by[r.Group], r)
	}
	return names, by
}
