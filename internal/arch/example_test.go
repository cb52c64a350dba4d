package arch_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/arch"
)

// GPT-2 small counted under each convention: the same model is 85M or 124M parameters, and
// 0.51 to 1.09 GFLOPs per training token, depending on what is counted.
func ExampleArch_All() {
	gpt2 := arch.Arch{Layers: 12, DModel: 768, Heads: 12, Vocab: 50257, Context: 1024, Tied: true}
	p := gpt2.Count()
	fmt.Printf("non-embedding %d, total %d\n", p.NonEmbedding, p.Total)
	counts, err := gpt2.All()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range counts {
		fmt.Printf("%-16s N %11d  %.4g FLOPs/token\n", c.Convention, c.Params, c.FLOPsPerToken)
	}
	// Output:
	// non-embedding 84934656, total 124439808
	// 6n               N   124439808  7.466e+08 FLOPs/token
	// 6n-nonembedding  N    84934656  5.096e+08 FLOPs/token
	// kaplan           N    84934656  5.662e+08 FLOPs/token
	// hoffmann         N   124439808  1.087e+09 FLOPs/token
	// deepseek         N    84934656  5.662e+08 FLOPs/token
}
