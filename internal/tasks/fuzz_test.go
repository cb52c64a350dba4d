package tasks

import (
	"strings"
	"testing"
)

// Load and Analyze never panic: any input is either loaded or refused with an error.
func FuzzLoadAnalyze(f *testing.F) {
	for _, s := range []string{
		"run,params,tokens,task,bpb,acc\nr,1e8,1e9,a,1.2,0.3\n",
		"run,params,tokens,task,bpb,acc\nr,1e8,1e9,a,1.2,0.3\nr,1e8,1e9,a,1.2,0.3\nbig,1e10,1e11,a,0.9,NaN\n",
		"run,params,tokens,task,bpb,acc,acc_chance,acc_max\nr,1e8,1e9,,1.2,0.3,0.25,1\n",
		"run;params;tokens;task;bpb;acc\nr;1e8;1e9;a;1.2;0.3\n",
		"params,tokens,task,bpb,acc\n1e8,1e9,a,1.2,0.3\n",
		"run,params,tokens,task,bpb,acc\nr,1e8,1e9,a,-1,0.3\nr,2e8,1e9,a,1,0.3\n",
	} {
		f.Add(s, "params>=5e9")
	}
	f.Fuzz(func(t *testing.T, csvText, holdout string) {
		d, err := Load(strings.NewReader(csvText), "f.csv", Columns{Task: "task", TaskLoss: "bpb", Metric: "acc"}, holdout)
		if err != nil {
			return
		}
		tg, err := HeldTargets(d)
		if err != nil {
			return
		}
		tg = append(tg, Target{Run: "p", Params: 7e9, Tokens: 4e12, Hypothetical: true})
		if len(csvText) < 4000 {
			Analyze(d, tg, Options{Workers: 1})
		}
	})
}
