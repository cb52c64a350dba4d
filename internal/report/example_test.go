package report_test

import (
	"os"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/report"
)

// A table renders the same rows as aligned text, Markdown or CSV.
func ExampleTable_Render() {
	t := &report.Table{Title: "Compute-optimal allocation", Header: []string{"compute C", "N_opt", "D_opt"}}
	t.AddRow(format.Sci(1e22), format.Count(2.9e9), format.Count(5.8e11))
	t.AddRow(format.Sci(1e23), format.Count(8.2e9), format.Count(2.0e12))
	f, _ := format.Parse("markdown")
	_ = t.Render(os.Stdout, f)
	// Output:
	// ### Compute-optimal allocation
	//
	// | compute C | N_opt | D_opt |
	// |---|---:|---:|
	// | 1e22 | 2.90B | 580B |
	// | 1e23 | 8.20B | 2.00T |
}
