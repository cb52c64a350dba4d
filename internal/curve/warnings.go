package curve

// Warning codes of the curve laws, created where their condition is found; their meanings
// are in the catalogue (internal/warn/catalogue.go, docs/warnings.md).
const (
	CodeNotConverged     = "not-converged"
	CodeDegenerateLaw    = "degenerate-law"
	CodeFewPoints        = "few-points"
	CodePointsDropped    = "points-dropped"
	CodeLawRejected      = "law-rejected"
	CodeWideBand         = "wide-band"
	CodePriorRejected    = "prior-rejected"
	CodeScheduleInferred = "schedule-inferred"
	CodeNoPrior          = "no-prior"
	CodeShortCurve       = "short-curve"
	CodeLRInterpolated   = "lr-interpolated"
	CodeLRMismatch       = "lr-mismatch"
	CodeSkippedRows      = "skipped-rows"
	CodeDecaySkipped     = "decay-skipped"
	CodeNoGain           = "no-gain"
)
