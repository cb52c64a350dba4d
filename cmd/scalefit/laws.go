package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
)

var _ = register("laws", newLawsCmd)

// lawsOptions holds the flags of `scalefit laws`.
type lawsOptions struct {
	format string
}

func newLawsCmd(e *env) *cobra.Command {
	o := &lawsOptions{}
	cmd := &cobra.Command{
		Use:   "laws",
		Short: "List the built-in published scaling laws with their constants and citations",
		Long: `List every built-in published law (the names --law accepts): its form and constants,
the exponents a and b of N_opt ∝ C^a and D_opt ∝ C^b under C = 6ND, how much N and D grow
per 10x compute, its citation, and its conventions (Kaplan's N excludes embeddings,
Chinchilla's counts all parameters).`,
		Example: `  scalefit laws
  scalefit laws --format json
  scalefit laws --format markdown > LAWS.md`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return runLaws(e, o) },
	}
	cmd.Flags().StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

func runLaws(e *env, o *lawsOptions) error {
	f, err := parseFormat(o.format)
	if err != nil {
		return err
	}
	return render(e, app.Laws(), f, false)
}
