package app

import (
	"github.com/scalefit/scalefit/internal/dataconstrained"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
)

// Repetitions returns, for every data-constrained fit of auto, what repeating data costs at
// the budgets (FLOPs) under the unique data the fit saw: the largest unique-token pool among
// its runs, each budget's compute-optimal allocation with only that data (Muennighoff et
// al.'s return on compute) against unlimited data.
func Repetitions(auto *AutoFit, budgets []float64) []report.Repetition {
	var out []report.Repetition
	if auto == nil {
		return nil
	}
	for _, fr := range auto.Results {
		for _, f := range fr.Fits {
			l, ok := f.Law.(dataconstrained.Law)
			if !ok {
				continue
			}
			us, _ := f.Extra["unique_tokens"].([]float64)
			if len(us) == 0 {
				continue
			}
			u := us[len(us)-1]
			rep := report.Repetition{Group: f.Group, UniqueTokens: u, RDStar: l.RDStar, RNStar: l.RNStar, Recipe: f.Variant}
			for _, c := range budgets {
				r, err := l.Optimal(c, u)
				if err != nil {
					continue
				}
				rep.Rows = append(rep.Rows, report.RepetitionRow{FLOPs: c, Params: r.Params, Tokens: r.Tokens, Epochs: r.Epochs,
					Loss: r.Loss, UnconstrainedLoss: r.Unconstrained.Loss, Penalty: r.Penalty, Binding: r.Binding})
			}
			if len(rep.Rows) > 0 {
				out = append(out, rep)
			}
		}
	}
	return out
}

// RepetitionFigure draws the runs' loss against epochs with the data-constrained law of the
// first group (nil when no fit has runs at 3 or more epochs of one size and pool).
func RepetitionFigure(auto *AutoFit) *plot.Figure {
	if auto == nil {
		return nil
	}
	for _, fr := range auto.Results {
		for i, f := range fr.Fits {
			l, ok := f.Law.(dataconstrained.Law)
			if !ok || i >= len(fr.inputs) {
				continue
			}
			in := fr.inputs[i]
			us := in.Cols[dataconstrained.ColUnique]
			pin := &plot.RepetitionInput{Title: f.Group, Law: l.Loss, LawLabel: "data-constrained fit"}
			for k, r := range in.Runs {
				pin.Runs = append(pin.Runs, plot.RepetitionRun{Params: r.Params, Tokens: r.Tokens, Unique: us[k], Loss: r.Loss})
			}
			if fig, err := plot.Repetition(pin); err == nil {
				return fig
			}
		}
	}
	return nil
}

// RepetitionSection is a report's section on the data-constrained fit: its table, what
// repetition costs at the report's budgets, its figure (loss against epochs, saved into fd)
// and its warnings; nil when the runs gave no unique tokens.
func RepetitionSection(auto *AutoFit, budgets []float64, fd FigureDir) (*report.Section, []FigureFile, error) {
	if auto == nil || len(auto.Results) == 0 {
		return nil, nil, nil
	}
	out := []doc.Block{&doc.Heading{Level: 2, Text: "Data running out"},
		&doc.Paragraph{Rich: doc.Text{{Text: "The runs give unique tokens, so scalefit fitted Muennighoff et al.'s data-constrained law (docs/data-running-out.md): " +
			"R_D* is how many repetitions of the data it takes to lose 1/e of their value, R_N* the same for parameters beyond the unique data's optimum. Plan with "},
			{Text: "scalefit optimal --fit fit.json --compute C --max-unique-tokens U", Code: true}, {Text: "."}}}}
	for _, t := range auto.Tables(format.Markdown) {
		out = append(out, t)
	}
	for _, r := range Repetitions(auto, budgets) {
		out = append(out, &doc.Paragraph{Text: r.Line()})
	}
	var figs []FigureFile
	if fig := RepetitionFigure(auto); fig != nil {
		var err error
		if figs, err = fd.save([]plot.NamedFigure{{Name: "repetition", Figure: fig}}, func(string) string { return "" }); err != nil {
			return nil, nil, err
		}
		f := figs[0].Figure
		f.Name = "Loss against epochs of repeated data, with the data-constrained law"
		out = append(out, &f)
	}
	out = append(out, &doc.Warnings{List: auto.Warnings, None: true})
	return &report.Section{Name: "data-constrained fit", Blocks: out, Warnings: auto.Warnings}, figs, nil
}
