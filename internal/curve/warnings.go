package curve

// Warning codes of the curve laws, created where their condition is found.
//
// catalogue:
//   - not-converged: a curve fit stopped before its convergence test held
//   - degenerate-law: a fitted law has a term below 1e-6 of the loss, a parameter at a bound of
//     its search box, or an exponent above 50 (not a converged law; --strict exits 1)
//   - few-points: a curve has fewer than 10 points (the fit is joint over curves; totals given)
//   - points-dropped: points logged where the law is undefined (before the first positive
//     learning rate, e.g. step 0 of a warm-up) were dropped, with their count
//   - law-rejected: a law forecast more than the lowest loss already logged under a learning
//     rate that does not increase after the cut; it was not used for that run
//   - wide-band: a forecast's 95% interval is wider than ±5% of the forecast
//   - prior-rejected: a prior (sibling runs' law) was not used because its leave-one-curve-out
//     error on the siblings did not beat the run-only fit's backtest
//   - schedule-inferred: a schedule was inferred from an lr column
//   - no-prior: a forecast from the run alone
//   - short-curve: a forecast from less than ShortFraction of the schedule
//   - lr-interpolated, lr-mismatch: an lr column sparse, or unlike the given schedule
//   - skipped-rows: rows skipped by --skip-invalid
//   - decay-skipped: curve optimize left out the exp decay (a final learning rate of 0)
//   - no-gain: curve optimize's predicted gain is within the law's own error
const (
	WarnNotConverged     = "not-converged"
	WarnDegenerateLaw    = "degenerate-law"
	WarnFewPoints        = "few-points"
	WarnPointsDropped    = "points-dropped"
	WarnLawRejected      = "law-rejected"
	WarnWideBand         = "wide-band"
	WarnPriorRejected    = "prior-rejected"
	WarnScheduleInferred = "schedule-inferred"
	WarnNoPrior          = "no-prior"
	WarnShortCurve       = "short-curve"
	WarnLRInterpolated   = "lr-interpolated"
	WarnLRMismatch       = "lr-mismatch"
	WarnSkippedRows      = "skipped-rows"
	WarnDecaySkipped     = "decay-skipped"
	WarnNoGain           = "no-gain"
)
