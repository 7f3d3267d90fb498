// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// probeHost reads the host's resources as stout does on Linux: os::cpus is
// sysconf(_SC_NPROCESSORS_ONLN) (glibc reads /sys/devices/system/cpu/online),
// os::memory is sysinfo's totalram, fs::size is statvfs's f_blocks *
// f_frsize.
func probeHost(workDir string) hostResources {
	var h hostResources
	h.cpus = onlineCPUs()
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		h.memBytes = uint64(si.Totalram) * uint64(si.Unit)
	}
	var fs syscall.Statfs_t
	if workDir == "" {
		workDir = os.TempDir()
	}
	if syscall.Statfs(workDir, &fs) == nil {
		size := uint64(fs.Frsize)
		if size == 0 {
			size = uint64(fs.Bsize)
		}
		h.diskBytes = fs.Blocks * size
	}
	return h
}

// onlineCPUs counts the CPUs listed in /sys/devices/system/cpu/online
// ("0-3,5"), or runtime.NumCPU when that cannot be read.
func onlineCPUs() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		c := a
		var err2 error
		if isRange {
			c, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || c < a {
			return runtime.NumCPU()
		}
		n += c - a + 1
	}
	return n
}
