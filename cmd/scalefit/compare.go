package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
)

var _ = register("compare", newCompareCmd)

// compareOptions holds the flags of `scalefit compare`.
type compareOptions struct {
	runs      runFlags
	compute   string
	laws      []string
	format    string
	bootstrap int
	seed      uint64
	strict    bool
	explain   bool   // --explain
	fitPath   string // --fit, with --explain
	group     app.GroupsRequest
}

// groupOnlyFlags are the flags that mean something only with --group.
var groupOnlyFlags = []string{"reference", "shared", "crossover-max", "plot", "total-params-col", "frontier", "granularity-col"}

// explainRefused are compare's flags that --explain does not use.
var explainRefused = []string{"compute", "where", "group", "drop-highest-loss", "params-col", "tokens-col", "flops-col", "loss-col", "group-col", "run-col", "budget-col"}

func newCompareCmd(e *env) *cobra.Command { return newCompareCmdF(e, nil) }

// newCompareCmdF is compare with a run hook: runF, when not nil, receives the request (an
// *app.CompareRequest, *app.ExplainRequest or *app.GroupsRequest) instead of running it.
func newCompareCmdF(e *env, runF func(req any) error) *cobra.Command {
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare [RUNS.csv]",
		Short: "Compare OpenAI (Kaplan) and DeepMind (Chinchilla) allocations, and your own fits",
		Long: `Compare the compute-optimal allocations of the published scaling laws, and of your own
runs when RUNS.csv is given: per 10x compute the multiplier on N_opt and on D_opt, and at
each --compute budget N_opt, D_opt, tokens per parameter and the predicted loss (nats/token)
where the law predicts one. C = 6ND in FLOPs.

With RUNS.csv, scalefit fits every approach the runs allow (Chinchilla's Approaches 1-3 and
Kaplan's joint L(N, D), as scalefit fit --law all does) and says which published allocation
the exponent a sits closer to: Kaplan's 0.73 or Chinchilla's equal scaling 0.5 (with its 95%
interval under --bootstrap). The verdict rests on the approach the data support best, and
names it: a converged Approach-3 fit; else Approach 2 with 3 or more accepted IsoFLOP
budgets; else Approach 1; else Approach 2 on 2 budgets; a fit that did not converge is used
only when nothing else ran, and the verdict says so. The default budgets follow the runs'
range (decades from the largest run up), as fit's do.

Kaplan's laws count non-embedding parameters, Chinchilla's count all parameters; your fits
count N as your file does.

With --group COL, compare compares the groups of RUNS.csv instead (architectures, data mixes,
MoE against dense): each group's loss-optimal frontier L*(C), and for every group against the
--reference the compute multiplier m(C) = C_B(L*_A(C)) / C at each budget (below 1: less
compute for the same loss), the crossover compute, the exponent differences, and with
--bootstrap K 95% intervals from resampling runs within each group. --shared E fits one
irreducible loss across groups; --frontier auto|approach3|isoflop chooses the frontier;
--plot FILE draws frontiers and multipliers.`,
		Example: `  scalefit compare
  scalefit compare --compute 1e21,1e23,1e25 --law kaplan2020-allocation,chinchilla2022-equal
  scalefit compare testdata/chinchilla.csv --drop-highest-loss 5
  scalefit compare runs.csv --bootstrap 200 --seed 1 --format json
  scalefit compare --explain --law chinchilla2022,epoch2024
  scalefit compare testdata/versus_synthetic.csv --group arch --reference ref --shared E --bootstrap 200
  scalefit compare testdata/gadre.csv --group train_dataset --loss-col loss_c4_val --plot versus.png`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.request(cmd, e, args)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(req)
			}
			var res app.Result
			switch r := req.(type) {
			case *app.ExplainRequest:
				res, err = app.Explain(cmd.Context(), *r)
			case *app.GroupsRequest:
				res, err = app.CompareGroups(cmd.Context(), *r)
			case *app.CompareRequest:
				res, err = app.Compare(cmd.Context(), *r)
			}
			if err != nil {
				return err
			}
			return render(e, res, outFmt(o.format), o.strict && !o.explain)
		},
	}
	fs := cmd.Flags()
	g := &o.group
	fs.StringVar(&g.Reference, "reference", "", "with --group: the group the others are measured against (default: the first group in the file)")
	fs.StringVar(&g.Shared, "shared", "", "with --group: parameters fitted jointly across groups; only E (one irreducible loss) is supported")
	fs.Float64Var(&g.CrossoverMax, "crossover-max", 0, "with --group: the largest compute (FLOPs) searched for a crossover (default: the largest budget)")
	fs.StringVar(&g.Plot, "plot", "", "with --group: also draw the frontiers and multipliers to this file (.png, .svg, .pdf)")
	fs.StringVar(&g.Frontier, "frontier", "auto", "with --group: each group's loss-optimal frontier from its Approach-3 law (approach3), from a fit of E + K (C/6)^-slope to its IsoFLOP minima (isoflop), or auto: Approach 3 unless it misses some group's IsoFLOP minima by more than 1%")
	fs.StringVar(&g.GranCol, "granularity-col", "", "with --group: column of mixture-of-experts granularity G; a group whose G varies is fitted with Krajewski et al.'s L = c + (g/G^gamma + a)/N^alpha + b/D^beta (default: granularity, when the file has it)")
	fs.StringVar(&g.TotalCol, "total-params-col", "", "with --group: column of total parameters (mixture-of-experts memory; default: total_params when the file has active_params and total_params)")
	o.runs.register(fs)
	fs.BoolVar(&o.explain, "explain", false, "why Kaplan and Chinchilla disagree: each law read with N and C counted two ways (all parameters; non-embedding, Pearce & Song 2024) over Kaplan's compute range, and Porian et al. 2024's chain of corrections")
	fs.StringVar(&o.fitPath, "fit", "", "with --explain: also read the Chinchilla fit of this fit.json (Approach 3, else the allocation of Approach 2 or 1)")
	fs.StringVar(&o.compute, "compute", "1e21,1e23,1e25", "comma-separated compute budgets in FLOPs (default with RUNS.csv: decades from your largest run up, as fit's)")
	fs.StringSliceVar(&o.laws, "law", nil, "published laws to show, comma-separated (default: all; see scalefit laws)")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.IntVar(&o.bootstrap, "bootstrap", 0, "bootstrap resamples for the interval of your fitted a (with RUNS.csv)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the bootstrap")
	fs.BoolVar(&o.strict, "strict", false, "exit 1, after the full output, when a fit to RUNS.csv did not converge")
	return cmd
}

// request builds the request of the comparison the flags ask for.
func (o *compareOptions) request(cmd *cobra.Command, e *env, args []string) (any, error) {
	if _, err := parseFormat(o.format); err != nil {
		return nil, err
	}
	changed := cmd.Flags().Changed
	in := app.Inputs{Paths: args, Options: o.runs.opts, Stdin: e.stdin}
	if o.explain {
		if len(args) > 0 {
			return nil, app.Usagef("--explain reads published laws (--law) and fits (--fit), not RUNS.csv: fit the runs with scalefit fit -o fit.json, then pass --fit fit.json")
		}
		for _, n := range explainRefused {
			if changed(n) {
				return nil, app.Usagef("--%s does not apply to --explain (its range is Pearce & Song's 10^12.95 to 10^20.7 FLOPs)", n)
			}
		}
		k := app.ExplainDefaultBootstrap
		if changed("bootstrap") {
			k = o.bootstrap
		}
		return &app.ExplainRequest{Laws: o.laws, Fit: o.fitPath, Bootstrap: k, Seed: o.seed}, nil
	}
	if o.fitPath != "" {
		return nil, app.Usagef("--fit applies to --explain")
	}
	var budgets []float64
	if changed("compute") {
		var err error
		if budgets, err = app.ParseCompute(o.compute); err != nil {
			return nil, app.Usagef("--compute: %v", err)
		}
	}
	if o.runs.opts.GroupCol != "" {
		if len(o.laws) > 0 {
			return nil, app.Usagef("--law does not apply to compare --group (it compares your groups, not published laws)")
		}
		g := o.group
		g.Runs, g.Budgets, g.Bootstrap, g.Seed = in, budgets, o.bootstrap, o.seed
		return &g, nil
	}
	for _, f := range groupOnlyFlags {
		if changed(f) {
			return nil, app.Usagef("--%s needs --group COL (the comparison of groups)", f)
		}
	}
	return &app.CompareRequest{Runs: in, Budgets: budgets, Laws: o.laws, Bootstrap: o.bootstrap, Seed: o.seed}, nil
}
