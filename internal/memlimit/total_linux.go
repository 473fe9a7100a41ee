package memlimit

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Total returns the memory the process may use: the smaller of the
// machine's RAM and its cgroup's memory limit (v2 memory.max, or v1
// memory.limit_in_bytes), and which of them it is.
func Total() (uint64, string) {
	var info unix.Sysinfo_t
	var total uint64
	from := "RAM"
	if unix.Sysinfo(&info) == nil {
		total = uint64(info.Totalram) * uint64(info.Unit)
	}
	if limit, ok := cgroupLimit(); ok && (total == 0 || limit < total) {
		total, from = limit, "cgroup memory limit"
	}
	return total, from
}

// cgroupLimit reads the process's cgroup memory limit; ok is false when
// there is none or it cannot be read.
func cgroupLimit() (uint64, bool) {
	for _, file := range cgroupFiles() {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(data))
		if s == "max" {
			return 0, false
		}
		n, err := strconv.ParseUint(s, 10, 64)
		// cgroup v1 writes a page-rounded huge number for no limit.
		if err != nil || n >= 1<<60 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// cgroupFiles lists where the limit may be written: the v2 group of this
// process (from /proc/self/cgroup), the v2 root as a container sees it, and
// v1's memory controller.
func cgroupFiles() []string {
	var files []string
	if data, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if group, ok := strings.CutPrefix(sc.Text(), "0::"); ok {
				files = append(files, path.Join("/sys/fs/cgroup", group, "memory.max"))
			}
		}
	}
	return append(files, "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
}
