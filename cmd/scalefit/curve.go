package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
)

var _ = register(newCurveCmd)

// curveInput holds the flags that say how to read curves files.
type curveInput struct {
	meta     string
	schedule string
	runCol   string
	stepCol  string
	lossCol  string
	groupCol string
}

func (ci *curveInput) register(cmd *cobra.Command, group bool) {
	fs := cmd.Flags()
	fs.StringVar(&ci.meta, "meta", "", "per-run table joined on the run id (a schedule column gives each run's schedule)")
	fs.StringVar(&ci.schedule, "schedule", "", "schedule spec KIND:key=value,... for runs without their own (see scalefit curve --help)")
	fs.StringVar(&ci.runCol, "run-col", "", "column of run ids (default: run, run_id, id or name)")
	fs.StringVar(&ci.stepCol, "step-col", "", "column of steps (default: step, iteration or global_step)")
	fs.StringVar(&ci.lossCol, "loss-col", "", "column of losses (default: loss or train_loss)")
	if group {
		fs.StringVar(&ci.groupCol, "group", "", "column whose values split the curves into groups (one law per model)")
	}
}

// load reads curves from files ("-" is stdin), with each run's schedule resolved.
func (ci *curveInput) load(e *env, paths []string, minPoints int) ([]*curve.Curve, []warn.Warning, error) {
	opts := curve.ReadOptions{RunCol: ci.runCol, StepCol: ci.stepCol, LossCol: ci.lossCol, GroupCol: ci.groupCol,
		Schedule: ci.schedule, MinPoints: minPoints}
	if ci.schedule != "" {
		if _, err := curve.Parse(ci.schedule); err != nil {
			return nil, nil, fmt.Errorf("--schedule: %w", err)
		}
	}
	if ci.meta != "" {
		f, err := os.Open(ci.meta)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		if opts.Meta, err = curve.ReadMeta(f, ci.meta); err != nil {
			return nil, nil, err
		}
	}
	var all []*curve.Curve
	var ws []warn.Warning
	seen := map[string]string{}
	for _, p := range paths {
		var r io.Reader
		if p == "-" {
			r, p = e.stdin, "<stdin>"
		} else {
			f, err := os.Open(p)
			if err != nil {
				return nil, nil, err
			}
			defer f.Close()
			r = f
		}
		cs, w, err := curve.ReadCurves(r, p, opts)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			key := c.Group + "\x00" + c.Run
			if prev, dup := seen[key]; dup {
				return nil, nil, fmt.Errorf("%s: run %q is also in %s", p, c.Run, prev)
			}
			seen[key] = p
		}
		all = append(all, cs...)
		ws = append(ws, w...)
	}
	if ci.meta != "" {
		for _, c := range all {
			if _, ok := opts.Meta[c.Run]; !ok {
				ws = append(ws, warn.New("meta-missing", "run %q is not in %s", c.Run, ci.meta))
			}
		}
	}
	return all, ws, nil
}

// groupCurves splits curves by group, in order of first appearance.
func groupCurves(cs []*curve.Curve) ([]string, map[string][]*curve.Curve) {
	var names []string
	by := map[string][]*curve.Curve{}
	for _, c := range cs {
		if _, ok := by[c.Group]; !ok {
			names = append(names, c.Group)
		}
		by[c.Group] = append(by[c.Group], c)
	}
	return names, by
}

func newCurveCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "curve",
		Short: "Fit schedule-aware loss-curve laws; predict, forecast and plan curves under learning-rate schedules",
		Long: `Loss curves as laws. Curves files have one row per logged point with run, step and loss
columns; each run's learning-rate schedule comes from --schedule SPEC (one for all runs), a
schedule column, a --meta table with run and schedule columns, or a dense per-step lr column
(a sparse one is interpolated with a warning).

Schedule specs: KIND:key=value,... with KIND constant, cosine, linear, wsd or step; keys warmup
(linear warm-up from 0: lr = peak·s/(warmup-1) for s < warmup), steps (T; steps 0..T-1), peak,
final; wsd adds decay_start and decay=exp|linear|cosine|sqrt; step adds at=STEP:LR;STEP:LR.
Decays reach final at s = T, one step after the last. A loss logged at step T is read as T-1.

Laws: mpl, the multi-power law of Luo et al. 2025 (7 parameters), and tissue, the annealing
law of Tissue et al. 2024 (L0, A, alpha, C; lambda 0.999). Built-in: mpl2025-25m, -100m, -400m.`,
		Example: `  scalefit curve fit train.csv --meta schedules.csv -o curve.json
  scalefit curve predict --fit curve.json --schedule wsd:warmup=2160,steps=24000,peak=3e-4,final=3e-5,decay_start=20000,decay=exp
  scalefit curve predict --law mpl2025-400m --against test.csv --meta schedules.csv`,
	}
	cmd.AddCommand(newCurveFitCmd(e), newCurvePredictCmd(e))
	return cmd
}

type curveFitOptions struct {
	in     curveInput
	law    string
	recipe string
	delta  float64
	format string
	out    string
	quiet  bool
}

func newCurveFitCmd(e *env) *cobra.Command {
	o := &curveFitOptions{}
	cmd := &cobra.Command{
		Use:   "fit CURVES...",
		Short: "Fit a curve law to one or more loss curves of the same model",
		Long: `Fit a schedule-aware curve law (Huber, delta 1e-3, on log-loss; global multi-start) to the
curves of one model (or of each --group), and report its parameters, convergence and each
curve's PredE (mean |pred - actual|/actual) and WorstE.

The default, tissue with the tight recipe, was chosen by leave-one-curve-out on the train
curves of Luo et al.'s data (README, "Curve laws"). --law mpl --recipe mpl2025 runs the
authors' early-stopped recipe for the multi-power law; --law mpl alone fits it tightly.`,
		Example: `  scalefit curve fit train.csv --meta schedules.csv -o curve.json
  scalefit curve fit runs.csv --schedule cosine:warmup=2160,steps=24000,peak=3e-4,final=3e-5
  scalefit curve fit all.csv --meta schedules.csv --group model --law mpl --recipe mpl2025 --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCurveFit(e, o, args) },
	}
	o.in.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&o.law, "law", "", "law family to fit: tissue (default) or mpl")
	fs.StringVar(&o.recipe, "recipe", "", "fitting recipe: tight (default) or mpl2025 (Luo et al.'s early-stopped recipe; --law mpl)")
	fs.Float64Var(&o.delta, "delta", 1e-3, "Huber threshold on log-loss residuals")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVarP(&o.out, "output", "o", "", "write the fit to this curve.json (for predict and forecast)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "with -o, print nothing")
	return cmd
}

func runCurveFit(e *env, o *curveFitOptions, args []string) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return &usageError{err}
	}
	law := strings.ToLower(o.law)
	if o.recipe == curve.RecipeMPL2025 && law == "" {
		law = curve.LawMPL
	}
	opts := curve.FitOptions{Law: law, Recipe: strings.ToLower(o.recipe), Delta: o.delta}
	if !(o.delta > 0) {
		return usagef("--delta %g: want a positive threshold", o.delta)
	}
	if law != "" && law != curve.LawMPL && law != curve.LawTissue {
		return usagef("--law %q: want tissue or mpl (the built-in laws are for curve predict --law)", o.law)
	}
	if opts.Recipe != "" && opts.Recipe != curve.RecipeTight && opts.Recipe != curve.RecipeMPL2025 {
		return usagef("--recipe %q: want tight or mpl2025", o.recipe)
	}
	if opts.Recipe == curve.RecipeMPL2025 && law != curve.LawMPL {
		return usagef("--recipe mpl2025 fits the multi-power law: use --law mpl")
	}
	cs, ws, err := o.in.load(e, args, 10)
	if err != nil {
		return err
	}
	doc := report.CurveDocument{SchemaVersion: report.SchemaVersion, Kind: "curve-fit"}
	names, by := groupCurves(cs)
	for _, g := range names {
		res, err := curve.Fit(by[g], opts)
		if err != nil {
			return err
		}
		cf := report.NewCurveFit(g, res.Params, res, res.Curves)
		cf.Schedules = map[string]string{}
		for _, c := range by[g] {
			cf.Schedules[c.Run] = c.Spec()
		}
		for _, w := range res.Warnings {
			w.Group = g
			ws = append(ws, w)
		}
		doc.Groups = append(doc.Groups, cf)
	}
	if o.in.groupCol == "" {
		doc.CurveFit, doc.Groups = &doc.Groups[0], nil
	}
	doc.Warnings = ws
	if doc.Warnings == nil {
		doc.Warnings = []warn.Warning{}
	}
	if o.out != "" {
		if err := safefile.Write(o.out, func(w io.Writer) error { return report.WriteJSON(w, doc) }); err != nil {
			return err
		}
		if o.quiet {
			return nil
		}
	}
	return writeCurveDoc(e, format, &doc, "Curve law fitted")
}

func writeCurveDoc(e *env, format report.Format, doc *report.CurveDocument, title string) error {
	for _, w := range doc.Warnings {
		fmt.Fprintln(e.stderr, "scalefit: warning:", w.String())
	}
	if format == report.JSON {
		return report.WriteJSON(e.stdout, doc)
	}
	return report.RenderAll(e.stdout, format, report.CurveTables(doc.Fits(), title), nil)
}

type curvePredictOptions struct {
	in      curveInput
	fitPath string
	law     string
	against []string
	every   int
	format  string
}

func newCurvePredictCmd(e *env) *cobra.Command {
	o := &curvePredictOptions{}
	cmd := &cobra.Command{
		Use:   "predict (--fit curve.json | --law NAME) (--schedule SPEC | --against CURVES...)",
		Short: "Predict a loss curve under a schedule, or score a law on given curves",
		Long: `Predict the loss curve of a fitted (--fit curve.json) or built-in (--law mpl2025-400m) curve
law under --schedule SPEC (a table of steps, learning rates and losses), or with --against
CURVES the PredE and WorstE of each given curve (their schedules from --meta, a schedule or
lr column, or --schedule).`,
		Example: `  scalefit curve predict --law mpl2025-400m --schedule cosine:warmup=2160,steps=72000,peak=3e-4,final=3e-5
  scalefit curve predict --fit curve.json --against test.csv --meta schedules.csv --format json`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return runCurvePredict(e, o) },
	}
	o.in.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&o.fitPath, "fit", "", "curve.json written by scalefit curve fit -o")
	fs.StringVar(&o.law, "law", "", "built-in curve law: mpl2025-25m, mpl2025-100m or mpl2025-400m")
	fs.StringSliceVar(&o.against, "against", nil, "curves files to score the law on")
	fs.IntVar(&o.every, "every", 0, "with --schedule, print every N-th step (default: about 24 rows)")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

// curveLaw is a law from --fit or --law, possibly one per group.
type curveLaw struct {
	fits []report.CurveFit
}

func loadCurveLaw(fitPath, law string) (*curveLaw, error) {
	switch {
	case fitPath != "" && law != "":
		return nil, usagef("give --fit or --law, not both")
	case fitPath != "":
		d, err := report.ReadCurveDocument(fitPath)
		if err != nil {
			return nil, err
		}
		cl := &curveLaw{fits: d.Fits()}
		for _, f := range cl.fits {
			if _, err := curve.FromMap(f.Law, f.Params); err != nil {
				return nil, fmt.Errorf("%s: %w", fitPath, err)
			}
		}
		return cl, nil
	case law != "":
		p, err := curve.LookupPublished(law)
		if err != nil {
			return nil, &usageError{err}
		}
		cf := report.NewCurveFit("", p.Params, nil, nil)
		cf.Builtin = p.Name
		return &curveLaw{fits: []report.CurveFit{cf}}, nil
	}
	return nil, usagef("give the law: --fit curve.json or --law NAME (see scalefit laws)")
}

// params returns the law for a group ("" when ungrouped).
func (cl *curveLaw) params(group string) (curve.Params, report.CurveFit, error) {
	if len(cl.fits) == 1 {
		p, err := curve.FromMap(cl.fits[0].Law, cl.fits[0].Params)
		return p, cl.fits[0], err
	}
	for _, f := range cl.fits {
		if f.Group == group {
			p, err := curve.FromMap(f.Law, f.Params)
			return p, f, err
		}
	}
	var gs []string
	for _, f := range cl.fits {
		gs = append(gs, f.Group)
	}
	return curve.Params{}, report.CurveFit{}, fmt.Errorf("no fit for group %q in the curve.json (groups %s)", group, strings.Join(gs, ", "))
}

func runCurvePredict(e *env, o *curvePredictOptions) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return &usageError{err}
	}
	cl, err := loadCurveLaw(o.fitPath, o.law)
	if err != nil {
		return err
	}
	if len(o.against) == 0 {
		if o.in.schedule == "" {
			return usagef("give --schedule SPEC to predict a curve, or --against CURVES to score the law")
		}
		if o.in.meta != "" {
			return usagef("--meta needs --against CURVES")
		}
		sc, err := curve.Parse(o.in.schedule)
		if err != nil {
			return fmt.Errorf("--schedule: %w", err)
		}
		par, _, err := cl.params("")
		if err != nil {
			return err
		}
		if len(cl.fits) > 1 {
			return usagef("the curve.json has %d groups: predict --schedule needs an ungrouped fit", len(cl.fits))
		}
		every := o.every
		if every <= 0 {
			every = max(1, sc.Steps/24)
		}
		var steps []int
		for s := 0; s < sc.Steps; s += every {
			if s > 0 {
				steps = append(steps, s)
			}
		}
		if len(steps) == 0 || steps[len(steps)-1] != sc.Steps-1 {
			steps = append(steps, sc.Steps-1)
		}
		lr := sc.LRs()
		pred := curve.Predict(par, lr, steps)
		out := &report.CurvePrediction{SchemaVersion: report.SchemaVersion, Kind: "curve-predict", Law: par.Law,
			Params: par.Map(), Schedule: sc.String(), Final: pred[len(pred)-1], Warnings: []warn.Warning{}}
		for i, s := range steps {
			out.Points = append(out.Points, report.CurvePoint{Step: s, LR: lr[s], Loss: pred[i]})
		}
		if format == report.JSON {
			return report.WriteJSON(e.stdout, out)
		}
		return report.RenderAll(e.stdout, format, []*report.Table{report.CurvePredictionTable(out, format)}, nil)
	}
	cs, ws, err := o.in.load(e, o.against, 2)
	if err != nil {
		return err
	}
	doc := report.CurveDocument{SchemaVersion: report.SchemaVersion, Kind: "curve-predict"}
	names, by := groupCurves(cs)
	sort.Strings(names)
	for _, g := range names {
		par, base, err := cl.params(g)
		if err != nil {
			return err
		}
		cf := report.NewCurveFit(g, par, nil, curve.Evaluate(par, by[g]))
		cf.Builtin, cf.Recipe = base.Builtin, base.Recipe
		doc.Groups = append(doc.Groups, cf)
	}
	if len(doc.Groups) == 1 && doc.Groups[0].Group == "" {
		doc.CurveFit, doc.Groups = &doc.Groups[0], nil
	}
	doc.Warnings = ws
	if doc.Warnings == nil {
		doc.Warnings = []warn.Warning{}
	}
	return writeCurveDoc(e, format, &doc, "Curve law scored on the given curves")
}
