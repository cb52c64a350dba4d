package reconcile

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// porianChain holds the IsoFLOP points of the five RefinedWeb settings of Porian et al.'s
// chain and of its four variants that also count attention FLOPs (experiment, flops, params,
// tokens, loss), a subset of the repository's
// testdata/porian_isoflop.csv, from github.com/formll/resolving-scaling-law-discrepancies
// (MIT; Porian et al., "Resolving Discrepancies in Compute-Optimal Scaling of Language
// Models", NeurIPS 2024). A test checks it against testdata.
//
//go:embed porian_chain.csv
var porianChain []byte

// Setting is one step of Porian et al.'s chain: what changed from the step before, and the
// exponent a of N_opt ∝ C^a they published, with its 95% bootstrap interval.
type Setting struct {
	Experiment        string
	Change            string
	Published         float64
	PublishedInterval [2]float64
	// Attention is the same step with the attention FLOPs (6·n_layer·n_ctx·d_model per
	// token) counted too, as Porian et al. also ran it; nil for the first step.
	Attention *Variant
}

// Variant is a companion experiment of a step: its name and published exponent.
type Variant struct {
	Experiment        string
	Published         float64
	PublishedInterval [2]float64
}

// PorianChain lists the steps in order (RefinedWeb, Porian et al. 2024, Table 1 / Fig. 1;
// exponents from their repository's fitted results). Each step keeps the changes before it.
var PorianChain = []Setting{
	{"reproducing_kaplan", "Kaplan's setup: non-embedding N and FLOPs (no output layer), long warm-up, Kaplan's schedule, training loss",
		0.8353000424913991, [2]float64{0.8235140030605618, 0.8459584005693882}, nil},
	{"counting_last_layer_flops", "count the output layer's parameters and FLOPs (validation loss)",
		0.7064699122200796, [2]float64{0.691487745298766, 0.7169261644918081},
		&Variant{"attention_flops_counting_last_layer_and_attention", 0.7170576329098817, [2]float64{0.7028810123103405, 0.7272738534767279}}},
	{"correcting_warmup", "warm-up shortened to suit small models",
		0.6020375267309686, [2]float64{0.5914284570414033, 0.6172816803463219},
		&Variant{"attention_flops_correcting_warmup", 0.6222511037454539, [2]float64{0.6072023171470524, 0.6320450197461926}}},
	{"cosine_decay", "cosine decay matched to each run's length (Chinchilla's schedule)",
		0.5714947855747434, [2]float64{0.5598008876852589, 0.5885206791294889},
		&Variant{"attention_flops_cosine_decay", 0.5771931451326932, [2]float64{0.5620008326636037, 0.5924895018516892}}},
	{"optimizer_tuning_no_decay", "AdamW tuned per scale (learning rate, batch size, a higher beta2 at small batches), constant schedule",
		0.49689507817885203, [2]float64{0.4906815956168365, 0.5045239562081141},
		&Variant{"attention_flops_optimizer_tuning_no_decay", 0.5052660845201852, [2]float64{0.4962200768011041, 0.5123171053793295}}},
}

// Step is one setting of the chain refitted with Approach 2 (IsoFLOP minima through Akima
// splines, as Porian et al. locate them).
type Step struct {
	Setting
	A        float64        // fitted exponent of N_opt ∝ C^a
	Interval stats.Interval // bootstrap percentile interval of A (zero without a bootstrap)
	Budgets  int            // IsoFLOP budgets
	Accepted int            // budgets whose minimum entered the fit
	Warnings []warn.Warning
	// AttentionA and AttentionInterval are the same for the Attention variant (zero when the
	// step has none).
	AttentionA        float64
	AttentionInterval stats.Interval
}

// ChainPoints returns the embedded IsoFLOP points of each chain experiment, with the budget
// set to each run's FLOPs (the sweep's budgets).
func ChainPoints() (map[string][]chinchilla.Point, error) {
	rows, err := csv.NewReader(bytes.NewReader(porianChain)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("porian chain: %w", err)
	}
	out := map[string][]chinchilla.Point{}
	for i, r := range rows[1:] {
		if len(r) != 5 {
			return nil, fmt.Errorf("porian chain: line %d: %d fields, want 5", i+2, len(r))
		}
		var v [4]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j+1], 64); err != nil {
				return nil, fmt.Errorf("porian chain: line %d: %w", i+2, err)
			}
		}
		out[r[0]] = append(out[r[0]], chinchilla.Point{FLOPs: v[0], Budget: v[0], Params: v[1], Tokens: v[2], Loss: v[3]})
	}
	return out, nil
}

// Chain refits every step of PorianChain with chinchilla.IsoFLOP (default options), with
// bootstrap intervals from k resamples (0: none) seeded by seed.
func Chain(k int, seed uint64) ([]Step, error) {
	pts, err := ChainPoints()
	if err != nil {
		return nil, err
	}
	var out []Step
	for _, s := range PorianChain {
		res, err := chinchilla.IsoFLOP(pts[s.Experiment], chinchilla.IsoFLOPOptions{Bootstrap: k, Seed: seed})
		if err != nil {
			return nil, fmt.Errorf("porian chain %s: %w", s.Experiment, err)
		}
		st := Step{Setting: s, A: res.A, Interval: res.AInt, Budgets: len(res.Budgets), Warnings: res.Warnings}
		for _, b := range res.Budgets {
			if b.Accepted {
				st.Accepted++
			}
		}
		if s.Attention != nil {
			ra, err := chinchilla.IsoFLOP(pts[s.Attention.Experiment], chinchilla.IsoFLOPOptions{Bootstrap: k, Seed: seed})
			if err != nil {
				return nil, fmt.Errorf("porian chain %s: %w", s.Attention.Experiment, err)
			}
			st.AttentionA, st.AttentionInterval = ra.A, ra.AInt
		}
		out = append(out, st)
	}
	return out, nil
}
