package curve

import "testing"

// BenchmarkFitDefault400M fits the default law to the 400M train curves (3 curves).
func BenchmarkFitDefault400M(b *testing.B) {
	train := mplCurves(b, "400M", "train")
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(train, FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitMPL2025 runs Luo et al.'s recipe on the 400M train curves.
func BenchmarkFitMPL2025(b *testing.B) {
	train := mplCurves(b, "400M", "train")
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(train, FitOptions{Law: LawMPL, Recipe: RecipeMPL2025}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredictTestCurves scores the published 400M multi-power law on the 6 test curves
// (two of 72,000 steps), schedules included.
func BenchmarkPredictTestCurves(b *testing.B) {
	test := mplCurves(b, "400M", "test")
	p := publishedParams(b, "400M")
	b.ResetTimer()
	for b.Loop() {
		mustEval(b, p, test)
	}
}

// BenchmarkForecastWithPrior forecasts the 400M cosine_72000 test curve from its first third
// with the train curves' law as the prior: 200 bootstrap refits and the 4 backtest refits.
func BenchmarkForecastWithPrior(b *testing.B) {
	res, err := Fit(mplCurves(b, "400M", "train"), FitOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var c *Curve
	for _, t := range mplCurves(b, "400M", "test") {
		if t.Run == "cosine_72000" {
			c = t.Truncate(24000)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := ForecastCurve(c, ForecastOptions{Prior: &res.Params, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
