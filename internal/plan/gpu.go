package plan

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// GPU is an accelerator preset: its dense peak throughput (no structured sparsity) at one
// precision, from the vendor's datasheet.
type GPU struct {
	Name      string
	PeakFLOPs float64 // dense peak FLOP/s
	Source    string
}

// gpus are the built-in presets. Peak numbers are NVIDIA datasheet Tensor Core figures
// for dense math, i.e. half the "with sparsity" numbers the datasheets headline.
var gpus = []GPU{
	{"a100-bf16", 312e12, "NVIDIA A100 datasheet: BF16 Tensor Core 312 TFLOP/s dense (624 with sparsity)"},
	{"h100-bf16", 989.4e12, "NVIDIA H100 SXM datasheet: BF16 Tensor Core 989.4 TFLOP/s dense (1,979 with sparsity)"},
	{"h100-fp8", 1978.9e12, "NVIDIA H100 SXM datasheet: FP8 Tensor Core 1,978.9 TFLOP/s dense (3,958 with sparsity)"},
	{"h200-bf16", 989.4e12, "NVIDIA H200 SXM datasheet: BF16 Tensor Core 989.4 TFLOP/s dense (same compute as H100 SXM)"},
	{"b200-bf16", 2.25e15, "NVIDIA B200 (DGX B200 / HGX B200) datasheet: BF16 Tensor Core 2.25 PFLOP/s dense per GPU (4.5 with sparsity)"},
}

// GPUs returns the presets sorted by name.
func GPUs() []GPU {
	out := append([]GPU(nil), gpus...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupGPU finds a preset by name, case-insensitively.
func LookupGPU(name string) (GPU, error) {
	var names []string
	for _, g := range GPUs() {
		if strings.EqualFold(g.Name, strings.TrimSpace(name)) {
			return g, nil
		}
		names = append(names, g.Name)
	}
	return GPU{}, fmt.Errorf("unknown GPU %q: want one of %s, or give --gpu-flops", name, strings.Join(names, ", "))
}

// GPUHours returns the accelerator-hours needed for c FLOPs on devices of peak FLOP/s at
// model FLOPs utilisation mfu in (0, 1]: C / (peak × MFU) / 3600.
func GPUHours(c, peak, mfu float64) (float64, error) {
	if err := checkPositive("compute", c); err != nil {
		return 0, err
	}
	if err := checkPositive("GPU peak FLOP/s", peak); err != nil {
		return 0, err
	}
	if !(mfu > 0 && mfu <= 1) {
		return 0, fmt.Errorf("MFU %s: want a fraction in (0, 1], e.g. 0.4", g4(mfu))
	}
	h := c / (peak * mfu) / 3600
	if math.IsInf(h, 0) {
		return 0, fmt.Errorf("GPU-hours overflow a float64")
	}
	return h, nil
}
