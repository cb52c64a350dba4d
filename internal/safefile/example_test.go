package safefile_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scalefit/scalefit/internal/safefile"
)

// Write replaces a file atomically: a write that fails leaves the old contents.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "safefile")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "fit.json")
	_ = safefile.Write(p, func(w io.Writer) error { _, err := io.WriteString(w, "old\n"); return err })
	err := safefile.Write(p, func(w io.Writer) error {
		io.WriteString(w, "half a new fi")
		return fmt.Errorf("disk full")
	})
	b, _ := os.ReadFile(p)
	fmt.Printf("error %v; file still %q\n", err, b)
	// Output:
	// error disk full; file still "old\n"
}
