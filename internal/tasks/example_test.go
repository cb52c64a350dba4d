package tasks_test

import (
	"fmt"
	"os"

	"github.com/scalefit/scalefit/internal/tasks"
)

// Predict the 7B and 13B OLMo models' MMLU accuracy from the 16-run ladder (Bhagia et al.
// 2024): step 1 predicts the task loss (bits per byte), step 2 maps it to accuracy.
func ExampleAnalyze() {
	f, err := os.Open("../../testdata/olmo_ladder_tasks.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cols := tasks.Columns{Task: "task", TaskLoss: "task_bpb", Metric: "task_acc"}
	d, err := tasks.Load(f, "olmo_ladder_tasks.csv", cols, "params>=5e9")
	if err != nil {
		fmt.Println(err)
		return
	}
	targets, err := tasks.HeldTargets(d)
	if err != nil {
		fmt.Println(err)
		return
	}
	d.Tasks = d.Tasks[:1] // MMLU only
	res, err := tasks.Analyze(d, targets, tasks.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Tasks[0].Predictions {
		fmt.Printf("%s: task loss %.3f (actual %.3f), accuracy %.3f (actual %.3f)\n", p.Run, p.TaskLoss, p.TaskLossActual, p.Metric, p.MetricActual)
	}
	// Output:
	// 7B-4T: task loss 0.787 (actual 0.777), accuracy 0.484 (actual 0.490)
	// 13B-5T: task loss 0.750 (actual 0.749), accuracy 0.513 (actual 0.516)
}
