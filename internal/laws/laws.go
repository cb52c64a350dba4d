// Package laws is the catalogue of built-in published scaling laws, looked up by name with
// --law NAME (case-insensitive). Each carries its citation and conventions: how parameters
// are counted (with or without embeddings), how compute is counted (6ND), and the data set
// its loss was measured on.
package laws

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/kaplan"
)

// PFDay is one petaFLOP/s-day in FLOPs (Kaplan et al. measure compute in PF-days).
const PFDay = 8.64e19

// Allocation is a published compute-allocation rule that is not the frontier of a loss
// law: N = NCoef (C/CUnit)^NExp and D = DCoef (C/CUnit)^DExp, with C in FLOPs.
type Allocation struct {
	NCoef, NExp float64
	DCoef, DExp float64
	CUnit       float64 // FLOPs per unit of the rule's compute variable
}

// Optimal returns N and D at c FLOPs; an allocation rule has no loss (NaN).
func (a Allocation) Optimal(c float64) (n, d, loss float64) {
	x := c / a.CUnit
	return a.NCoef * math.Pow(x, a.NExp), a.DCoef * math.Pow(x, a.DExp), math.NaN()
}

// ComputeForParams inverts the rule: the budget in FLOPs at which n parameters are optimal,
// and the tokens D the rule gives there.
func (a Allocation) ComputeForParams(n float64) (c, d float64) {
	x := math.Pow(n/a.NCoef, 1/a.NExp)
	c = x * a.CUnit
	_, d, _ = a.Optimal(c)
	return c, d
}

// Loss is NaN: an allocation rule predicts no loss.
func (a Allocation) Loss(n, d float64) float64 { return math.NaN() }

// Exponents returns the rule's exponents of N and D in C.
func (a Allocation) Exponents() (na, nb float64) { return a.NExp, a.DExp }

// Law is a built-in published law. Exactly one of Chinchilla, Kaplan and Allocation
// describes the compute-optimal allocation; Chinchilla and Kaplan, when set, also predict
// loss.
type Law struct {
	Name        string
	Title       string
	Citation    string
	Conventions string
	// Chinchilla is the parametric loss law L(N, D) = E + A/N^α + B/D^β, or nil.
	Chinchilla *chinchilla.Law
	// Kaplan is Kaplan et al.'s joint law L(N, D) = [(Nc/N)^(αN/αD) + Dc/D]^αD, or nil;
	// its allocation is the frontier of the law under C = 6ND (a = αD/(αN+αD)).
	Kaplan *kaplan.Law
	// Allocation is an allocation rule with no loss law, or nil.
	Allocation *Allocation
	// RDStar and RNStar are Muennighoff et al.'s data-constrained constants (0 when the law
	// has none): the number of repeated epochs (R_D*) and excess parameters ratio (R_N*)
	// at which repeated data and excess parameters lose 1/e of their value.
	RDStar, RNStar float64
	// NonEmbedding is true when N excludes embedding parameters (Kaplan et al.).
	NonEmbedding bool
}

// family is the law that answers for l: its Chinchilla or Kaplan loss law, or its
// allocation rule (the method set of lawsource.Law).
func (l *Law) family() interface {
	Loss(n, d float64) float64
	Optimal(c float64) (n, d, loss float64)
	ComputeForParams(n float64) (c, d float64)
	Exponents() (a, b float64)
} {
	switch {
	case l.Chinchilla != nil:
		return *l.Chinchilla
	case l.Kaplan != nil:
		return *l.Kaplan
	}
	return *l.Allocation
}

// Loss predicts the loss (nats/token) of n parameters trained on d tokens; NaN for an
// allocation rule.
func (l *Law) Loss(n, d float64) float64 { return l.family().Loss(n, d) }

// HasLoss reports whether the law predicts loss (an allocation rule does not).
func (l *Law) HasLoss() bool { return l.Chinchilla != nil || l.Kaplan != nil }

// Optimal returns the compute-optimal N and D at c FLOPs and the predicted loss (NaN for an
// allocation rule).
func (l *Law) Optimal(c float64) (n, d, loss float64) { return l.family().Optimal(c) }

// ComputeForParams returns the budget at which n parameters are compute-optimal and the
// tokens there.
func (l *Law) ComputeForParams(n float64) (c, d float64) { return l.family().ComputeForParams(n) }

// Exponents returns a and b of N_opt ∝ C^a and D_opt ∝ C^b.
func (l *Law) Exponents() (a, b float64) { return l.family().Exponents() }

func exp(x float64) float64 { return math.Exp(x) }

const chinchillaConv = "N counts all parameters (embeddings included); C = 6ND; loss: MassiveText training loss, nats/token"

var catalogue = []*Law{
	{
		Name:         "kaplan2020",
		Title:        "Kaplan et al. 2020 joint law L(N, D) and its compute frontier",
		Citation:     "Kaplan et al. 2020, Scaling Laws for Neural Language Models, Table 2 / Eq. 1.5: L = [(Nc/N)^(alphaN/alphaD) + Dc/D]^alphaD, alphaN 0.076, alphaD 0.103, Nc 6.4e13, Dc 1.8e13",
		Conventions:  "N excludes embeddings; C = 6ND; allocation is the frontier of the joint law (a = alphaD/(alphaN+alphaD)), not Kaplan's allocation rule; loss: WebText2, nats/token",
		Kaplan:       &kaplan.Law{Nc: kaplan.Published.Nc, Dc: kaplan.Published.Dc, AlphaN: kaplan.Published.AlphaN, AlphaD: kaplan.Published.AlphaD},
		NonEmbedding: true,
	},
	{
		Name:         "kaplan2020-allocation",
		Title:        "Kaplan et al. 2020 compute-efficient allocation",
		Citation:     "Kaplan et al. 2020, Scaling Laws for Neural Language Models, Table 6 / Eq. 6.1: N = 1.3e9 C_min^0.73, D = 2e10 C_min^0.27",
		Conventions:  "N excludes embeddings; C_min in PF-days (8.64e19 FLOPs) with C_min = C/2 (batch at the critical size); loss: WebText2, nats/token",
		Allocation:   &Allocation{NCoef: 1.3e9, NExp: 0.73, DCoef: 2e10, DExp: 0.27, CUnit: 2 * PFDay},
		NonEmbedding: true,
	},
	{
		Name:        "chinchilla2022",
		Title:       "Chinchilla Approach 3, printed constants",
		Citation:    "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models, Eq. 10 / App. D.2: E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28",
		Conventions: chinchillaConv,
		Chinchilla:  &chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28},
	},
	{
		Name:        "chinchilla2022-tex",
		Title:       "Chinchilla Approach 3, unrounded constants",
		Citation:    "Hoffmann et al. 2022, unrounded from the paper's TeX source as quoted by Besiroglu et al. 2024: ln A 6.0073404, ln B 6.0179186, ln E 0.5267228, alpha 0.33917084, beta 0.2849083",
		Conventions: chinchillaConv,
		Chinchilla:  &chinchilla.Law{E: exp(0.5267228), A: exp(6.0073404), B: exp(6.0179186), Alpha: 0.33917084, Beta: 0.2849083},
	},
	{
		Name:        "chinchilla2022-a3",
		Title:       "Chinchilla Approach 3, Table A3 variant",
		Citation:    "Hoffmann et al. 2022 printed E, A, B with alpha 0.336, beta 0.283 (the variant that reproduces Table A3 and is used by Sardana et al. 2023)",
		Conventions: chinchillaConv,
		Chinchilla:  &chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.336, Beta: 0.283},
	},
	{
		Name:        "chinchilla2022-equal",
		Title:       "Chinchilla Approaches 1 and 2: equal scaling, 20 tokens per parameter",
		Citation:    "Hoffmann et al. 2022, Table 2 (a = 0.50, 0.49) and Table 3: N and D grow equally, D/N = 20",
		Conventions: "N counts all parameters; C = 6ND, D = 20N",
		Allocation:  &Allocation{NCoef: 1 / math.Sqrt(120), NExp: 0.5, DCoef: 20 / math.Sqrt(120), DExp: 0.5, CUnit: 1},
	},
	{
		Name:        "epoch2024",
		Title:       "Epoch AI replication of Chinchilla Approach 3",
		Citation:    "Besiroglu et al. 2024, Chinchilla Scaling: A replication attempt (arXiv:2404.10102), Huber grid fit on 240 runs: E 1.8172, A 477.8, B 2143.4, alpha 0.34731, beta 0.36717",
		Conventions: chinchillaConv + " (digitised from Hoffmann et al. Fig. 4)",
		Chinchilla:  &chinchilla.Law{E: 1.817218, A: 477.830, B: 2143.41, Alpha: 0.347311, Beta: 0.367172},
	},
	{
		Name:        "muennighoff2023",
		Title:       "Muennighoff et al. 2023 data-constrained law (C4)",
		Citation:    "Muennighoff et al. 2023, Scaling Data-Constrained Language Models: ln A 6.255414, ln B 7.3049974, ln E 0.6254804, alpha = beta 0.3526596, R_D* 15.387756, R_N* 5.309743",
		Conventions: "N counts all parameters; C = 6ND; loss: C4 validation, nats/token; repeated data through R_D*, excess parameters through R_N*",
		Chinchilla:  &chinchilla.Law{E: exp(0.6254804), A: exp(6.255414), B: exp(7.3049974), Alpha: 0.3526596, Beta: 0.3526596},
		RDStar:      15.387756,
		RNStar:      5.309743,
	},
}

// Register adds a law to the catalogue (used by packages that define other law families,
// such as kaplan). It panics on a duplicate name: the catalogue is fixed at start-up.
func Register(l *Law) {
	for _, c := range catalogue {
		if strings.EqualFold(c.Name, l.Name) {
			panic("laws: duplicate law " + l.Name)
		}
	}
	catalogue = append(catalogue, l)
}

// All returns the built-in laws sorted by name.
func All() []*Law {
	out := append([]*Law(nil), catalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a law by name, case-insensitively.
func Lookup(name string) (*Law, error) {
	for _, l := range catalogue {
		if strings.EqualFold(l.Name, strings.TrimSpace(name)) {
			return l, nil
		}
	}
	var names []string
	for _, l := range All() {
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("unknown law %q: want one of %s (see scalefit laws)", name, strings.Join(names, ", "))
}
