package app

import (
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/runs"
)

func TestHparamsRequestsValidate(t *testing.T) {
	in := Inputs{Paths: []string{"sweep.csv"}}
	for _, c := range []struct {
		req  HparamsFitRequest
		want string // "" valid
	}{
		{HparamsFitRequest{Inputs: in}, ""},
		{HparamsFitRequest{Inputs: in, SeqLen: 2048, Bootstrap: 1000}, ""},
		{HparamsFitRequest{}, "needs a SWEEP file"},
		{HparamsFitRequest{Inputs: in, SeqLen: 0.5}, "--seq-len"},
		{HparamsFitRequest{Inputs: in, SeqLen: 2048.5}, "--seq-len"},
		{HparamsFitRequest{Inputs: in, Bootstrap: -1}, "--bootstrap"},
		{HparamsFitRequest{Inputs: in, Bootstrap: 1 << 30}, "--bootstrap"},
		{HparamsFitRequest{Inputs: in, Bandwidth: -1}, "--bandwidth"},
		{HparamsFitRequest{Inputs: in, Plots: "figs", PlotFormat: "gif"}, "--plot-format"},
		{HparamsFitRequest{Inputs: Inputs{Paths: []string{"s.csv"}, Options: optsGroup("arch")}}, "--group"},
	} {
		checkUsage(t, c.req.Validate(), c.want)
	}
	for _, c := range []struct {
		req  HparamsPredictRequest
		want string
	}{
		{HparamsPredictRequest{Law: "steplaw2025", Params: []float64{1e9}, Tokens: []float64{1e11}}, ""},
		{HparamsPredictRequest{Law: "deepseek2024-hparams", Compute: []float64{1e22}}, ""},
		{HparamsPredictRequest{Params: []float64{1e9}, Tokens: []float64{1e11}}, "exactly one law"},
		{HparamsPredictRequest{Law: "x", Fit: "y", Compute: []float64{1e22}}, "exactly one law"},
		{HparamsPredictRequest{Law: "x", Compute: []float64{1e22}, Params: []float64{1e9}}, "one or the other"},
		{HparamsPredictRequest{Law: "x", Params: []float64{1e9}}, "needs --params N and --tokens D"},
		{HparamsPredictRequest{Law: "x", Params: []float64{1e9, 2e9}, Tokens: []float64{1e11, 2e11, 3e11}}, "equal lengths"},
		{HparamsPredictRequest{Law: "x", Compute: []float64{0.5}}, "--compute"},
		{HparamsPredictRequest{Law: "x", Params: []float64{0.5}, Tokens: []float64{1e11}}, "--params"},
	} {
		checkUsage(t, c.req.Validate(), c.want)
	}
}

func checkUsage(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("want valid, got %v", err)
	case want != "" && (err == nil || !IsUsage(err) || !strings.Contains(err.Error(), want)):
		t.Errorf("got %v, want a usage error containing %q", err, want)
	}
}

func optsGroup(col string) runs.Options { return runs.Options{GroupCol: col} }
