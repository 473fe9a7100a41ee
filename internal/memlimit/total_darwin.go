package memlimit

import "golang.org/x/sys/unix"

// Total returns the machine's RAM (sysctl hw.memsize), 0 when unknown.
func Total() (uint64, string) {
	n, err := unix.SysctlUint64("hw.memsize")
	if err != nil {
		return 0, "unknown"
	}
	return n, "RAM"
}
