package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/cobra"
)

// parseOnly runs cmd's flag parsing and request building with args; the command's run hook
// captures the request instead of running the analysis.
func parseOnly(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

func testEnv() *env {
	return &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
}

func TestOptimalRequest(t *testing.T) {
	var got *app.OptimalRequest
	hook := func(r *app.OptimalRequest) error { got = r; return nil }
	err := parseOnly(t, newOptimalCmdF(testEnv(), hook), "--law", "chinchilla2022", "--compute", "1e21:1e23:x10",
		"--max-unique-tokens", "25B", "--rd-star", "10", "--gpu", "h100-bf16", "--mfu", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	if got.Law.Law != "chinchilla2022" || len(got.Compute) != 3 || got.Compute[2] != 1e23 || got.MaxUniqueTokens != 25e9 ||
		got.RDStar == nil || *got.RDStar != 10 || got.RNStar != nil || got.GPU.Name != "h100-bf16" || got.GPU.MFU != 0.5 || !got.GPU.MFUGiven {
		t.Errorf("request %+v", got)
	}
	got = nil
	if err := parseOnly(t, newOptimalCmdF(testEnv(), hook), "runs.csv", "--where", "loss<3", "--target-loss", "2.1,2.0", "--inference-tokens", "0"); err != nil {
		t.Fatal(err)
	}
	if got.Law.Runs.Paths[0] != "runs.csv" || got.Law.Runs.Options.Where != "loss<3" || len(got.TargetLoss) != 2 || got.InferenceTokens == nil || *got.InferenceTokens != 0 || got.Compute != nil {
		t.Errorf("request %+v", got)
	}
	for _, bad := range [][]string{
		{"--law", "x", "--compute", "1e21:1e25"},
		{"--law", "x", "--params", "-1B"},
		{"--law", "x", "--format", "yaml"},
		{"--law", "x", "--compute", "1e21", "--max-unique-tokens", "0"},
	} {
		got = nil
		if err := parseOnly(t, newOptimalCmdF(testEnv(), hook), bad...); err == nil || got != nil || !app.IsUsage(err) {
			t.Errorf("%v: err %v, request %v; want a usage error before any request", bad, err, got)
		}
	}
}

func TestFitRequest(t *testing.T) {
	var got *app.FitRequest
	hook := func(r *app.FitRequest) error { got = r; return nil }
	err := parseOnly(t, newFitCmdF(testEnv(), hook), "a.csv", "b.csv", "--where", "loss<4", "--holdout", "flops>=1e21",
		"--compute", "1e21:1e23:x10", "--fix", "E=1.69", "--delta", "0.01", "--approach", "3", "-o", "fit.json", "-q", "--convention", "kaplan")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Inputs.Paths) != 2 || got.Inputs.Options.Where != "loss<4" || got.Holdout != "flops>=1e21" || len(got.Budgets) != 3 ||
		got.Delta == nil || *got.Delta != 0.01 || got.Loss != "" || got.Vertex != "" || got.Output != "fit.json" || got.Convention != "kaplan" ||
		len(got.Approaches) != 1 || got.Fix[0] != "E=1.69" || got.Law != "chinchilla" {
		t.Errorf("request %+v", got)
	}
	// A registered family's value and column flags reach the family request.
	if err := parseOnly(t, newFitCmdF(testEnv(), hook), "v.csv", "--family", "vocab-tao2024", "--embed-dim", "4096", "--vocab-col", "V"); err != nil {
		t.Fatal(err)
	}
	if got.Family.Family != "vocab-tao2024" || got.Family.Values["embed_dim"] != 4096 || got.Family.Columns["vocab_size"] != "V" || got.Delta != nil {
		t.Errorf("family request %+v", got.Family)
	}
	for _, bad := range [][]string{
		{"a.csv", "-q"},                  // --quiet without -o
		{"a.csv", "--compute", "1e21:x"}, // a bad range
		{"a.csv", "--format", "yaml"},    // a bad format
		{"a.csv", "--embed-dim", "wide"}, // a bad family value
	} {
		got = nil
		if err := parseOnly(t, newFitCmdF(testEnv(), hook), bad...); err == nil || got != nil || !app.IsUsage(err) {
			t.Errorf("%v: err %v, request %v; want a usage error", bad, err, got)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	var got *app.CheckRequest
	hook := func(r *app.CheckRequest) error { got = r; return nil }
	if err := parseOnly(t, newCheckCmdF(testEnv(), hook), "--fit", "fit.json", "new.csv", "more.csv", "--tolerance", "5%", "--worse-only"); err != nil {
		t.Fatal(err)
	}
	if got.Fit != "fit.json" || len(got.Runs.Paths) != 2 || got.Tolerance != 0.05 || got.Sigma != nil || !got.WorseOnly {
		t.Errorf("request %+v", got)
	}
	if err := parseOnly(t, newCheckCmdF(testEnv(), hook), "--fit", "fit.json", "new.csv", "--sigma", "2", "--side", "better"); err != nil {
		t.Fatal(err)
	}
	if got.Sigma == nil || *got.Sigma != 2 || got.Tolerance != 0 || got.Side != "better" {
		t.Errorf("request %+v", got)
	}
	for _, bad := range [][]string{
		{"--fit", "fit.json"},                                                 // no runs
		{"--fit", "fit.json", "new.csv", "--tolerance", "3"},                  // not a fraction
		{"--fit", "fit.json", "new.csv", "--tolerance", "3%", "--sigma", "2"}, // two bands
	} {
		got = nil
		if err := parseOnly(t, newCheckCmdF(testEnv(), hook), bad...); err == nil || got != nil || !app.IsUsage(err) {
			t.Errorf("%v: err %v, request %v; want a usage error", bad, err, got)
		}
	}
	// The request's own checks.
	for _, r := range []app.CheckRequest{
		{Runs: app.Inputs{Paths: []string{"x"}}},
		{Fit: "f", Side: "sideways"},
		{Fit: "f", Side: "better", WorseOnly: true},
		{Fit: "f", Runs: app.Inputs{Options: runsOptions("g")}},
	} {
		if err := r.Validate(); err == nil || !app.IsUsage(err) {
			t.Errorf("%+v: err %v, want a usage error", r, err)
		}
	}
}

func runsOptions(group string) runs.Options { return runs.Options{GroupCol: group} }
