package main

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
)

var _ = register(newPredictCmd)

// predictOptions holds the flags of `scalefit predict`.
type predictOptions struct {
	src    lawFlags
	params string // parameter counts N
	tokens string // training tokens D
	unique string // unique tokens U (data-constrained), "" for unlimited data
	rep    repetitionFlags
	format string
}

func newPredictCmd(e *env) *cobra.Command {
	o := &predictOptions{}
	cmd := &cobra.Command{
		Use:   "predict [RUNS.csv]",
		Short: "Predict the loss of N parameters trained on D tokens",
		Long: `Predict the loss (nats/token) of models of --params N trained on --tokens D, with a law from
--fit fit.json, --law NAME or a RUNS.csv (fitted on the fly). Lists pair up element by element;
a single value is used with every value of the other list. With a fit that has bootstrap draws,
a 95% interval is shown; with a fit's range, predictions are compared with the largest fitted
run (C = 6ND) and those more than 10x beyond the fitted compute are flagged.`,
		Example: `  scalefit predict --law chinchilla2022 --params 70B --tokens 1.4T
  scalefit predict --law epoch2024 --params 1B,7B,70B --tokens 2T
  scalefit predict --fit fit.json --params 400M,1B --tokens 8B,20B --format json
  scalefit predict --law muennighoff2023 --params 7B --tokens 237B --unique-tokens 25B`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPredict(cmd, e, o, args) },
	}
	fs := cmd.Flags()
	o.src.register(fs)
	fs.StringVar(&o.params, "params", "", "parameter counts N, e.g. 400M,1B,70B")
	fs.StringVar(&o.tokens, "tokens", "", "training tokens D, e.g. 8B,1.4T")
	fs.StringVar(&o.unique, "unique-tokens", "", "unique tokens U the D tokens are drawn from (D/U epochs; Muennighoff et al. 2023)")
	o.rep.register(fs)
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

// pairLists pairs two lists element by element, broadcasting a single value.
func pairLists(ns, ds []float64) ([][2]float64, error) {
	switch {
	case len(ns) == len(ds):
	case len(ns) == 1:
		for range ds[1:] {
			ns = append(ns, ns[0])
		}
	case len(ds) == 1:
		for range ns[1:] {
			ds = append(ds, ds[0])
		}
	default:
		return nil, usagef("--params has %d values and --tokens %d: want equal lengths, or one value for either", len(ns), len(ds))
	}
	out := make([][2]float64, len(ns))
	for i := range ns {
		out[i] = [2]float64{ns[i], ds[i]}
	}
	return out, nil
}

func runPredict(cmd *cobra.Command, e *env, o *predictOptions, args []string) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &usageError{err}
	}
	if o.params == "" || o.tokens == "" {
		return usagef("predict needs --params N and --tokens D")
	}
	ns, err := positiveList("params", o.params)
	if err != nil {
		return err
	}
	ds, err := positiveList("tokens", o.tokens)
	if err != nil {
		return err
	}
	points, err := pairLists(ns, ds)
	if err != nil {
		return err
	}
	src, err := o.src.resolve(e, args)
	if err != nil {
		return err
	}
	if !src.HasLoss() {
		return fmt.Errorf("%s: predict needs a law that predicts loss (see scalefit laws)", src.Kind())
	}
	doc := &report.PlanDocument{Command: "predict", Mode: report.PlanPredict, Law: src.Info,
		Warnings: append(warn.List(nil), src.Warnings...)}
	var dl *plan.DataLaw
	u := 0.0
	if o.unique != "" {
		if u, err = countFlag("unique-tokens", o.unique, false); err != nil {
			return err
		}
		if o.rep.rdStar < 0 || o.rep.rnStar < 0 {
			return usagef("--rd-star and --rn-star: want non-negative numbers")
		}
		l, err := src.ChinchillaLaw("--unique-tokens")
		if err != nil {
			return err
		}
		d := o.rep.dataLaw(cmd, l, src, doc)
		dl = &d
		doc.Notes = append(doc.Notes, "repetition: R_D* "+format.Float(d.RDStar, 4)+", R_N* "+format.Float(d.RNStar, 4)+
			"; penalty = loss - loss of the same N and D with unlimited unique data")
	} else if cmd.Flags().Changed("rd-star") || cmd.Flags().Changed("rn-star") {
		return usagef("--rd-star and --rn-star need --unique-tokens")
	}
	for _, p := range points {
		n, d := p[0], p[1]
		loss, err := src.Loss(n, d)
		if err != nil {
			return err
		}
		c := 6 * n * d
		r := report.PlanRow{FLOPs: c, Params: n, Tokens: d, TokensPerParam: d / n, Loss: fp(loss)}
		if dl != nil {
			free := loss
			loss = dl.Loss(n, d, u)
			r.Loss, r.UniqueTokens, r.Epochs = fp(loss), fp(u), fp(d/u)
			r.UnconstrainedLoss, r.LossPenalty = fp(free), fp(loss-free)
		}
		if iv, ok := plan.LossInterval(src.Draws, n, d); ok && dl == nil {
			r.LossInterval = ivp(iv)
		}
		if f, ws := src.Extrapolation(c, format.Sci, format.Ratio); f > 0 {
			r.Extrapolation = fp(f)
			doc.Warnings = append(doc.Warnings, ws...)
		}
		doc.Rows = append(doc.Rows, r)
	}
	if err := report.WritePlan(e.stdout, outFmt, doc); err != nil {
		return err
	}
	emitWarnings(e, doc.Warnings)
	return strictErr(e, o.src.strict, src.NotConverged)
}
