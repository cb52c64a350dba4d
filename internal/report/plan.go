package report

import (
	"io"
	"math"
	"strconv"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/warn"
)

// Plan modes: which question a PlanDocument answers.
const (
	PlanCompute     = "compute"          // compute-optimal N, D at budgets
	PlanParams      = "params"           // budget at which a size is compute-optimal
	PlanTargetLoss  = "target_loss"      // least compute reaching a loss
	PlanConstrained = "data_constrained" // best N, D with limited unique tokens
	PlanInference   = "inference"        // least lifetime compute for a loss and an inference load
	PlanPredict     = "predict"          // loss of given N, D
)

// LawInfo describes where a law came from (lawsource.LawInfo).
type LawInfo = lawsource.LawInfo

// GPUInfo is the accelerator used to convert FLOPs into GPU time.
type GPUInfo struct {
	Name      string  `json:"name,omitempty"` // preset name, empty with --gpu-flops
	PeakFLOPs float64 `json:"peak_flops"`     // dense peak FLOP/s
	MFU       float64 `json:"mfu"`            // model FLOPs utilisation in (0, 1]
}

// PlanRow is one row of `scalefit optimal` or `predict` in full precision. Params counts
// parameters, Tokens training tokens, FLOPs training compute (6ND), losses are nats/token;
// nil fields do not apply to the row's mode. Intervals are 95% bootstrap percentiles.
type PlanRow struct {
	TargetLoss     *float64 `json:"target_loss,omitempty"`
	FLOPs          float64  `json:"flops"`
	Params         float64  `json:"params"`
	Tokens         float64  `json:"tokens"`
	TokensPerParam float64  `json:"tokens_per_param"`
	Loss           *float64 `json:"loss,omitempty"`

	FLOPsInterval  *[2]float64 `json:"flops_interval,omitempty"`
	ParamsInterval *[2]float64 `json:"params_interval,omitempty"`
	TokensInterval *[2]float64 `json:"tokens_interval,omitempty"`
	LossInterval   *[2]float64 `json:"loss_interval,omitempty"`

	// Data-constrained (Muennighoff et al. 2023).
	UniqueTokens      *float64 `json:"unique_tokens,omitempty"`
	Epochs            *float64 `json:"epochs,omitempty"`             // tokens / unique tokens
	UnconstrainedLoss *float64 `json:"unconstrained_loss,omitempty"` // Chinchilla-optimal loss at the same FLOPs
	LossPenalty       *float64 `json:"loss_penalty,omitempty"`       // loss − unconstrained loss
	CapBinds          *bool    `json:"cap_binds,omitempty"`

	// Inference-aware (Sardana et al. 2023).
	InferenceTokens      *float64 `json:"inference_tokens,omitempty"`
	InferenceFLOPs       *float64 `json:"inference_flops,omitempty"` // 2 N × inference tokens
	TotalFLOPs           *float64 `json:"total_flops,omitempty"`     // training + inference
	ChinchillaParams     *float64 `json:"chinchilla_params,omitempty"`
	ChinchillaTokens     *float64 `json:"chinchilla_tokens,omitempty"`
	ChinchillaTotalFLOPs *float64 `json:"chinchilla_total_flops,omitempty"`
	ParamsRatio          *float64 `json:"params_ratio,omitempty"` // vs the Chinchilla-optimal model of the same loss
	TokensRatio          *float64 `json:"tokens_ratio,omitempty"`
	FLOPsRatio           *float64 `json:"flops_ratio,omitempty"` // total lifetime FLOPs

	// GPU time for the training FLOPs.
	GPUHours *float64 `json:"gpu_hours,omitempty"`
	GPUDays  *float64 `json:"gpu_days,omitempty"`

	// Extrapolation is FLOPs over the largest fitted run's (predict, with a fit's range).
	Extrapolation *float64 `json:"extrapolation,omitempty"`

	// Hyper-parameters (optimal --hparams): the recommended peak learning rate and batch size
	// in tokens per optimiser step, with 95% intervals from an hparams fit's bootstrap.
	LR            *float64    `json:"lr,omitempty"`
	BatchTokens   *float64    `json:"batch_tokens,omitempty"`
	LRInterval    *[2]float64 `json:"lr_interval,omitempty"`
	BatchInterval *[2]float64 `json:"batch_interval,omitempty"`
}

// PlanDocument is the output of `scalefit optimal` and `scalefit predict`: the JSON shape of
// --format json, and the tables of the other formats.
type PlanDocument struct {
	Command  string    `json:"command"` // "optimal" or "predict"
	Mode     string    `json:"mode"`    // one of the Plan* modes
	Law      LawInfo   `json:"law"`
	GPU      *GPUInfo  `json:"gpu,omitempty"`
	Rows     []PlanRow `json:"rows"`
	Notes    []string  `json:"notes,omitempty"`
	Warnings warn.List `json:"warnings"`
}

// planColumn is one column of a plan table: shown when any row has it.
type planColumn struct {
	header string
	has    func(r *PlanRow) bool
	cell   func(r *PlanRow) string
}

func always(*PlanRow) bool { return true }

func ptrCell(p func(r *PlanRow) *float64, f func(float64) string) (func(*PlanRow) bool, func(*PlanRow) string) {
	return func(r *PlanRow) bool { return p(r) != nil },
		func(r *PlanRow) string {
			if v := p(r); v != nil {
				return f(*v)
			}
			return "-"
		}
}

func ivCell(p func(r *PlanRow) *[2]float64, f func(float64) string) (func(*PlanRow) bool, func(*PlanRow) string) {
	return func(r *PlanRow) bool { return p(r) != nil },
		func(r *PlanRow) string {
			if v := p(r); v != nil {
				return format.Interval(*v, f)
			}
			return "-"
		}
}

func col(header string, has func(*PlanRow) bool, cell func(*PlanRow) string) planColumn {
	return planColumn{header, has, cell}
}

// loss4 formats a loss in nats/token with 4 decimals: 2.2221.
func loss4(x float64) string {
	if a := math.Abs(x); math.IsNaN(x) || math.IsInf(x, 0) || a >= 1e6 || (a < 1e-3 && a != 0) {
		return format.Float(x, 4) // an absurd fit's loss: scientific, not 110 digits
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

// extrapolation formats a compute factor: 769.23x, 0.00923x.
func extrapolation(x float64) string {
	if x < 1 {
		return format.Float(x, 3) + "x"
	}
	return format.Ratio(x)
}

// perParam formats tokens per parameter: 23.1, 1400, 0.5.
func perParam(x float64) string {
	if math.Abs(x) >= 100 && math.Abs(x) < 1e7 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return format.Float(x, 3)
}

// count4 is Count with 4 significant figures (24.18B, 2.657T, 237.3B), so that planned sizes
// can be compared with published ones digit for digit.
func count4(x float64) string {
	a := math.Abs(x)
	if math.IsNaN(x) || math.IsInf(x, 0) || a >= 1e18 || a < 1e3 {
		return format.Count(x)
	}
	for _, u := range []struct {
		v float64
		s string
	}{{1e15, "P"}, {1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}} {
		if a >= u.v*0.99995 {
			return strconv.FormatFloat(x/u.v, 'g', 4, 64) + u.s
		}
	}
	return format.Count(x)
}

var (
	cFLOPs                                                                            = col("FLOPs", always, func(r *PlanRow) string { return format.Sci(r.FLOPs) })
	cParams                                                                           = col("params", always, func(r *PlanRow) string { return count4(r.Params) })
	cTokens                                                                           = col("tokens", always, func(r *PlanRow) string { return count4(r.Tokens) })
	cTPP                                                                              = col("tokens/param", always, func(r *PlanRow) string { return perParam(r.TokensPerParam) })
	cTarget                                                                           planColumn
	cLoss                                                                             planColumn
	cFIv                                                                              planColumn
	cNIv                                                                              planColumn
	cDIv                                                                              planColumn
	cLIv                                                                              planColumn
	cUnique, cEpochs, cFree, cPenalty, cInfTok, cTotal, cChinN, cChinD, cPR, cTR, cFR planColumn
	cGPUh, cGPUd, cExtra                                                              planColumn
	cLR, cBatch, cLRIv, cBatchIv                                                      planColumn
)

func init() {
	h, c := ptrCell(func(r *PlanRow) *float64 { return r.TargetLoss }, loss4)
	cTarget = col("target loss", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.Loss }, loss4)
	cLoss = col("loss", h, c)
	h, c = ivCell(func(r *PlanRow) *[2]float64 { return r.FLOPsInterval }, format.Sci)
	cFIv = col("FLOPs 95%", h, c)
	h, c = ivCell(func(r *PlanRow) *[2]float64 { return r.ParamsInterval }, count4)
	cNIv = col("params 95%", h, c)
	h, c = ivCell(func(r *PlanRow) *[2]float64 { return r.TokensInterval }, count4)
	cDIv = col("tokens 95%", h, c)
	h, c = ivCell(func(r *PlanRow) *[2]float64 { return r.LossInterval }, loss4)
	cLIv = col("loss 95%", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.UniqueTokens }, format.Count)
	cUnique = col("unique tokens", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.Epochs }, func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) })
	cEpochs = col("epochs", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.UnconstrainedLoss }, loss4)
	cFree = col("unlimited-data loss", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.LossPenalty }, func(x float64) string { return "+" + strconv.FormatFloat(x, 'f', 4, 64) })
	cPenalty = col("penalty", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.InferenceTokens }, format.Count)
	cInfTok = col("inference tokens", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.TotalFLOPs }, format.Sci)
	cTotal = col("lifetime FLOPs", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.ChinchillaParams }, count4)
	cChinN = col("Chinchilla params", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.ChinchillaTokens }, count4)
	cChinD = col("Chinchilla tokens", h, c)
	pct := func(x float64) string { return format.Float(100*x, 4) + "%" }
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.ParamsRatio }, pct)
	cPR = col("params vs Chinchilla", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.TokensRatio }, pct)
	cTR = col("tokens vs Chinchilla", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.FLOPsRatio }, pct)
	cFR = col("lifetime FLOPs vs Chinchilla", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.GPUHours }, format.Count)
	cGPUh = col("GPU-hours", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.GPUDays }, format.Count)
	cGPUd = col("GPU-days", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.Extrapolation }, extrapolation)
	cExtra = col("x largest run", h, c)
	lr3 := func(x float64) string { return format.Float(x, 3) }
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.LR }, lr3)
	cLR = col("peak lr", h, c)
	h, c = ptrCell(func(r *PlanRow) *float64 { return r.BatchTokens }, format.Count)
	cBatch = col("batch (tokens)", h, c)
	h, c = ivCell(func(r *PlanRow) *[2]float64 { return r.LRInterval }, lr3)
	cLRIv = col("lr 95%", h, c)
	h, c = ivCell(func(r *PlanRow) *[2]float64 { return r.BatchInterval }, format.Count)
	cBatchIv = col("batch 95%", h, c)
}

// planLayout returns the title and candidate columns of a mode, in order.
func planLayout(mode string) (string, []planColumn) {
	gpu := []planColumn{cGPUh, cGPUd, cLR, cLRIv, cBatch, cBatchIv}
	switch mode {
	case PlanParams:
		return "Budget at which each size is compute-optimal (C = 6ND)",
			append([]planColumn{cParams, cFLOPs, cTokens, cTPP, cLoss, cFIv, cDIv, cLIv}, gpu...)
	case PlanTargetLoss:
		return "Least compute reaching each target loss (compute-optimal model)",
			append([]planColumn{cTarget, cFLOPs, cParams, cTokens, cTPP, cFIv}, gpu...)
	case PlanConstrained:
		return "Data-constrained compute-optimal allocation (Muennighoff et al. 2023)",
			append([]planColumn{cFLOPs, cUnique, cParams, cTokens, cEpochs, cLoss, cFree, cPenalty, cNIv, cDIv, cLIv}, gpu...)
	case PlanInference:
		return "Inference-aware allocation: least training + inference compute (Sardana et al. 2023)",
			append([]planColumn{cTarget, cInfTok, cParams, cTokens, cFLOPs, cTotal, cChinN, cChinD, cPR, cTR, cFR, cNIv, cDIv, cFIv}, gpu...)
	case PlanPredict:
		return "Predicted loss (nats/token)",
			[]planColumn{cParams, cTokens, cFLOPs, cTPP, cUnique, cEpochs, cLoss, cLIv, cFree, cPenalty, cExtra}
	}
	return "Compute-optimal allocation (C = 6ND)",
		append([]planColumn{cFLOPs, cParams, cTokens, cTPP, cLoss, cNIv, cDIv, cLIv}, gpu...)
}

// Table renders the document's rows as a table; columns that no row has are left out.
// The law and GPU are described in the notes.
func (d *PlanDocument) Table() *Table {
	title, cols := planLayout(d.Mode)
	var use []planColumn
	for _, c := range cols {
		for i := range d.Rows {
			if c.has(&d.Rows[i]) {
				use = append(use, c)
				break
			}
		}
	}
	t := &Table{Title: title}
	for _, c := range use {
		t.Header = append(t.Header, c.header)
	}
	for i := range d.Rows {
		var cells []string
		for _, c := range use {
			cells = append(cells, c.cell(&d.Rows[i]))
		}
		t.AddRow(cells...)
	}
	t.Notes = append(t.Notes, d.lawNotes()...)
	if d.GPU != nil {
		g := "GPU: "
		if d.GPU.Name != "" {
			g += d.GPU.Name + ", "
		}
		g += format.Float(d.GPU.PeakFLOPs/1e12, 4) + " TFLOP/s dense peak at MFU " + format.Float(d.GPU.MFU, 3) +
			" (GPU-hours = training FLOPs / (peak x MFU))"
		t.Notes = append(t.Notes, g)
	}
	for _, r := range d.Rows {
		if r.LossInterval != nil || r.FLOPsInterval != nil || r.ParamsInterval != nil {
			t.Notes = append(t.Notes, "intervals: 95% percentiles over "+strconv.Itoa(d.Law.Draws)+" bootstrap draws")
			break
		}
	}
	t.Notes = append(t.Notes, d.Notes...)
	return t
}

func (d *PlanDocument) lawNotes() []string {
	l := d.Law
	s := "law: " + l.Name
	if l.Title != "" {
		s += " (" + l.Title + ")"
	}
	out := []string{s}
	if l.Citation != "" {
		out = append(out, "source: "+l.Citation)
	}
	if p := l.Params; p != nil {
		if _, ok := p["E"]; ok {
			out = append(out, "constants: E "+format.Float(p["E"], 4)+", A "+format.Float(p["A"], 4)+", B "+format.Float(p["B"], 4)+
				", alpha "+format.Float(p["alpha"], 4)+", beta "+format.Float(p["beta"], 4))
		}
	}
	return out
}

// WritePlan writes the document in format f: JSON in full precision (warnings in
// "warnings"), CSV rows, a table, or Markdown followed by the warnings. It adds its own
// warnings to d.Warnings; the caller sends them all to stderr.
func WritePlan(w io.Writer, f format.Output, d *PlanDocument) error {
	if err := CheckFinite(d); err != nil {
		return err // the same error in every format
	}
	d.Finish()
	switch f {
	case format.JSON:
		return WriteJSON(w, d)
	case format.CSV:
		return WriteRowsCSV(w, d.Rows)
	}
	var ws []warn.Warning
	if f == format.Markdown {
		ws = d.Warnings
	}
	return RenderAll(w, f, []*Table{d.Table()}, ws)
}

// Finish adds the warnings the rows raise (a point estimate outside its own interval).
func (d *PlanDocument) Finish() {
	d.Warnings = append(d.Warnings, outsideIntervals(d.Rows)...)
}

// outsideIntervals warns when a point estimate lies outside its own bootstrap interval: the
// draws disagree with the fit, which happens when the law is poorly identified.
// CodeOutsideInterval flags a point estimate outside its own bootstrap interval.
const CodeOutsideInterval = "outside-interval"

func outsideIntervals(rows []PlanRow) []warn.Warning {
	var out []warn.Warning
	for i := range rows {
		r := &rows[i]
		for _, c := range []struct {
			name string
			v    float64
			iv   *[2]float64
		}{{"FLOPs", r.FLOPs, r.FLOPsInterval}, {"params", r.Params, r.ParamsInterval}, {"tokens", r.Tokens, r.TokensInterval}} {
			if c.iv != nil && (c.v < c.iv[0] || c.v > c.iv[1]) {
				out = append(out, warn.New(CodeOutsideInterval, "row %d: %s %s lies outside its 95%% interval %s: the bootstrap draws disagree with the fit, which is poorly identified; do not rely on this number",
					i+1, c.name, format.Sci(c.v), format.Interval(*c.iv, format.Sci)))
			}
		}
		if r.Loss != nil && r.LossInterval != nil && (*r.Loss < r.LossInterval[0] || *r.Loss > r.LossInterval[1]) {
			out = append(out, warn.New(CodeOutsideInterval, "row %d: loss %s lies outside its 95%% interval %s: the bootstrap draws disagree with the fit", i+1, loss4(*r.Loss), format.Interval(*r.LossInterval, loss4)))
		}
	}
	return out
}
