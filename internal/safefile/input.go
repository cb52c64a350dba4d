package safefile

import (
	"fmt"
	"os"
)

// NotInput refuses an output that is one of the command's inputs: the same file by device
// and inode (os.SameFile), so a symbolic or hard link to the input, or another spelling of
// its path, is caught too (`fit runs.csv -o runs.csv` would replace the runs by the fit).
// An output that does not exist yet, and one that is not a regular file (a device, a FIFO,
// /dev/stdout: written through, never replaced), pass. Inputs that cannot be stat'ed
// ("-" for standard input, a missing file the loader will report) are skipped.
func NotInput(output string, inputs ...string) error {
	if output == "" || output == "-" {
		return nil
	}
	out, err := os.Stat(output)
	if err != nil || !out.Mode().IsRegular() {
		return nil
	}
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			continue
		}
		if os.SameFile(out, st) {
			if in == output {
				return fmt.Errorf("cannot write %s: it is an input of this command; choose another output file", output)
			}
			return fmt.Errorf("cannot write %s: it is the input %s (the same file); choose another output file", output, in)
		}
	}
	return nil
}

// sameAsInput reports the input that is the file st, if any.
func sameAsInput(st os.FileInfo, inputs []os.FileInfo, names []string) (string, bool) {
	for i, in := range inputs {
		if os.SameFile(st, in) {
			return names[i], true
		}
	}
	return "", false
}
