//go:build unix

package fit_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system, every thread) the process has used: on a shared
// machine the per-row cost in CPU time is steadier than in wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
