package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
)

var _ = register("predict", newPredictCmd)

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

func runPredict(cmd *cobra.Command, e *env, o *predictOptions, args []string) error {
	outFmt, err := parseFormat(o.format)
	if err != nil {
		return err
	}
	req := app.PredictRequest{Law: o.src.spec(e, args)}
	if o.params != "" {
		if req.Params, err = app.ParseList("params", o.params); err != nil {
			return err
		}
	}
	if o.tokens != "" {
		if req.Tokens, err = app.ParseList("tokens", o.tokens); err != nil {
			return err
		}
	}
	if o.unique != "" {
		if req.UniqueTokens, err = app.ParseCount("unique-tokens", o.unique, false); err != nil {
			return err
		}
	}
	req.RDStar, req.RNStar = o.rep.overrides(cmd)
	res, err := app.Predict(cmd.Context(), req)
	if err != nil {
		return err
	}
	return render(e, res, outFmt, o.src.strict)
}
