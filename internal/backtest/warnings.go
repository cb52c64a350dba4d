package backtest

// Stable warning codes of the backtest (internal/warn/catalogue.go lists them).
const (
	CodeNoIsoFLOPBudgets = "no-isoflop-budgets"     // budgets are half-decades: no frontier candidates, slope or break
	CodeNoLargestMinimum = "no-largest-minimum"     // the largest budget has no IsoFLOP minimum: frontier errors null
	CodeUnbudgeted       = "unbudgeted-runs"        // runs in no budget: fitted above their compute, never scored
	CodeUnfitted         = "backtest-unfitted"      // a candidate could not be fitted at some cuts (null errors)
	CodeCutNotConverged  = "backtest-not-converged" // a fit at the largest cut did not converge
	CodeNoRecommendation = "no-recommendation"      // no candidate extrapolates within the tolerance
	CodeNoSlope          = "no-local-exponent"      // the broken power law could not be fitted to the minima
)
