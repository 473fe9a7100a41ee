//go:build !linux && !darwin && !windows

package memlimit

// Total reports the machine's memory as unknown on systems the tool is not
// built for by the project (it ships Linux, macOS and Windows): the limit
// stays at Floor.
func Total() (uint64, string) {
	return 0, "unknown"
}
