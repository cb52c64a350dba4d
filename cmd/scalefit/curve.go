package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var _ = register("curve", newCurveCmd)

// curveInput holds the flags that say how to read curves files: the shared input flags of
// every command that reads runs (--meta, --run-col, --loss-col, --group, --input-format,
// --run-pattern, --skip-invalid, --where, ...), and the curve's own.
type curveInput struct {
	rf       runFlags
	schedule string
	stepCol  string
	infer    string
	name     func(string) string
}

func (ci *curveInput) register(cmd *cobra.Command) {
	ci.registerNamed(cmd.Flags(), func(n string) string { return n })
}

// registerNamed adds the flags to fs, each named by name (report prefixes those its own
// flags already use).
func (ci *curveInput) registerNamed(fs *pflag.FlagSet, name func(string) string) {
	ci.name = name
	ci.rf.registerNamed(fs, name)
	fs.StringVar(&ci.schedule, name("schedule"), "", "schedule spec KIND:key=value,... for runs without their own (see scalefit curve --help)")
	fs.StringVar(&ci.stepCol, name("step-col"), "", "column of steps (default: step, iteration or global_step)")
	fs.StringVar(&ci.infer, name("infer-schedule"), "", "cosine: derive each run's cosine schedule (warm-up, length, peak, final) from its lr column")
}

// flag names an input flag as the user typed it.
func (ci *curveInput) flag(n string) string {
	if ci.name != nil {
		n = ci.name(n)
	}
	return "--" + n
}

// load reads curves from files, directories or globs ("-" is stdin) in any layout the runs
// reader takes, with each run's schedule resolved.
func (ci *curveInput) load(e *env, paths []string, minPoints int) ([]*curve.Curve, []warn.Warning, error) {
	opts := curve.ReadOptions{Input: ci.rf.opts, StepCol: ci.stepCol, Schedule: ci.schedule, MinPoints: minPoints, InferCosine: ci.infer == "cosine"}
	if ci.infer != "" && ci.infer != "cosine" {
		return nil, nil, app.Usagef("%s %q: want cosine", ci.flag("infer-schedule"), ci.infer)
	}
	if ci.rf.opts.DropHighestLoss != 0 {
		return nil, nil, app.Usagef("%s drops runs of a scaling-law table; the rows of a curve are its points", ci.flag("drop-highest-loss"))
	}
	if len(paths) > maxRunArgs {
		return nil, nil, app.Usagef("%d inputs: want at most %d (give a directory or a quoted glob)", len(paths), maxRunArgs)
	}
	if ci.schedule != "" {
		if _, err := curve.Parse(ci.schedule); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ci.flag("schedule"), err)
		}
	}
	return curve.LoadCurves(paths, e.stdin, opts)
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
columns, in any layout the runs reader takes (CSV, TSV, JSON Lines, JSON, W&B wide and long
exports, several files, a folder or glob of one file per run); each run's learning-rate schedule comes from --schedule SPEC (one for all runs), a
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
	cmd.AddCommand(newCurveFitCmd(e), newCurvePredictCmd(e), newCurveForecastCmd(e), newCurveOptimizeCmd(e))
	return cmd
}

type curveFitOptions struct {
	name   func(string) string // a flag's name on the command (see register)
	in     curveInput
	law    string
	recipe string
	delta  float64
	format string
	out    string
	quiet  bool
	plot   string
	strict bool
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
	o.register(cmd.Flags(), func(n string) string { return n })
	fs := cmd.Flags()
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVarP(&o.out, "output", "o", "", "write the fit to this curve.json (for predict and forecast)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "with -o, print nothing")
	fs.StringVar(&o.plot, "plot", "", "draw the curves, the fitted law and the schedules to this PNG, SVG or PDF")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a fit did not converge (the mpl2025 recipe stops early by design, so it never converges)")
	return cmd
}

// register adds the flags of the fit (the curves' input, --law, --recipe, --delta) to fs,
// each named by name (report prefixes those its own flags already use).
func (o *curveFitOptions) register(fs *pflag.FlagSet, name func(string) string) {
	o.name = name
	o.in.registerNamed(fs, name)
	fs.StringVar(&o.law, name("law"), "", "law family to fit: tissue (default) or mpl")
	fs.StringVar(&o.recipe, name("recipe"), "", "fitting recipe: tight (default) or mpl2025 (Luo et al.'s early-stopped recipe; --law mpl)")
	fs.Float64Var(&o.delta, name("delta"), 1e-3, "Huber threshold on log-loss residuals")
}

// curveFitResult is a curve fit: the document (a fit per group), the curves by group in
// order of first appearance, and the fits that did not converge.
type curveFitResult struct {
	doc          report.CurveDocument
	names        []string
	by           map[string][]*curve.Curve
	notConverged []string
}

// flag names a fit flag as the user typed it.
func (o *curveFitOptions) flag(n string) string {
	if o.name != nil {
		n = o.name(n)
	}
	return "--" + n
}

func runCurveFit(e *env, o *curveFitOptions, args []string) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if err := checkPlotPath(o.plot); err != nil {
		return err
	}
	r, err := o.fit(e, args)
	if err != nil {
		return err
	}
	doc, names, by, notConverged := r.doc, r.names, r.by, r.notConverged
	if o.plot != "" {
		var series []plot.CurveSeries
		for _, g := range names {
			par, _ := curve.FromMap(doc.Groups[0].Law, doc.Groups[indexOf(names, g)].Params)
			series = append(series, curveSeries(par, by[g], true)...)
		}
		if err := saveFigure(o.plot, "curves and the fitted "+doc.Groups[0].Law+" law", series); err != nil {
			return err
		}
	}
	if o.in.rf.opts.GroupCol == "" {
		doc.CurveFit, doc.Groups = &doc.Groups[0], nil
	}
	if o.out != "" {
		if err := safefile.Write(o.out, func(w io.Writer) error { return report.WriteJSON(w, doc) }); err != nil {
			return err
		}
		if o.quiet {
			emitWarnings(e, doc.Warnings)
			return strictErr(e, o.strict, notConverged)
		}
	}
	if err := writeCurveDoc(e, outFmt, &doc, "Curve law fitted"); err != nil {
		return err
	}
	return strictErr(e, o.strict, notConverged)
}

// fit checks the fit flags, reads the curves files and fits the law to each group's curves.
// options checks the fit flags and returns the fit's options.
func (o *curveFitOptions) options() (curve.FitOptions, error) {
	law := strings.ToLower(o.law)
	if o.recipe == curve.RecipeMPL2025 && law == "" {
		law = curve.LawMPL
	}
	opts := curve.FitOptions{Law: law, Recipe: strings.ToLower(o.recipe), Delta: o.delta}
	if !(o.delta > 0) {
		return opts, app.Usagef("%s %g: want a positive threshold", o.flag("delta"), o.delta)
	}
	if law != "" && law != curve.LawMPL && law != curve.LawTissue {
		return opts, app.Usagef("%s %q: want tissue or mpl (the built-in laws are for curve predict --law)", o.flag("law"), o.law)
	}
	if opts.Recipe != "" && opts.Recipe != curve.RecipeTight && opts.Recipe != curve.RecipeMPL2025 {
		return opts, app.Usagef("%s %q: want tight or mpl2025", o.flag("recipe"), o.recipe)
	}
	if opts.Recipe == curve.RecipeMPL2025 && law != curve.LawMPL {
		return opts, app.Usagef("%s mpl2025 fits the multi-power law: use %s mpl", o.flag("recipe"), o.flag("law"))
	}
	return opts, nil
}

func (o *curveFitOptions) fit(e *env, args []string) (*curveFitResult, error) {
	opts, err := o.options()
	if err != nil {
		return nil, err
	}
	cs, ws, err := o.in.load(e, args, 0)
	if err != nil {
		return nil, err
	}
	doc := report.CurveDocument{SchemaVersion: report.SchemaVersion, Kind: "curve-fit"}
	names, by := groupCurves(cs)
	var notConverged []string
	for _, g := range names {
		res, err := curve.Fit(by[g], opts)
		if err != nil {
			return nil, err
		}
		if !res.Converged {
			what := "the " + res.Params.Law + " fit"
			if g != "" {
				what += " of group " + g
			}
			notConverged = append(notConverged, what)
		}
		cf := report.NewCurveFit(g, res.Params, res, res.Curves)
		cf.Degenerate = res.Degenerate
		le, err := curve.MeasureError(by[g], res, opts, curve.ErrorOptions{Seed: 1})
		if err != nil {
			return nil, err
		}
		cf.SetLawError(le)
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
	doc.Warnings = ws
	if doc.Warnings == nil {
		doc.Warnings = []warn.Warning{}
	}
	return &curveFitResult{doc: doc, names: names, by: by, notConverged: notConverged}, nil
}

func writeCurveDoc(e *env, outFmt format.Output, doc *report.CurveDocument, title string) error {
	emitWarnings(e, doc.Warnings)
	if outFmt == format.JSON {
		return report.WriteJSON(e.stdout, doc)
	}
	return report.RenderAll(e.stdout, outFmt, report.CurveTables(doc.Fits(), title, outFmt), stdoutWarnings(outFmt, doc.Warnings))
}

type curvePredictOptions struct {
	in      curveInput
	fitPath string
	law     string
	against []string
	every   int
	format  string
	plot    string
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("every") && o.every < 1 {
				return app.Usagef("--every %d: want a step of 1 or more", o.every)
			}
			return runCurvePredict(e, o)
		},
	}
	o.in.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&o.fitPath, "fit", "", "curve.json written by scalefit curve fit -o")
	fs.StringVar(&o.law, "law", "", "built-in curve law: mpl2025-25m, mpl2025-100m or mpl2025-400m")
	fs.StringSliceVar(&o.against, "against", nil, "curves files to score the law on")
	fs.IntVar(&o.every, "every", 0, "with --schedule, print every N-th step (default: about 24 rows)")
	fs.StringVar(&o.plot, "plot", "", "draw the predicted curves (and the given ones) with their schedules to this PNG, SVG or PDF")
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
		return nil, app.Usagef("give --fit or --law, not both")
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
			return nil, &app.UsageError{Err: err}
		}
		cf := report.NewCurveFit("", p.Params, nil, nil)
		cf.Builtin = p.Name
		e := p.HeldOutPredE
		cf.LOOError, cf.ErrorSource = &e, "the published PredE on the authors' held-out test curves"
		return &curveLaw{fits: []report.CurveFit{cf}}, nil
	}
	return nil, app.Usagef("give the law: --fit curve.json or --law NAME (see scalefit laws)")
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
	return curve.Params{}, report.CurveFit{}, fmt.Errorf("no fit for group %q in the curve.json (groups %s)", group, limits.Names(gs))
}

func runCurvePredict(e *env, o *curvePredictOptions) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if err := checkPlotPath(o.plot); err != nil {
		return err
	}
	cl, err := loadCurveLaw(o.fitPath, o.law)
	if err != nil {
		return err
	}
	if len(o.against) == 0 {
		if o.in.schedule == "" {
			return app.Usagef("give --schedule SPEC to predict a curve, or --against CURVES to score the law")
		}
		if o.in.rf.opts.Meta != "" {
			return app.Usagef("--meta needs --against CURVES")
		}
		sc, err := curve.Parse(o.in.schedule)
		if err != nil {
			return fmt.Errorf("--schedule: %w", err)
		}
		par, base, err := cl.params("")
		if err != nil {
			return err
		}
		if len(cl.fits) > 1 {
			return app.Usagef("the curve.json has %d groups: predict --schedule needs an ungrouped fit", len(cl.fits))
		}
		lawErr, draws := base.LawError()
		every := o.every
		if every == 0 {
			every = curve.EveryDefault(sc)
		}
		lr := sc.LRs
		out := &report.CurvePrediction{SchemaVersion: report.SchemaVersion, Kind: "curve-predict", Law: par.Law,
			Params: par.Map(), Schedule: sc.String(), Warnings: []warn.Warning{}}
		if o.plot != "" {
			ms, ml := plot.ModelPath(par, lr(), 1, 200)
			if err := saveFigure(o.plot, "predicted curve", []plot.CurveSeries{{Run: sc.Kind, ModelSteps: ms, Model: ml, LR: lr()}}); err != nil {
				return err
			}
		}
		out.LawError, out.ErrorSource, out.Draws = lawErr, base.ErrorSource, len(draws)
		pw := report.NewCurvePredictionWriter(e.stdout, outFmt, out, curve.PredictSteps(sc, every))
		if err := curve.PredictEach(par, sc, curve.PredictEachOptions{Every: every, Draws: draws}, func(step int, lr, loss float64, dv []float64) error {
			pt := report.CurvePoint{Step: step, LR: lr, Loss: loss}
			if lawErr > 0 || len(dv) > 0 {
				iv := curve.PredictionInterval(loss, dv, lawErr)
				pt.Interval = &iv
			}
			return pw.Add(pt)
		}); err != nil {
			return err
		}
		return pw.Close()
	}
	cs, ws, err := o.in.load(e, o.against, 2)
	if err != nil {
		return err
	}
	doc := report.CurveDocument{SchemaVersion: report.SchemaVersion, Kind: "curve-predict"}
	names, by := groupCurves(cs)
	sort.Strings(names)
	var series []plot.CurveSeries
	for _, g := range names {
		par, base, err := cl.params(g)
		if err != nil {
			return err
		}
		series = append(series, curveSeries(par, by[g], false)...)
		scores, err := curve.Evaluate(par, by[g])
		if err != nil {
			return err
		}
		cf := report.NewCurveFit(g, par, nil, scores)
		cf.Builtin, cf.Recipe = base.Builtin, base.Recipe
		doc.Groups = append(doc.Groups, cf)
	}
	if o.plot != "" {
		if err := saveFigure(o.plot, "curves and the law's predictions", series); err != nil {
			return err
		}
	}
	if len(doc.Groups) == 1 && doc.Groups[0].Group == "" {
		doc.CurveFit, doc.Groups = &doc.Groups[0], nil
	}
	doc.Warnings = ws
	if doc.Warnings == nil {
		doc.Warnings = []warn.Warning{}
	}
	return writeCurveDoc(e, outFmt, &doc, "Curve law scored on the given curves")
}

type curveForecastOptions struct {
	in         curveInput
	run        string
	fitPath    string
	law        string
	at         int
	steps      int
	gate       string
	bootstrap  int
	noBacktest bool
	seed       uint64
	target     float64
	tolerance  string
	scalingLaw string
	scalingFit string
	params     string
	tokens     string
	format     string
	plot       string
}

func newCurveForecastCmd(e *env) *cobra.Command {
	o := &curveForecastOptions{}
	cmd := &cobra.Command{
		Use:   "forecast RUN.csv --schedule SPEC",
		Short: "Forecast the final loss of a run still training, with a 95% interval; gate it against a target",
		Long: `Forecast the loss of a run in flight at the end of its planned schedule (or --at STEP) from its
partial curve, with a 95% interval: a block bootstrap of the curve's residuals (each
resample refitted), widened by the law's extrapolation error measured on the run itself (a
backtest: refit on the first 50-80% of the logged steps, forecast the last logged points; the
largest error per log-step, times the log-steps to the forecast). On the OLMo ladder and
mpl-curves this interval covered 31 of 38 final losses (the bootstrap alone 11); --no-backtest
gives the bootstrap's alone. With --fit curve.json (sibling runs of the same model, from curve fit) or
a built-in --law, the law's shape is kept and only its level L0 and amplitude A are refitted
to the run: on the OLMo ladder this cut the final-loss error from about 1% to 0.07% (from half
the schedule). Without one, the default law is fitted to the run alone (warning no-prior).

The gate: with --target L, or a scaling law's prediction for the run (--scaling-law NAME or
--scaling-fit fit.json, with --params N --tokens D), exit 1 when the forecast exceeds the
target by more than --tolerance (default 1%); one-sided, as check --worse-only: a run ending
better than the target passes.`,
		Example: `  scalefit curve forecast run.csv --schedule cosine:warmup=2000,steps=100000,peak=3e-4,final=3e-5
  scalefit curve forecast run.csv --schedule wsd:... --fit siblings.json --target 2.95 --tolerance 1%
  scalefit curve forecast run.csv --meta schedules.csv --run 1B-10xC --scaling-fit fit.json --params 1.2B --tokens 240B --format json`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if fs.Changed("at") && o.at < 1 {
				return app.Usagef("--at %d: want a step beyond the last logged step", o.at)
			}
			if fs.Changed("steps") && o.steps < 2 {
				return app.Usagef("--steps %d: want the planned schedule length", o.steps)
			}
			if o.gate != "interval" && o.gate != "point" {
				return app.Usagef("--gate %q: want interval or point", o.gate)
			}
			if fs.Changed("tolerance") && !fs.Changed("target") && o.scalingLaw == "" && o.scalingFit == "" {
				return app.Usagef("--tolerance goes with a target: --target, --scaling-law or --scaling-fit")
			}
			return runCurveForecast(e, o, args[0], fs.Changed("target"))
		},
	}
	o.in.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&o.run, "run", "", "the run to forecast, when the file has several")
	fs.StringVar(&o.fitPath, "fit", "", "curve.json of sibling runs (curve fit -o) to use as the prior")
	fs.StringVar(&o.law, "law", "", "built-in curve law to use as the prior (mpl2025-25m, -100m, -400m)")
	fs.IntVar(&o.at, "at", 0, "step to forecast, beyond the last logged step (default: the last step of the schedule)")
	fs.IntVar(&o.steps, "steps", 0, "without --schedule, the planned schedule length T: the schedule is inferred from the run's lr column")
	fs.StringVar(&o.gate, "gate", "interval", "what the gate reads: interval (its upper end) or point (the forecast alone)")
	fs.IntVar(&o.bootstrap, "bootstrap", 200, "bootstrap resamples for the 95% interval")
	fs.BoolVar(&o.noBacktest, "no-backtest", false, "leave the backtest's extrapolation error out of the interval (the bootstrap's alone: too narrow)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the bootstrap")
	fs.Float64Var(&o.target, "target", 0, "gate: the final loss the run must reach (nats/token)")
	fs.StringVar(&o.tolerance, "tolerance", "1%", "gate: allowed excess over the target, as 1% or 0.01")
	fs.StringVar(&o.scalingLaw, "scaling-law", "", "gate: a built-in scaling law (scalefit laws) whose L(N, D) is the target")
	fs.StringVar(&o.scalingFit, "scaling-fit", "", "gate: a fit.json whose Approach-3 L(N, D) is the target")
	fs.StringVar(&o.params, "params", "", "the run's parameters N, for --scaling-law/--scaling-fit (e.g. 1.2B)")
	fs.StringVar(&o.tokens, "tokens", "", "the run's training tokens D at the end of its schedule (e.g. 240B)")
	fs.StringVar(&o.plot, "plot", "", "draw the partial curve, the forecast with its band and the schedule to this PNG, SVG or PDF")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

// curveTarget resolves the gate's target loss and says where it came from.
func curveTarget(o *curveForecastOptions, targetSet bool) (target float64, source string, ok bool, err error) {
	n := 0
	for _, set := range []bool{targetSet, o.scalingLaw != "", o.scalingFit != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return 0, "", false, app.Usagef("give one target: --target, --scaling-law or --scaling-fit")
	case n == 0:
		if o.params != "" || o.tokens != "" {
			return 0, "", false, app.Usagef("--params and --tokens go with --scaling-law or --scaling-fit")
		}
		return 0, "", false, nil
	case targetSet:
		if !(o.target > 0) || math.IsInf(o.target, 0) {
			return 0, "", false, app.Usagef("--target %g: want a positive loss", o.target)
		}
		return o.target, "--target", true, nil
	}
	if o.params == "" || o.tokens == "" {
		return 0, "", false, app.Usagef("--scaling-law and --scaling-fit need the run's --params N and --tokens D")
	}
	nv, err1 := runs.ParseQuantity(o.params)
	dv, err2 := runs.ParseQuantity(o.tokens)
	if err1 != nil || err2 != nil || limits.Count("--params", nv) != nil || limits.Count("--tokens", dv) != nil {
		return 0, "", false, app.Usagef("--params %q --tokens %q: want counts from %s to %s such as 1.2B and 240B", o.params, o.tokens, limits.Num(limits.MinCount), limits.Num(limits.MaxCount))
	}
	var src *lawsource.Source
	if o.scalingLaw != "" {
		l, err := laws.Lookup(o.scalingLaw)
		if err != nil {
			return 0, "", false, &app.UsageError{Err: err}
		}
		src, source = lawsource.FromBuiltin(l), o.scalingLaw
	} else {
		if src, err = lawsource.FromFile(o.scalingFit, 3); err != nil {
			return 0, "", false, err
		}
		source = o.scalingFit
	}
	t, err := src.Loss(nv, dv)
	if err != nil {
		return 0, "", false, err
	}
	return t, fmt.Sprintf("%s at N %s, D %s", source, o.params, o.tokens), true, nil
}

func runCurveForecast(e *env, o *curveForecastOptions, path string, targetSet bool) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if err := checkPlotPath(o.plot); err != nil {
		return err
	}
	if o.in.infer != "" {
		return app.Usagef("--infer-schedule: a partial curve does not show its schedule's length; give the planned schedule with --schedule SPEC (or a schedule column or --meta)")
	}
	tol, err := app.ParseTolerance(o.tolerance)
	if err != nil {
		return err
	}
	if o.bootstrap < 10 || o.bootstrap > limits.MaxBootstrap {
		return app.Usagef("--bootstrap %d: want 10 to 100000 resamples", o.bootstrap)
	}
	target, source, gate, err := curveTarget(o, targetSet)
	if err != nil {
		return err
	}
	var prior *curve.Params
	priorName, priorErr := "", 0.0
	var priorErrs []curve.FracError
	if o.fitPath != "" || o.law != "" {
		cl, err := loadCurveLaw(o.fitPath, o.law)
		if err != nil {
			return err
		}
		if len(cl.fits) > 1 {
			return app.Usagef("%s has %d groups: forecast needs the fit of one model (curve fit without --group)", o.fitPath, len(cl.fits))
		}
		p, _, err := cl.params("")
		if err != nil {
			return err
		}
		prior, priorName = &p, o.fitPath+o.law
		priorErr, _ = cl.fits[0].LawError()
		priorErrs = cl.fits[0].PriorErrors
	}
	cs, ws, err := o.in.load(e, []string{path}, curve.MinForecastPoints)
	if err != nil {
		return err
	}
	var c *curve.Curve
	switch {
	case o.run != "":
		for _, x := range cs {
			if x.Run == o.run {
				c = x
			}
		}
		if c == nil {
			return fmt.Errorf("%s: no run %q", path, o.run)
		}
	case len(cs) == 1:
		c = cs[0]
	default:
		return app.Usagef("%s has %d runs: choose one with --run", path, len(cs))
	}
	if c.Schedule == nil {
		if o.in.schedule != "" {
			return fmt.Errorf("run %q: no schedule", c.Run)
		}
		sc, w, err := curve.InferPlanned(c, o.steps, o.at)
		if err != nil {
			return err
		}
		c.Schedule, c.LR = sc, sc.LRs()
		ws = slices.DeleteFunc(ws, func(w warn.Warning) bool { return w.Code == curve.CodeLRInterpolated })
		ws = append(ws, w)
	} else if o.steps > 0 {
		return app.Usagef("--steps goes with an lr column and no --schedule: the run's schedule %s sets its length", c.Spec())
	}
	fc, err := curve.ForecastCurve(c, curve.ForecastOptions{Prior: prior, PriorError: priorErr, PriorErrors: priorErrs, At: o.at, Bootstrap: o.bootstrap, Seed: o.seed, NoBacktest: o.noBacktest})
	if err != nil {
		return err
	}
	if o.plot != "" {
		fig, err := plot.ForecastFigure(c, fc)
		if err != nil {
			return err
		}
		if err := fig.Save(o.plot); err != nil {
			return err
		}
	}
	out := report.NewCurveForecast(fc, c.Spec(), priorName)
	out.Warnings = append(ws, out.Warnings...)
	if gate {
		thr := target * (1 + tol)
		ex := (fc.Loss - target) / target
		out.Target, out.Source, out.Tolerance, out.Threshold, out.Excess = &target, source, &tol, &thr, &ex
		out.Gate = o.gate
		out.Verdict = "pass"
		if read := gateValue(fc, o.gate); read > thr {
			out.Verdict = "fail"
		}
	}
	emitWarnings(e, out.Warnings)
	if outFmt == format.JSON {
		err = report.WriteJSON(e.stdout, out)
	} else {
		err = report.RenderAll(e.stdout, outFmt, []*report.Table{report.CurveForecastTable(out, outFmt)}, stdoutWarnings(outFmt, out.Warnings))
	}
	if err != nil {
		return err
	}
	if out.Verdict == "fail" {
		what := "forecast"
		if o.gate == "interval" {
			what = "the forecast interval's upper end"
		}
		v := gateValue(fc, o.gate)
		return &app.NoError{Msg: fmt.Sprintf("run %s: %s %.4f exceeds the target %.4f by %.2f%% (tolerance %.2f%%)", fc.Run, what, v, target, 100*(v-target)/target, 100*tol)}
	}
	return nil
}

// gateValue is what the gate compares with its threshold: the interval's worse (upper) end,
// or with --gate point the forecast alone.
func gateValue(fc *curve.Forecast, gate string) float64 {
	if gate == "point" {
		return fc.Loss
	}
	return fc.Interval[1]
}

type curveOptimizeOptions struct {
	fitPath string
	law     string
	steps   int
	warmup  int
	peak    float64
	finals  []float64
	decays  []string
	grid    int
	format  string
}

func newCurveOptimizeCmd(e *env) *cobra.Command {
	o := &curveOptimizeOptions{}
	cmd := &cobra.Command{
		Use:   "optimize (--fit curve.json | --law NAME) --steps T --peak P",
		Short: "Search warmup-stable-decay schedules for the lowest predicted final loss",
		Long: `Search the wsd family (decay start on a grid, shape exp|linear|cosine|sqrt, final lr) for the
schedule whose final loss the law predicts lowest, and report the predicted gain over a cosine
schedule of the same length, warm-up, peak and final lr. It is a prediction of the law, not a
measurement.`,
		Example: `  scalefit curve optimize --law mpl2025-400m --steps 24000 --warmup 2160 --peak 3e-4 --final 3e-5
  scalefit curve optimize --fit curve.json --steps 100000 --warmup 2000 --peak 3e-4 --final 3e-5,0 --grid 40 --format json`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return runCurveOptimize(e, o) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.fitPath, "fit", "", "curve.json from curve fit -o")
	fs.StringVar(&o.law, "law", "", "built-in curve law (mpl2025-25m, -100m, -400m)")
	fs.IntVar(&o.steps, "steps", 0, "schedule length T")
	fs.IntVar(&o.warmup, "warmup", 0, "warm-up steps")
	fs.Float64Var(&o.peak, "peak", 0, "peak learning rate")
	fs.Float64SliceVar(&o.finals, "final", nil, "final learning rates to try (default peak/10)")
	fs.StringSliceVar(&o.decays, "decay", nil, "decay shapes to try (default exp,linear,cosine,sqrt)")
	fs.IntVar(&o.grid, "grid", 20, "number of decay starts tried, from the end of warm-up to the end")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

func runCurveOptimize(e *env, o *curveOptimizeOptions) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if o.steps < 2 || o.steps > limits.MaxScheduleSteps || !(o.peak > 0) || math.IsInf(o.peak, 0) || o.warmup < 0 || o.warmup >= o.steps {
		return app.Usagef("want --steps T (2 to %d), a finite --peak P > 0 and 0 <= --warmup < T", limits.MaxScheduleSteps)
	}
	if err := limits.LearningRate("--peak", o.peak, false); err != nil {
		return &app.UsageError{Err: err}
	}
	for _, f := range o.finals {
		if !(f >= 0) || f > o.peak {
			return app.Usagef("--final %g: want 0 <= final <= --peak", f)
		}
		if err := limits.LearningRate("--final", f, true); err != nil {
			return &app.UsageError{Err: err}
		}
		if f == 0 && slices.Contains(o.decays, curve.DecayExp) {
			return app.Usagef("--final 0 with --decay exp: an exp decay never reaches 0 (give a positive --final, or another --decay)")
		}
	}
	if o.grid < 2 || o.grid > 1000 {
		return app.Usagef("--grid %d: want 2 to 1000 decay starts", o.grid)
	}
	for _, d := range o.decays {
		switch d {
		case curve.DecayExp, curve.DecayLinear, curve.DecayCosine, curve.DecaySqrt:
		default:
			return app.Usagef("--decay %q: want exp, linear, cosine or sqrt", d)
		}
	}
	cl, err := loadCurveLaw(o.fitPath, o.law)
	if err != nil {
		return err
	}
	if len(cl.fits) > 1 {
		return app.Usagef("%s has %d groups: optimize needs the fit of one model", o.fitPath, len(cl.fits))
	}
	par, base, err := cl.params("")
	if err != nil {
		return err
	}
	if len(base.Degenerate) > 0 {
		return fmt.Errorf("%s: the law is degenerate (%s): its predictions for other schedules mean nothing, so no schedule is searched (refit on curves under more schedules)", o.fitPath, strings.Join(base.Degenerate, "; "))
	}
	lawErr, _ := base.LawError()
	opt, err := curve.Optimize(par, curve.OptimizeOptions{Steps: o.steps, Warmup: o.warmup, Peak: o.peak, Finals: o.finals, Decays: o.decays, Grid: o.grid, LawError: lawErr})
	if err != nil {
		return err
	}
	out := report.NewCurveOptimum(par.Law, opt)
	emitWarnings(e, out.Warnings)
	if outFmt == format.JSON {
		return report.WriteJSON(e.stdout, out)
	}
	return report.RenderAll(e.stdout, outFmt, report.CurveOptimumTables(out, outFmt), stdoutWarnings(outFmt, out.Warnings))
}

// curveSeries pairs each curve with the law's curve under its schedule (fitted: solid).
func curveSeries(par curve.Params, cs []*curve.Curve, fitted bool) []plot.CurveSeries {
	var out []plot.CurveSeries
	for _, c := range cs {
		ms, ml := plot.ModelPath(par, c.LR, c.Steps[0], 200)
		out = append(out, plot.CurveSeries{Run: c.Run, Steps: c.Steps, Loss: c.Loss, ModelSteps: ms, Model: ml, Fitted: fitted, LR: c.LR})
	}
	return out
}

func saveFigure(path, title string, series []plot.CurveSeries) error {
	if _, err := plot.Format(path); err != nil {
		return &app.UsageError{Err: fmt.Errorf("--plot: %w", err)}
	}
	fig, err := plot.CurvesFigure(title, series)
	if err != nil {
		return err
	}
	return fig.Save(path)
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// checkPlotPath refuses a --plot path whose extension is not a figure format, before any work.
func checkPlotPath(path string) error {
	if path == "" {
		return nil
	}
	if _, err := plot.Format(path); err != nil {
		return &app.UsageError{Err: fmt.Errorf("--plot: %w", err)}
	}
	return nil
}
