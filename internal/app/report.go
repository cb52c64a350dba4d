package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
)

// ReportRequest is `scalefit report RUNS -o DIR`: a directory to open or upload, composed of
// the results of the verbs. From the runs it runs fit (every approach the data allow), the
// comparison with the published allocations, the data-constrained law when the runs give
// unique tokens and, with a group column, the comparison of the groups; from saved
// contracts it adds the sections of other verbs: Tasks (a `scalefit tasks --format json`
// document) and Curves (`scalefit curve fit -o` curve.json files and `scalefit curve
// forecast --format json` forecasts).
type ReportRequest struct {
	Fit     FitRequest
	Dir     string // -o DIR
	Ext     string // figure format: png (default), svg or pdf
	Tasks   string
	Curves  []string
	Version string    // scalefit's version, for the "Generated" line
	Start   time.Time // when the command started, for the timing
}

// The files of a report directory (figures aside).
const (
	reportMD       = "report.md"
	reportHTML     = "report.html"
	reportSummary  = "summary.md"
	reportFit      = "fit.json"
	reportManifest = "report.files" // the files the report wrote, one per line
)

// ReportResult is a report written: its files and what its sections said.
type ReportResult struct {
	Dir          string
	Files        []string // written, relative to Dir, in the order they are listed
	warns        []warn.Warning
	notConverged []string
}

// Contract lists the files written.
func (r *ReportResult) Contract() any {
	return map[string]any{"dir": r.Dir, "files": r.Files, "warnings": warn.List(r.warns)}
}

// Blocks: one line per file written.
func (r *ReportResult) Blocks(format.Output) []doc.Block {
	var paths []string
	for _, f := range r.Files {
		paths = append(paths, filepath.Join(r.Dir, f))
	}
	return []doc.Block{&doc.Paragraph{Text: strings.Join(paths, "\n")}}
}

// Warnings are the fit's and every section's.
func (r *ReportResult) Warnings() []warn.Warning { return r.warns }

// NotConverged names the fits that did not converge (curve laws included).
func (r *ReportResult) NotConverged() []string { return r.notConverged }

// section is one section of a report with the figures it wrote.
type section struct {
	report.Section
	figs         []FigureFile
	notConverged []string
}

// Report fits the runs, gathers the sections and writes the directory: report.md,
// report.html (self-contained, figures inline as SVG), summary.md (no images, for a CI job
// summary), the figures and fit.json. It is built in a temporary directory and swapped in
// whole, so a failed run leaves the old report as it was.
func Report(ctx context.Context, r ReportRequest) (*ReportResult, error) {
	if r.Dir == "" {
		return nil, Usagef("-o DIR is required")
	}
	if r.Ext == "" {
		r.Ext = "png"
	}
	if _, err := plot.Format("x." + r.Ext); err != nil {
		return nil, Usagef("--image-format %q: want png, svg or pdf", r.Ext)
	}
	// The saved contracts are read before anything is fitted.
	var tasksDoc *report.TasksDocument
	if r.Tasks != "" {
		var err error
		if tasksDoc, err = readTasks(r.Tasks); err != nil {
			return nil, err
		}
	}
	curveFits, forecasts, curveWarns, err := readCurves(r.Curves)
	if err != nil {
		return nil, err
	}
	if r.Fit.Inputs, err = r.Fit.Inputs.Buffered(); err != nil { // the group comparison reads them again
		return nil, err
	}
	fr, err := FitRuns(ctx, r.Fit)
	if err != nil {
		return nil, err
	}
	res := fr.Analysis
	stage, err := safefile.NewDir(r.Dir)
	if err != nil {
		return nil, err
	}
	defer stage.Abort() // after Commit there is nothing left to remove
	tmp := stage.Path()
	fd := FigureDir{Dir: tmp, Ext: r.Ext, SVG: true}
	var holdout *runs.Expr
	if r.Fit.Holdout != "" {
		holdout, _ = runs.ParseExpr(r.Fit.Holdout) // parsed once already by FitRuns
	}
	in := PlotInput(res.Set, res, holdout)
	written, skipped, err := plot.RenderAll(tmp, in, r.Ext)
	if err != nil {
		return nil, err
	}
	figs := fitFigures(written)
	var skips []string
	for _, s := range skipped {
		skips = append(skips, fmt.Sprintf("%s: %s", s.Kind, s.Reason))
	}
	d := *fr.Doc
	d.Warnings = fr.Base // the families' warnings are in their entries and section
	if err := fitfile.Write(filepath.Join(tmp, reportFit), &d); err != nil {
		return nil, err
	}
	var sections []section
	add := func(s *section, err error) error {
		if err == nil && s != nil {
			sections = append(sections, *s)
		}
		return err
	}
	if err := add(compareSection(res)); err != nil {
		return nil, err
	}
	rep, rfigs, err := RepetitionSection(fr.Auto, res.Budgets, fd)
	if err != nil {
		return nil, err
	}
	if rep != nil {
		sections = append(sections, section{Section: *rep, figs: rfigs, notConverged: fr.Auto.NotConverged})
	}
	if err := add(versusSection(ctx, r, len(res.Groups), fd)); err != nil {
		return nil, err
	}
	if tasksDoc != nil {
		sections = append(sections, section{Section: report.Section{Name: "downstream tasks", Blocks: TasksBlocks(tasksDoc, format.Markdown, nil), Warnings: tasksDoc.Warnings}})
	}
	if err := add(curveSection(curveFits, forecasts, curveWarns, fd)); err != nil {
		return nil, err
	}
	generated := fmt.Sprintf("by scalefit %s in %.2f s.", r.Version, time.Since(r.Start).Seconds())
	var secs []report.Section
	svgs := map[string][]byte{}
	out := &ReportResult{Dir: r.Dir, Files: []string{reportMD, reportHTML, reportSummary}, warns: append([]warn.Warning(nil), d.Warnings...),
		notConverged: res.Unconverged()}
	for _, f := range figs {
		svg, err := plot.SVG(plot.Kind(f.Kind), in)
		if err != nil {
			return nil, fmt.Errorf("report.html: figure %s: %w", f.Kind, err)
		}
		svgs[f.File] = svg
		out.Files = append(out.Files, f.File)
	}
	for _, s := range sections {
		secs = append(secs, s.Section)
		out.warns = append(out.warns, s.Warnings...)
		out.notConverged = append(out.notConverged, s.notConverged...)
		var files []string
		for _, f := range s.figs {
			svgs[f.File] = f.SVG
			files = append(files, f.File)
		}
		sort.Strings(files)
		out.Files = append(out.Files, files...)
	}
	out.Files = append(out.Files, reportFit)
	blocks := report.ReportBlocks(res, &d, figs, skips, generated, secs...)
	var md strings.Builder
	if err := doc.Render(&md, format.Markdown, blocks); err != nil {
		return nil, err
	}
	pages := []struct {
		name  string
		write func(w io.Writer) error
	}{
		{reportMD, func(w io.Writer) error {
			_, err := io.WriteString(w, strings.TrimRight(md.String(), "\n")+"\n")
			return err
		}},
		{reportHTML, func(w io.Writer) error {
			return report.HTMLPage(w, "Scaling-law report: "+filepath.Base(res.Set.Source), blocks, svgs)
		}},
		{reportSummary, func(w io.Writer) error {
			return report.JobSummary(w, report.JobSummaryBlocks(blocks, "the report directory (upload it as a CI artefact)"))
		}},
		{reportManifest, func(w io.Writer) error { _, err := io.WriteString(w, strings.Join(out.Files, "\n")+"\n"); return err }},
	}
	for _, p := range pages {
		if err := safefile.Write(filepath.Join(tmp, p.name), p.write); err != nil {
			return nil, err
		}
	}
	if err := stage.Commit(reportOwns(r.Dir, out.Files)); err != nil {
		return nil, err
	}
	return out, nil
}

// reportOwns says which files of an existing report directory a new report replaces: the
// files the old report listed in its manifest, the ones the new one writes, the pages and
// fit figures every report writes, and temporaries a killed run left; any other file (the
// user's) is kept.
func reportOwns(dir string, files []string) func(name string) bool {
	owned := map[string]bool{reportMD: true, reportHTML: true, reportSummary: true, reportFit: true, reportManifest: true}
	for _, f := range files {
		owned[f] = true
	}
	if f, err := os.Open(filepath.Join(dir, reportManifest)); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name := strings.TrimSpace(sc.Text()); name != "" && !strings.ContainsAny(name, `/\`) {
				owned[name] = true
			}
		}
		f.Close()
	}
	return func(name string) bool { return owned[name] || isFigureName(name) || isTemporary(name) }
}

// compareSection is the section comparing the runs' allocation with OpenAI's (Kaplan) and
// DeepMind's (Chinchilla): compare's exponents table from the fits the report already made
// (no second fit), at the report's budgets.
func compareSection(res *analysis.Result) (*section, error) {
	c, err := PublishedComparison(res)
	if err != nil {
		return nil, err
	}
	// The exponents table with compare's notes; the allocations at each budget are left to
	// scalefit compare (the fits' own are in the tables above).
	tables := report.CompareTables(c, format.Markdown)
	tables[0].Notes = append(tables[0].Notes, c.Notes...)
	return &section{Section: report.Section{Name: "allocation comparison", Blocks: []doc.Block{
		&doc.Heading{Level: 2, Text: "OpenAI vs DeepMind allocation"},
		&doc.Paragraph{Rich: doc.Text{{Text: "How your runs' compute-optimal allocation compares with the published laws (scalefit compare): per 10x compute, the multipliers on N_opt and D_opt. "},
			{Text: "scalefit compare RUNS.csv", Code: true}, {Text: " adds each law's allocation at each budget."}}},
		tables[0]}}}, nil
}

// versusSection is the comparison of the groups when the report's runs are grouped, made as
// compare --group makes it (mixture-of-experts and granularity columns included): the first
// group is the reference, the fit's bootstrap and seed give the intervals. A comparison that
// cannot be made is a note in the section, not a failed report.
func versusSection(ctx context.Context, r ReportRequest, groups int, fd FigureDir) (*section, error) {
	if r.Fit.Inputs.Options.GroupCol == "" || groups < 2 {
		return nil, nil
	}
	res, err := CompareGroups(ctx, GroupsRequest{Runs: r.Fit.Inputs, Bootstrap: r.Fit.Bootstrap, Seed: r.Fit.Seed, Dir: fd.Dir, Ext: fd.Ext})
	if err != nil {
		return &section{Section: report.Section{Name: "group comparison", Blocks: []doc.Block{&doc.Heading{Level: 2, Text: "Which design scales better"},
			&doc.Paragraph{Text: "No comparison of the groups: " + err.Error() + "."}}}}, nil
	}
	blocks := append(res.Blocks(format.Markdown), &doc.Warnings{List: res.R.Warnings, None: true})
	s := &section{Section: report.Section{Name: "group comparison", Blocks: blocks, Warnings: res.R.Warnings}, notConverged: res.R.NotConverged()}
	if res.Figure != "" {
		s.figs = []FigureFile{{Figure: doc.Figure{Name: "frontiers and multipliers", File: res.Figure, Caption: report.VersusCaption}, SVG: res.SVG}}
	}
	return s, nil
}

// readTasks reads a tasks document saved from `scalefit tasks --format json`.
func readTasks(path string) (*report.TasksDocument, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tasks: %w", err)
	}
	var d report.TasksDocument
	if err := json.Unmarshal(b, &d); err != nil || d.Recipe.Link == "" {
		return nil, fmt.Errorf("--tasks %s: not a tasks document (want the output of scalefit tasks --format json)", path)
	}
	return &d, nil
}

// readCurves reads curve.json files (curve fit -o) and forecasts (curve forecast --format
// json), told apart by their content.
func readCurves(paths []string) ([]report.CurveFit, []*report.CurveForecast, []warn.Warning, error) {
	var fits []report.CurveFit
	var forecasts []*report.CurveForecast
	var ws []warn.Warning
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("--curves: %w", err)
		}
		var probe struct {
			Kind     string   `json:"kind"`
			Forecast *float64 `json:"forecast"`
		}
		if err := json.Unmarshal(b, &probe); err != nil {
			return nil, nil, nil, fmt.Errorf("--curves %s: not JSON: %v", p, err)
		}
		switch {
		case probe.Kind == "curve-fit":
			d, err := report.ReadCurveDocument(p)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("--curves: %w", err)
			}
			ws = append(ws, d.Warnings...)
			for _, f := range d.Fits() {
				if _, err := curve.FromMap(f.Law, f.Params); err != nil {
					return nil, nil, nil, fmt.Errorf("--curves %s: %w", p, err)
				}
				fits = append(fits, f)
			}
		case probe.Forecast != nil:
			var f report.CurveForecast
			if err := json.Unmarshal(b, &f); err != nil {
				return nil, nil, nil, fmt.Errorf("--curves %s: %v", p, err)
			}
			forecasts = append(forecasts, &f)
		default:
			return nil, nil, nil, fmt.Errorf("--curves %s: want a curve.json (scalefit curve fit -o) or a forecast (scalefit curve forecast --format json)", p)
		}
	}
	return fits, forecasts, ws, nil
}

// curveFigureCaption says what the curve section's figure shows.
const curveFigureCaption = "The fitted law over the schedules of the curves it was fitted to (lines), and the learning-rate schedules under them"

// curveSection is the "Loss curves" section of saved curve fits and forecasts: their tables,
// the fitted laws drawn over their runs' schedules, and their warnings.
func curveSection(fits []report.CurveFit, forecasts []*report.CurveForecast, ws []warn.Warning, fd FigureDir) (*section, error) {
	if len(fits) == 0 && len(forecasts) == 0 {
		return nil, nil
	}
	s := &section{Section: report.Section{Name: "loss curves", Warnings: ws}}
	blocks := []doc.Block{&doc.Heading{Level: 2, Text: "Loss curves"}}
	blocks = append(blocks, doc.Tables(report.CurveTables(fits, "Curve law fitted", format.Markdown))...)
	var series []plot.CurveSeries
	for _, cf := range fits {
		if cf.Converged != nil && !*cf.Converged {
			what := "the " + cf.Law + " curve fit"
			if cf.Group != "" {
				what += " of group " + cf.Group
			}
			s.notConverged = append(s.notConverged, what)
		}
		par, _ := curve.FromMap(cf.Law, cf.Params)
		runs := make([]string, 0, len(cf.Schedules))
		for run := range cf.Schedules {
			runs = append(runs, run)
		}
		sort.Strings(runs)
		for _, run := range runs {
			sc, err := curve.Parse(cf.Schedules[run])
			if err != nil {
				continue
			}
			lr := sc.LRs()
			ms, ml := plot.ModelPath(par, lr, 1, 200)
			series = append(series, plot.CurveSeries{Run: run, ModelSteps: ms, Model: ml, Fitted: true, LR: lr})
		}
	}
	for _, f := range forecasts {
		blocks = append(blocks, report.CurveForecastTable(f, format.Markdown))
		for _, w := range f.Warnings {
			if w.Group == "" {
				w.Group = f.Run
			}
			s.Warnings = append(s.Warnings, w)
		}
	}
	if len(series) > 0 {
		fig, err := plot.CurvesFigure("the fitted "+fits[0].Law+" law over its runs' schedules", series)
		if err != nil {
			return nil, err
		}
		if s.figs, err = fd.save([]plot.NamedFigure{{Name: "curve-fit", Figure: fig}}, func(string) string { return curveFigureCaption }); err != nil {
			return nil, err
		}
		for _, f := range s.figs {
			g := f.Figure
			blocks = append(blocks, &g)
		}
	}
	s.Blocks = append(blocks, &doc.Warnings{List: s.Warnings, None: true})
	return s, nil
}
