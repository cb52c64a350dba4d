//go:build unix

package safefile

import "syscall"

// alive reports whether process pid exists (signal 0 checks without signalling).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
