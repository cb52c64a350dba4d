//go:build !linux || !(amd64 || arm64)

package safefile

import "errors"

// exchange is unavailable here; Dir.Commit falls back to two renames.
func exchange(a, b string) error { return errors.New("no atomic exchange") }
