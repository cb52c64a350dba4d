package main

import (
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise it is the
// module version `go install ...@vX.Y.Z` recorded, or 0.1.0-dev in a checkout.
var version = ""

func init() {
	if version != "" {
		return
	}
	version = "0.1.0-dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
}

// env carries what every subcommand needs from the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// isTerminal reports whether w is a terminal (progress lines go to terminals only).
func isTerminal(w io.Writer) bool {
	if e, ok := w.(escapingWriter); ok {
		w = e.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newRootCmd builds the command tree for args. Start-up is lazy: when args name a
// subcommand, only that one is built (each builds its flags, some dozens); help, version,
// completion and anything unrecognised get the whole tree.
func newRootCmd(stdin io.Reader, stdout, stderr io.Writer, args []string) *cobra.Command {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "scalefit",
		Short: "Fit neural scaling laws to training runs and plan compute-optimal allocations",
		Long: `scalefit fits Kaplan (OpenAI 2020) and Chinchilla (DeepMind 2022) scaling laws to a CSV of
training runs (params, tokens or flops, loss), reports honest uncertainty and convergence,
and plans compute-optimal, data-constrained and inference-aware allocations.

Conventions: N counts parameters as your file does (Chinchilla counts embeddings, Kaplan
does not); D counts training tokens; C is training compute in FLOPs, taken as 6ND unless
given; losses are nats per token.

Exit codes: 0 ok; 1 the answer is "no" (check found runs outside the prediction; with
--strict on fit, report, compare, plot, optimal or predict, a fit did not converge: the full
output is written first); 2 error (bad input, bad flags, I/O).`,
		Example: `  scalefit fit testdata/chinchilla.csv --drop-highest-loss 5
  scalefit optimal --law chinchilla2022 --compute 1e21:1e25:x10
  scalefit compare testdata/chinchilla.csv`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &app.UsageError{Err: err} })
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error { return finiteFlags(c) }
	root.CompletionOptions.HiddenDefaultCmd = false
	only := ""
	if len(args) > 0 {
		only = args[0]
	}
	found := false
	for _, sc := range subcommands {
		if sc.name == only {
			root.AddCommand(sc.build(e))
			found = true
		}
	}
	if !found {
		for _, sc := range subcommands {
			root.AddCommand(sc.build(e))
		}
	}
	return root
}

// subcommand is a subcommand's name (its cobra Use's first word) and constructor.
type subcommand struct {
	name  string
	build func(*env) *cobra.Command
}

// subcommands lists scalefit's subcommands; each file registers its own.
var subcommands []subcommand

func register(name string, f func(*env) *cobra.Command) bool {
	subcommands = append(subcommands, subcommand{name, f})
	return true
}

// argsRange accepts min to max positional arguments, with a usage error otherwise.
func argsRange(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			if min == max {
				return app.Usagef("%s takes %d argument(s), got %d", cmd.CommandPath(), min, len(args))
			}
			return app.Usagef("%s takes %d to %d arguments, got %d", cmd.CommandPath(), min, max, len(args))
		}
		return nil
	}
}

// finiteFlags refuses NaN and infinite values of every floating-point flag (pflag parses
// "NaN" and "Inf" as numbers): they would pass range checks written as x < 0 and reach the
// output as NaN.
func finiteFlags(c *cobra.Command) error {
	var err error
	c.Flags().Visit(func(f *pflag.Flag) {
		if err != nil || !strings.HasPrefix(f.Value.Type(), "float") {
			return
		}
		v := strings.ToLower(f.Value.String())
		if strings.Contains(v, "nan") || strings.Contains(v, "inf") {
			err = app.Usagef("--%s %s: want a finite number", f.Name, f.Value.String())
		}
	})
	return err
}
