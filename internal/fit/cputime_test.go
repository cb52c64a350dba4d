package fit

import (
	"runtime"
	"syscall"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread (Linux RUSAGE_THREAD), so
// micro-measurements are not inflated by other processes on a shared machine.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // RUSAGE_THREAD
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPerOp runs fn n times on a locked thread and returns the CPU time per call.
func cpuPerOp(n int, fn func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := threadCPU()
	for range n {
		fn()
	}
	return (threadCPU() - t0) / time.Duration(n)
}
