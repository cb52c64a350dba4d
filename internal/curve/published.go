package curve

import (
	"fmt"
	"strings"
)

// Published is a built-in curve law with its citation.
type Published struct {
	Name     string
	Title    string
	Citation string
	Params   Params
	// HeldOutPredE is the law's published PredE on the authors' held-out (test) curves: its
	// measured error on schedules it was not fitted on (the intervals of curve predict --law).
	HeldOutPredE float64
}

const mplCitation = "Luo et al. 2025, A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules (ICML 2025, arXiv:2503.12811), parameters from github.com/thu-yao-01-luo/MultiPowerLaw; fitted on cosine_24000, constant_24000 and wsdcon_9 (peak 3e-4, 2,160 warm-up steps)"

// PublishedLaws are the multi-power-law parameters Luo et al. published for their 25M,
// 100M and 400M models (the 6 test curves give PredE 0.00110, 0.00142, 0.00168).
var PublishedLaws = []Published{
	{Name: "mpl2025-25m", Title: "Multi-power law, 25M model", Citation: mplCitation,
		Params: Params{Law: LawMPL, L0: 3.04045406, A: 0.52468604, Alpha: 0.50786857, B: 363.78751622, C: 2.06560812, Beta: 0.58279013, Gamma: 0.64142257}, HeldOutPredE: 0.00110},
	{Name: "mpl2025-100m", Title: "Multi-power law, 100M model", Citation: mplCitation,
		Params: Params{Law: LawMPL, L0: 2.6514477, A: 0.60115152, Alpha: 0.45295811, B: 437.9464276, C: 2.13245612, Beta: 0.59785199, Gamma: 0.65523644}, HeldOutPredE: 0.00142},
	{Name: "mpl2025-400m", Title: "Multi-power law, 400M model", Citation: mplCitation,
		Params: Params{Law: LawMPL, L0: 2.37474466, A: 0.65421216, Alpha: 0.42878731, B: 523.42464371, C: 2.02462735, Beta: 0.59350493, Gamma: 0.63472457}, HeldOutPredE: 0.00168},
}

// LookupPublished finds a built-in curve law by name (case-insensitive).
func LookupPublished(name string) (*Published, error) {
	var names []string
	for i := range PublishedLaws {
		if strings.EqualFold(PublishedLaws[i].Name, strings.TrimSpace(name)) {
			return &PublishedLaws[i], nil
		}
		names = append(names, PublishedLaws[i].Name)
	}
	return nil, fmt.Errorf("unknown curve law %q: want one of %s (see scalefit laws)", name, strings.Join(names, ", "))
}

// FormName describes a law family's formula.
func FormName(law string) string {
	if law == LawTissue {
		return "L0 + A·S1^-alpha − C·S2 (momentum lambda)"
	}
	return "L0 + A·S1^-alpha − B·Σ(η_{k-1}−η_k)(1 − (1 + C·η_k^-gamma·S_k)^-beta)"
}
