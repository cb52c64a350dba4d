// Package runs loads training runs into []Run: CSV, TSV and ';'-separated files, JSON Lines,
// JSON arrays and Weights & Biases exports, one file or many, with per-run metadata joined
// on the run id (see Load, LoadFiles and Options).
//
// Conventions: Params counts parameters as the file counts them (say which in your data's
// notes: Chinchilla counts embeddings, Kaplan does not); Tokens counts training tokens;
// FLOPs is training compute, read from the file or derived as 6·Params·Tokens; Loss is
// cross-entropy in nats per token. When the file gives FLOPs but not tokens, Tokens is
// derived as FLOPs/(6·Params).
package runs

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/warn"
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
	Line   int     // 1-based line of the file the run came from (see File)

	set *Set
	loc uint64 // file index << locShift | offset of the run's other cells in set.extras
}

const (
	locShift = 44
	locMask  = 1<<locShift - 1
)

// File names the file the run came from (one of Set.Files), "" for a run built by hand.
func (r *Run) File() string {
	if r.set == nil {
		return ""
	}
	if i := int(r.loc >> locShift); i < len(r.set.Files) {
		return r.set.Files[i]
	}
	return ""
}

// Field returns the text of column col (case-insensitive header) for this run, and whether
// the input has that column. Columns of the params, tokens, flops, loss and budget roles give
// the number read (after a header unit's scaling); a column the run's file lacks is "".
func (r *Run) Field(col string) (string, bool) {
	if r.set == nil {
		return "", false
	}
	u, ok := r.set.index[NormalizeHeader(col)]
	if !ok {
		return "", false
	}
	return r.set.cell(r, u), true
}

// lookup returns a column's value for filters: canonical names first, then file columns.
func (r *Run) lookup(name string) (v float64, isNum bool, text string) {
	own := r.set != nil && r.set.table && tableFree(name) // a family table's own column (LayoutTable)
	switch {
	case own:
	case name == "params":
		return r.Params, true, ""
	case name == "tokens":
		return r.Tokens, true, ""
	case name == "flops":
		return r.FLOPs, true, ""
	case name == "loss":
		return r.Loss, true, ""
	case name == "budget":
		return r.Budget, true, ""
	case name == "group":
		return 0, false, r.Group
	case name == "run":
		return 0, false, r.ID
	case name == "tokens_per_param":
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

// Options says how to read runs. The zero value reads one CSV whose headers use the usual
// names (see Aliases).
type Options struct {
	// Column overrides: the header (case-insensitive) that holds each canonical column.
	ParamsCol, TokensCol, FLOPsCol, LossCol, GroupCol, RunCol, BudgetCol string
	// StepCol names the step column (else one of Aliases["step"]): it orders a run's points
	// when --meta gives the run's total tokens.
	StepCol string
	// Where keeps only the runs that match this expression (see ParseExpr).
	Where string
	// DropHighestLoss drops the K runs with the highest loss after Where, as Epoch's
	// replication of Chinchilla does (K = 5): runs with loss at or above the K-th highest
	// loss are dropped, so ties at the threshold go too.
	DropHighestLoss int
	// Format forces the input format (one of Formats); "" or "auto" detects it from content.
	Format string
	// Meta is a table of per-run columns (params, schedule, group, ...) joined on the run id.
	Meta string
	// RunPattern is a regular expression whose named groups become columns, read from each
	// run id: (?P<params>[0-9.]+[MB])-(?P<chinchilla_multiple>[0-9.]+)xC.
	RunPattern string
	// SkipInvalid skips rows that cannot be read (counted in a warning) instead of failing.
	SkipInvalid bool
	// Derive, when set, computes each run's params and FLOPs from other columns of its row
	// (scalefit fit --convention: an architecture counted under a convention). The input then
	// needs tokens but no params or flops column; one it has is replaced by the derived value.
	Derive *Deriver
	// Layout is the kind of table: "" a scaling-law table (loss, and two of params, tokens
	// and flops required), LayoutCurves or LayoutTable.
	Layout string
	// TableLoss names and bounds the loss of a LayoutTable (nil: the usual loss column, a
	// positive number).
	TableLoss *TableLoss
}

// TableLoss says how a law family's table (LayoutTable) names its loss and which values it
// takes.
type TableLoss struct {
	// Aliases are more headers that name the loss column, after Aliases["loss"] (e.g. a
	// family's "lossu").
	Aliases []string
	// Signed accepts a loss of any sign, up to limits.MaxLoss in magnitude, for a loss that is
	// not a cross-entropy (a unigram-normalised loss is usually negative).
	Signed bool
}

// Deriver computes a run's parameter count and training FLOPs per token from its row.
type Deriver struct {
	// Name says what was derived and how, for the notes of the loaded set.
	Name string
	// Func reads the row's cells through field (a column name, case-insensitive; "" when
	// the row lacks it) and returns params and FLOPs per token; on error it names the column
	// at fault ("" for the row as a whole). A run's FLOPs are FLOPsPerToken × tokens.
	Func func(field func(col string) string) (params, flopsPerToken float64, col string, err error)
}

// Set is the result of loading runs.
type Set struct {
	Source   string            // input as given ("<stdin>" for -; "runs/ (30 files)" for several)
	Runs     []Run             // the runs kept, in input order
	Columns  map[string]string // canonical column -> header used in the input
	Derived  string            // the column computed from the others with C = 6ND: "tokens", "flops", "params" or ""
	Read     int               // data rows read
	Excluded int               // rows dropped by Where and DropHighestLoss
	Headers  []string          // the input's headers as written (all files, then --meta and --run-pattern columns)
	Skipped  int               // invalid rows skipped under SkipInvalid
	Files    []string          // the files read, in order
	Format   string            // format of the first file (csv, tsv, jsonl, json, wandb)
	Notes    []string          // how the input was read: units scaled, decimal commas, joins
	Warnings []warn.Warning    // findings about the input (skipped rows, aggregate rows, units)

	index  map[string]int // normalized header -> union column
	slot   []int8         // per union column: its canonical role (slot*), or slotExtra
	xpos   []int          // per union column: position among the stored cells, -1 if not stored
	nx     int            // number of stored cells per run
	extras []byte         // stored cells of every run: uvarint length, bytes
	hline  int
	efile  string // file named by header errors
	table  bool   // LayoutTable: params, tokens, flops and budget are the family's own columns
}

// Roles of a union column.
const (
	slotExtra int8 = iota
	slotParams
	slotTokens
	slotFLOPs
	slotLoss
	slotBudget
	slotRun
)

// cell returns the text of union column u for r.
func (s *Set) cell(r *Run, u int) string {
	switch s.slot[u] {
	case slotParams:
		return strconv.FormatFloat(r.Params, 'g', -1, 64)
	case slotTokens:
		return strconv.FormatFloat(r.Tokens, 'g', -1, 64)
	case slotFLOPs:
		return strconv.FormatFloat(r.FLOPs, 'g', -1, 64)
	case slotLoss:
		return strconv.FormatFloat(r.Loss, 'g', -1, 64)
	case slotBudget:
		return strconv.FormatFloat(r.Budget, 'g', -1, 64)
	case slotRun:
		return r.ID
	}
	p := s.xpos[u]
	off := int(r.loc & locMask)
	for k := 0; ; k++ {
		if off >= len(s.extras) {
			return ""
		}
		l, n := binary.Uvarint(s.extras[off:])
		if n <= 0 || off+n+int(l) > len(s.extras) {
			return ""
		}
		if k == p {
			return bytesString(s.extras[off+n : off+n+int(l)])
		}
		off += n + int(l)
	}
}

// FindHeader returns the input's header that matches one of names (the first that does, in
// the order given), matched as every header is: case-insensitive, spaces and hyphens read as
// underscores.
func (s *Set) FindHeader(names ...string) (string, bool) {
	for _, n := range names {
		if u, ok := s.index[NormalizeHeader(n)]; ok {
			for _, h := range s.Headers {
				if s.index[NormalizeHeader(h)] == u {
					return h, true
				}
			}
			return n, true
		}
	}
	return "", false
}

// Has reports whether the file supplied a canonical column (group, run, budget, ...).
func (s *Set) Has(canonical string) bool { _, ok := s.Columns[canonical]; return ok }

// Aliases lists, for each canonical column, the headers recognised without an override:
// one list for every command (fit, curve, tasks, ...). Matching ignores case and treats
// spaces and hyphens as underscores (NormalizeHeader). A log's tokens_seen is its tokens;
// "step" orders a run's points (it is read as text, with Run.Field).
var Aliases = map[string][]string{
	"params": {"params", "n", "n_params", "num_params", "model_size", "parameters"},
	"tokens": {"tokens", "d", "n_tokens", "train_tokens", "training_tokens", "tokens_seen", "num_tokens_seen", "train/tokens_seen"},
	"flops":  {"flops", "c", "compute", "training_flop", "training_flops"},
	"loss":   {"loss", "l", "val_loss", "final_loss", "train_loss", "training_loss", "train/loss"},
	"run":    {"run", "run_id", "id", "name"},
	"budget": {"budget", "compute_budget", "flops_budget", "budget_flops", "isoflop_budget", "c_budget"},
	"group":  {"group"},
	"step":   {"step", "steps", "iteration", "iter", "global_step", "_step", "trainer/global_step"},
}

var canonicalOrder = []string{"params", "tokens", "flops", "loss", "group", "run", "budget"}

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

// Duplicates lists groups of runs with identical params, tokens, loss and group (by line):
// a row pasted twice counts double in a fit and its bootstrap.
func (s *Set) Duplicates() [][]int {
	// Runs sorted by params (a plain sort of (params, index) pairs, fast at millions of
	// runs); runs of equal params are then sorted by the rest of the key, and identical
	// neighbours form a group.
	type pi struct {
		p float64
		i int
	}
	order := make([]pi, len(s.Runs))
	for i := range s.Runs {
		order[i] = pi{s.Runs[i].Params, i}
	}
	slices.SortFunc(order, func(a, b pi) int { return cmp.Or(cmp.Compare(a.p, b.p), cmp.Compare(a.i, b.i)) })
	rest := func(a, b pi) int {
		ra, rb := &s.Runs[a.i], &s.Runs[b.i]
		return cmp.Or(cmp.Compare(ra.Tokens, rb.Tokens), cmp.Compare(ra.Loss, rb.Loss),
			strings.Compare(ra.Group, rb.Group), strings.Compare(ra.ID, rb.ID))
	}
	type group struct {
		first int
		lines []int
	}
	var found []group
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && order[hi].p == order[lo].p {
			hi++
		}
		if hi-lo > 1 {
			sz := order[lo:hi]
			slices.SortFunc(sz, func(a, b pi) int { return cmp.Or(rest(a, b), cmp.Compare(a.i, b.i)) })
			for a := 0; a < len(sz); {
				b := a + 1
				for b < len(sz) && rest(sz[a], sz[b]) == 0 {
					b++
				}
				if b-a > 1 {
					g := group{first: sz[a].i}
					for _, e := range sz[a:b] {
						g.lines = append(g.lines, s.Runs[e.i].Line)
					}
					found = append(found, g)
				}
				a = b
			}
		}
		lo = hi
	}
	// in the order their first rows were read
	slices.SortFunc(found, func(a, b group) int { return cmp.Compare(a.first, b.first) })
	var dups [][]int
	for _, g := range found {
		dups = append(dups, g.lines)
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

// resolveColumns maps canonical columns to headers, from overrides or aliases. metaOnly
// marks the union columns that only --meta has: when the data has a column of the same
// role under another alias (a log's tokens_seen beside the metadata's total tokens), the
// data's is taken.
func (s *Set) resolveColumns(opts Options, metaOnly []bool) error {
	hline := s.hline
	over := map[string]string{
		"params": opts.ParamsCol, "tokens": opts.TokensCol, "flops": opts.FLOPsCol, "loss": opts.LossCol,
		"group": opts.GroupCol, "run": opts.RunCol, "budget": opts.BudgetCol,
	}
	for _, c := range canonicalOrder {
		if opts.Layout == LayoutTable && tableFree(c) {
			continue
		}
		if o := over[c]; o != "" {
			i, ok := s.index[NormalizeHeader(o)]
			if !ok {
				return &Error{File: s.efile, Line: hline, Msg: fmt.Sprintf("no column %q for %s: the header has %s%s%s", o, c, listHeaders(s.Headers), s.objectHint(o), didYouMean(o, s.Headers))}
			}
			s.Columns[c] = s.Headers[i]
			continue
		}
		var found []int
		aliases := Aliases[c]
		if c == "loss" && opts.Layout == LayoutTable && opts.TableLoss != nil {
			aliases = append(append([]string(nil), aliases...), opts.TableLoss.Aliases...)
		}
		for _, a := range aliases {
			if i, ok := s.index[NormalizeHeader(a)]; ok && !slicesContains(found, i) {
				found = append(found, i)
			}
		}
		if len(found) > 1 {
			data := found[:0:0]
			for _, i := range found {
				if i >= len(metaOnly) || !metaOnly[i] {
					data = append(data, i)
				}
			}
			if len(data) > 0 {
				found = data
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
			return &Error{File: s.efile, Line: hline, Col: found[1] + 1, Msg: fmt.Sprintf("columns %s could each be %s: choose one with --%s-col", strings.Join(hs, " and "), c, flagName(c))}
		}
	}
	used := map[string]string{}
	for _, c := range canonicalOrder {
		if h, ok := s.Columns[c]; ok {
			// An IsoFLOP sweep's budget may be its flops column (each run at its budget).
			if prev, dup := used[h]; dup && !(c == "budget" && prev == "flops") {
				return &Error{File: s.efile, Line: hline, Msg: fmt.Sprintf("column %q is used for both %s and %s", h, prev, c)}
			}
			used[h] = c
		}
	}
	if opts.Derive != nil {
		if !s.Has("loss") {
			return s.missing("loss", "losses in nats per token")
		}
		if !s.Has("tokens") {
			return s.missing("tokens", "training tokens, which "+opts.Derive.Name+" multiplies by FLOPs per token")
		}
		return nil
	}
	if opts.Layout == LayoutTable {
		if !s.Has("loss") {
			return s.missing("loss", "the loss the law predicts")
		}
		return nil
	}
	if opts.Layout == LayoutCurves {
		if !s.Has("loss") {
			return s.missing("loss", "losses in nats per token")
		}
		switch {
		case !s.Has("params"):
			if s.Has("flops") && s.Has("tokens") {
				s.Derived = "params"
			}
		case !s.Has("tokens") && s.Has("flops"):
			s.Derived = "tokens"
		case !s.Has("flops") && s.Has("tokens"):
			s.Derived = "flops"
		}
		return nil
	}
	if !s.Has("params") && !(s.Has("flops") && s.Has("tokens")) {
		return s.missing("params", "parameter counts, or flops and tokens columns to derive them from")
	}
	if !s.Has("loss") {
		return s.missing("loss", "losses in nats per token")
	}
	switch {
	case !s.Has("params"):
		s.Derived = "params"
	case !s.Has("tokens") && !s.Has("flops"):
		return s.missing("tokens", "training tokens, or a flops column to derive them from")
	case !s.Has("tokens"):
		s.Derived = "tokens"
	case !s.Has("flops"):
		s.Derived = "flops"
	}
	return nil
}

// LayoutCurves is the Options.Layout of loss curves: one row per logged point (run, step,
// loss, and optionally lr, schedule, tokens, params). Only a loss column is required;
// params, tokens, flops and budget are read when the input has them (an empty or 0 cell
// reads as 0, any other must be a positive number), and tokens or flops are derived only on
// rows that have params. The step, lr and schedule columns are read with Run.Field.
const LayoutCurves = "curves"

// LayoutTable is the Options.Layout of a law family's table (scalefit fit --family): only a
// loss column is required (Options.TableLoss adds its names and may allow any sign). Params,
// tokens, flops and budget take no role: their cells, like every other column's, are read with
// Run.Field by the family that declares them, and Run.Params, Tokens, FLOPs and Budget stay 0.
// Group and run are read as usual.
const LayoutTable = "table"

// tableFree reports whether LayoutTable leaves canonical column c to the family.
func tableFree(c string) bool {
	return c == "params" || c == "tokens" || c == "flops" || c == "budget"
}

func slicesContains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// objectHint explains a column name that is a JSON object in the input (its fields are
// columns "name/field").
func (s *Set) objectHint(name string) string {
	p := NormalizeHeader(name) + "/"
	var fs []string
	for _, h := range s.Headers {
		if strings.HasPrefix(NormalizeHeader(h), p) {
			fs = append(fs, h)
		}
	}
	if len(fs) == 0 {
		return ""
	}
	return fmt.Sprintf("; %q is a JSON object, not a number: name one of its fields, %s", name, listHeaders(fs))
}

func flagName(c string) string {
	if c == "flops" {
		return "flops"
	}
	return c
}

func (s *Set) missing(c, what string) error {
	msg := fmt.Sprintf("no %s column (%s): want a header named %s, or --%s-col NAME", c, what, strings.Join(Aliases[c], "/"), flagName(c))
	var cands []string
	for _, h := range s.Headers {
		if strings.Contains(NormalizeHeader(h), c) || c == "params" && strings.Contains(NormalizeHeader(h), "param") {
			cands = append(cands, clip(h))
		}
	}
	if len(cands) > 0 {
		msg += fmt.Sprintf(" (candidates: %s)", listHeaders(cands))
	} else {
		msg += fmt.Sprintf(" (the header has %s)", listHeaders(s.Headers))
	}
	if c == "params" || c == "tokens" {
		msg += "; with one file per run, per-run values can come from --meta FILE or --run-pattern RE"
	}
	return &Error{File: s.efile, Line: s.hline, Msg: msg}
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
	groups, ids, budgets := map[string]bool{}, map[string]bool{}, map[float64]bool{}
	tpp := make([]float64, 0, len(s.Runs))
	sizes := make([]float64, 0, len(s.Runs)) // distinct counted after a sort (a map of millions of keys is slower)
	for i, r := range s.Runs {
		first := i == 0
		rng(&sum.Params, r.Params, first)
		rng(&sum.Tokens, r.Tokens, first)
		rng(&sum.FLOPs, r.FLOPs, first)
		rng(&sum.Loss, r.Loss, first)
		sizes = append(sizes, r.Params)
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
	slices.Sort(sizes)
	sum.DistinctParams = len(slices.Compact(sizes))
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
			return fmt.Errorf("%s: unknown column %q: want one of %s%s", flag, n, listHeaders(s.knownNames()), didYouMean(n, s.knownNames()))
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
	prev, j := "", -1
	for i := range rs {
		r := &rs[i]
		if j >= 0 && r.ID == prev { // a curve's points are usually consecutive
			if r.Tokens > rs[out[j]].Tokens {
				out[j] = i
			}
			continue
		}
		var ok bool
		j, ok = pos[r.ID]
		prev = r.ID
		switch {
		case !ok:
			j = len(out)
			pos[r.ID] = j
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
