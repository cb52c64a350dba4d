// Command scalefit fits neural scaling laws to training runs and plans compute-optimal
// allocations. See README.md, or run `scalefit --help`.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(runMain(os.Args[1:])) }

// runMain runs scalefit on the process's own standard streams. A closed pipe on stdout
// (`scalefit ... | head -c1`) is an I/O error like any other, exit 2: without a handler Go
// lets SIGPIPE kill the process (exit 141); asking for the signal turns it into an EPIPE
// error from the write.
func runMain(args []string) int {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	return run(args, os.Stdin, os.Stdout, os.Stderr)
}
