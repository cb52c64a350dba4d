package main

import (
	"github.com/scalefit/scalefit/internal/report"
	"github.com/spf13/cobra"
)

var _ = register(newFitCmd)

// fitOptions holds the flags of `scalefit fit`.
type fitOptions struct {
	runs   runFlags
	format string
	out    string
	quiet  bool
}

func newFitCmd(e *env) *cobra.Command {
	o := &fitOptions{}
	cmd := &cobra.Command{
		Use:   "fit RUNS.csv",
		Short: "Fit scaling laws to training runs (Chinchilla Approaches 1-3, Kaplan)",
		Long: `Fit scaling laws to a CSV of training runs. RUNS.csv needs params and loss columns and
tokens or flops (the other is derived with C = 6ND); "-" reads standard input.`,
		Example: `  scalefit fit testdata/chinchilla.csv --drop-highest-loss 5
  scalefit fit runs.csv --bootstrap 1000 --seed 1 -o fit.json
  scalefit fit runs.csv --holdout 'flops>=1e21' --format json`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runFit(e, o, args[0]) },
	}
	fs := cmd.Flags()
	o.runs.register(fs)
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVarP(&o.out, "output", "o", "", "save the fit as JSON to this file (reusable by optimal, predict and check)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing to stdout (with -o)")
	return cmd
}

func runFit(e *env, o *fitOptions, path string) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return &usageError{err}
	}
	set, err := o.runs.load(e, path)
	if err != nil {
		return err
	}
	return report.RenderAll(e.stdout, format, []*report.Table{report.SummaryTable(set)}, nil)
}
