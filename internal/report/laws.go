package report

import (
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/hparams"
	"github.com/scalefit/scalefit/internal/laws"
)

// Constant is one named constant of a law, in the order the law's formula reads.
type Constant struct {
	Name  string
	Value float64
}

// LawConstants returns a built-in law's constants: E, A, B, alpha, beta for Chinchilla
// laws (plus R_D*, R_N* for data-constrained ones); Nc, Dc, alpha_N, alpha_D for Kaplan's
// joint law; N_coef, N_exp, D_coef, D_exp, C_unit (FLOPs) for allocation rules.
func LawConstants(l *laws.Law) []Constant {
	var cs []Constant
	switch {
	case l.Chinchilla != nil:
		c := l.Chinchilla
		cs = []Constant{{"E", c.E}, {"A", c.A}, {"B", c.B}, {"alpha", c.Alpha}, {"beta", c.Beta}}
		if l.RDStar != 0 || l.RNStar != 0 {
			cs = append(cs, Constant{"R_D*", l.RDStar}, Constant{"R_N*", l.RNStar})
		}
	case l.Kaplan != nil:
		k := l.Kaplan
		cs = []Constant{{"Nc", k.Nc}, {"Dc", k.Dc}, {"alpha_N", k.AlphaN}, {"alpha_D", k.AlphaD}}
	case l.Allocation != nil:
		a := l.Allocation
		cs = []Constant{{"N_coef", a.NCoef}, {"N_exp", a.NExp}, {"D_coef", a.DCoef}, {"D_exp", a.DExp}, {"C_unit", a.CUnit}}
	}
	return cs
}

// constant formats a law constant: short scientific notation for large values (6.4e13),
// otherwise 4 significant figures (406.4, 0.3392).
// constant shows a law's constant as published, to 4 significant figures without padding
// (a printed alpha of 0.34 stays 0.34; Kaplan's Nc 6.4e13 stays 6.4e13).
func constant(x float64) string {
	if a := math.Abs(x); a >= 1e5 || (a != 0 && a < 1e-3) {
		s := format.Sci(x)
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		return mant + "e" + exp
	}
	return format.Short(x, 4)
}

// FormatConstants writes constants as "E 1.69, A 406.4, ...".
func FormatConstants(cs []Constant) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Name + " " + constant(c.Value)
	}
	return strings.Join(parts, ", ")
}

// lawForm names the functional form of a built-in law.
func lawForm(l *laws.Law) string {
	switch {
	case l.Chinchilla != nil && (l.RDStar != 0 || l.RNStar != 0):
		return "E + A/N'^alpha + B/D'^beta (data-constrained)"
	case l.Chinchilla != nil:
		return "E + A/N^alpha + B/D^beta"
	case l.Kaplan != nil:
		return "[(Nc/N)^(alpha_N/alpha_D) + Dc/D]^alpha_D"
	}
	return "N = N_coef (C/C_unit)^N_exp, D = D_coef (C/C_unit)^D_exp"
}

// nCounts says how a law counts parameters.
func nCounts(nonEmbedding bool) string {
	if nonEmbedding {
		return "non-embedding"
	}
	return "all"
}

// LawsTables describes the built-in laws: a table of constants and allocation exponents
// (a, b and the multipliers on N and D per 10x compute), and a table of forms, citations
// and conventions. In the text format the long citation and conventions go in notes under
// the second table, so that it fits a terminal; CSV and Markdown keep them in columns.
func LawsTables(ls []*laws.Law, f format.Output) []*Table {
	t := &Table{Title: "Built-in laws", Header: []string{"law", "constants", "a", "b", "N per 10x C", "D per 10x C", "N counts"}}
	c := &Table{Title: "Forms, citations and conventions", Header: []string{"law", "form", "title", "citation", "conventions"}}
	if f == format.Text {
		c.Header = c.Header[:2]
	}
	for _, l := range ls {
		a, b := l.Exponents()
		t.AddRow(l.Name, FormatConstants(LawConstants(l)), format.Float(a, 3), format.Float(b, 3),
			format.Ratio(math.Pow(10, a)), format.Ratio(math.Pow(10, b)), nCounts(l.NonEmbedding))
		if f == format.Text {
			c.AddRow(l.Name, lawForm(l))
			c.Notes = append(c.Notes, l.Name+": "+l.Title+". "+l.Citation+". Conventions: "+l.Conventions+".")
		} else {
			c.AddRow(l.Name, lawForm(l), l.Title, l.Citation, l.Conventions)
		}
	}
	t.Notes = append(t.Notes,
		"a and b are the exponents of N_opt ∝ C^a and D_opt ∝ C^b (C = 6ND FLOPs); losses are nats/token",
		"allocations at given budgets: scalefit compare --compute 1e21,1e23")
	return []*Table{t, c}
}

// LawJSON is one built-in law in `scalefit laws --format json`, at full precision.
type LawJSON struct {
	Name         string             `json:"name"`
	Title        string             `json:"title"`
	Form         string             `json:"form"`
	Constants    map[string]float64 `json:"constants"`
	A            float64            `json:"a"`
	B            float64            `json:"b"`
	NPer10x      float64            `json:"n_per_10x"`
	DPer10x      float64            `json:"d_per_10x"`
	HasLoss      bool               `json:"predicts_loss"`
	NonEmbedding bool               `json:"non_embedding"`
	Citation     string             `json:"citation"`
	Conventions  string             `json:"conventions"`
}

// LawsDocument is the JSON output of `scalefit laws`.
type LawsDocument struct {
	SchemaVersion int       `json:"schema_version"`
	Laws          []LawJSON `json:"laws"`
	// CurveLaws are the built-in loss-curve laws (curve predict --law).
	CurveLaws []CurveLawJSON `json:"curve_laws"`
	// HparamLaws are the built-in hyper-parameter laws (hparams predict --law).
	HparamLaws []HparamLawJSON `json:"hparam_laws"`
}

// HparamLawJSON is one built-in hyper-parameter law: lr = lr.coef · N^lr.exp_params ·
// D^lr.exp_tokens · C^lr.exp_compute, and batch_tokens likewise.
type HparamLawJSON struct {
	Name        string             `json:"name"`
	Title       string             `json:"title"`
	LRForm      string             `json:"lr_form"`
	BatchForm   string             `json:"batch_form"`
	Constants   map[string]float64 `json:"constants"`
	Inputs      []string           `json:"inputs"`
	Units       map[string]string  `json:"units"`
	Citation    string             `json:"citation"`
	Conventions string             `json:"conventions"`
}

// HparamLawsJSON describes the built-in hyper-parameter laws.
func HparamLawsJSON() []HparamLawJSON {
	var out []HparamLawJSON
	for _, l := range hparams.Builtins() {
		cs := map[string]float64{}
		for _, p := range []struct {
			pre string
			p   hparams.PowerLaw
		}{{"lr", l.LR}, {"batch", l.Batch}} {
			cs[p.pre+"_coef"] = p.p.Coef
			cs[p.pre+"_exp_params"] = p.p.ExpParams
			cs[p.pre+"_exp_tokens"] = p.p.ExpTokens
			cs[p.pre+"_exp_compute"] = p.p.ExpCompute
		}
		in := []string{"params", "tokens"}
		if l.ByCompute() {
			in = []string{"flops"}
		}
		out = append(out, HparamLawJSON{Name: l.Name, Title: l.Title, LRForm: "lr = " + l.LR.Form(), BatchForm: "batch_tokens = " + l.Batch.Form(),
			Constants: cs, Inputs: in, Citation: l.Citation, Conventions: l.Conventions,
			Units: map[string]string{"lr": "peak learning rate", "batch_tokens": "tokens per optimiser step", "params": "non-embedding parameters",
				"tokens": "training tokens", "flops": "training FLOPs"}})
	}
	return out
}

// HparamLawsTable lists the built-in hyper-parameter laws (names for hparams predict --law).
func HparamLawsTable(f format.Output) *Table {
	t := &Table{Title: "Built-in hyper-parameter laws (scalefit hparams predict --law NAME)", Header: []string{"law", "peak lr", "batch (tokens per step)"}}
	if f != format.Text {
		t.Header = append(t.Header, "citation", "conventions")
	}
	for _, l := range HparamLawsJSON() {
		row := []string{l.Name, l.LRForm, l.BatchForm}
		if f != format.Text {
			row = append(row, l.Citation, l.Conventions)
		} else {
			t.Notes = append(t.Notes, l.Name+": "+l.Citation+". Conventions: "+l.Conventions+".")
		}
		t.AddRow(row...)
	}
	return t
}

// LawsJSON builds the JSON description of the built-in laws.
func LawsJSON(ls []*laws.Law) LawsDocument {
	doc := LawsDocument{SchemaVersion: SchemaVersion, Laws: []LawJSON{}, CurveLaws: CurveLawsJSON(), HparamLaws: HparamLawsJSON()}
	for _, l := range ls {
		a, b := l.Exponents()
		cs := map[string]float64{}
		for _, c := range LawConstants(l) {
			cs[c.Name] = c.Value
		}
		doc.Laws = append(doc.Laws, LawJSON{
			Name: l.Name, Title: l.Title, Form: lawForm(l), Constants: cs,
			A: a, B: b, NPer10x: math.Pow(10, a), DPer10x: math.Pow(10, b),
			HasLoss: l.Chinchilla != nil || l.Kaplan != nil, NonEmbedding: l.NonEmbedding,
			Citation: l.Citation, Conventions: l.Conventions,
		})
	}
	return doc
}
