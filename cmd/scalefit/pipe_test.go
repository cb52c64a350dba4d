//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// D16: a closed pipe on stdout (`scalefit ... | head -c1`) exits 2 with a message, not 141
// by SIGPIPE. The test runs the real entry point in a child process (this test binary)
// whose stdout is a pipe already closed at the other end.
func TestD16ClosedPipeExit2(t *testing.T) {
	if args := os.Getenv("SCALEFIT_D16_ARGS"); args != "" {
		os.Exit(runMain(strings.Fields(args)))
	}
	for _, args := range []string{"laws", "optimal --law chinchilla2022 --compute 1e21"} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		cmd := exec.Command(os.Args[0], "-test.run=^TestD16ClosedPipeExit2$")
		cmd.Env = append(os.Environ(), "SCALEFIT_D16_ARGS="+args)
		cmd.Stdout = w
		var errb strings.Builder
		cmd.Stderr = &errb
		err = cmd.Run()
		w.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("scalefit %s | (closed): %v (exit code %d); want exit 2", args, err, exitCodeOf(ee))
		}
		if !strings.Contains(errb.String(), "cannot write the output") {
			t.Errorf("scalefit %s | (closed): stderr %q", args, errb.String())
		}
	}
}

func exitCodeOf(ee *exec.ExitError) int {
	if ee == nil {
		return 0
	}
	return ee.ExitCode()
}
