//go:build unix

package runs

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system, every thread) the process has used: with other
// work on the machine, rows per CPU-second is the per-core throughput, where wall time is not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
