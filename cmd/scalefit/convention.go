package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/arch"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/pflag"
)

// conventionFlag is fit's --convention: derive params and FLOPs from architecture columns.
type conventionFlag struct{ name string }

func (c *conventionFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.name, "convention", "", "derive params and flops from architecture columns (layers, d_model, heads, vocab, context, ...; see scalefit flops) counted under this convention: 6n, 6n-nonembedding, kaplan, hoffmann or deepseek; flops = FLOPs/token × tokens")
}

// apply sets opts.Derive for the convention ("" leaves opts alone).
func (c *conventionFlag) apply(opts *runs.Options) error {
	if c.name == "" {
		return nil
	}
	conv, err := arch.ParseConvention(c.name)
	if err != nil {
		return app.Usagef("--convention: %v", err)
	}
	if opts.ParamsCol != "" || opts.FLOPsCol != "" {
		return app.Usagef("--convention derives params and flops from the architecture columns: drop --params-col and --flops-col")
	}
	opts.Derive = deriver(conv)
	return nil
}

// deriver counts each row's architecture under conv.
func deriver(conv arch.Convention) *runs.Deriver {
	return &runs.Deriver{
		Name: "convention " + string(conv) + " from the architecture columns: " + conv.Describe(),
		Func: func(field func(string) string) (float64, float64, string, error) {
			a, col, err := arch.ParseFields(field)
			if err != nil {
				return 0, 0, col, err
			}
			n, err := a.Under(conv)
			if err != nil {
				return 0, 0, "", err
			}
			return float64(n.Params), n.FLOPsPerToken, "", nil
		},
	}
}
