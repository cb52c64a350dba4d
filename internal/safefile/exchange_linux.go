//go:build linux && (amd64 || arm64)

package safefile

import (
	"syscall"
	"unsafe"
)

const renameExchange = 2 // RENAME_EXCHANGE; sysRenameat2 is per architecture (syscall names it on arm64 only)

// exchange swaps two paths atomically (Linux renameat2 with RENAME_EXCHANGE).
func exchange(a, b string) error {
	pa, err := syscall.BytePtrFromString(a)
	if err != nil {
		return err
	}
	pb, err := syscall.BytePtrFromString(b)
	if err != nil {
		return err
	}
	const atFDCWD = -100
	fd := atFDCWD
	_, _, e := syscall.Syscall6(sysRenameat2, uintptr(fd), uintptr(unsafe.Pointer(pa)), uintptr(fd), uintptr(unsafe.Pointer(pb)), renameExchange, 0)
	if e != 0 {
		return e
	}
	return nil
}
