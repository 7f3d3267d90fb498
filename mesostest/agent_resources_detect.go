// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"strconv"
	"strings"
)

// Containerizer::resources' fallbacks (src/slave/constants.hpp) for what
// the host does not tell.
const (
	defaultDetectCPUs  = 1
	defaultDetectMem   = 1 << 30  // DEFAULT_MEM, 1 GB
	defaultDetectDisk  = 10 << 30 // DEFAULT_DISK, 10 GB
	defaultDetectPorts = "[31000-32000]"
)

// hostResources is what the host has, as Containerizer::resources probes
// it: online CPUs (os::cpus), total memory (os::memory) and the size of
// the file system holding the work directory (fs::size). A zero value
// means unknown.
type hostResources struct {
	cpus      int
	memBytes  uint64
	diskBytes uint64
}

// withDetectedResources completes an agent's resource string as a Mesos
// agent completes its --resources (Containerizer::resources,
// src/slave/containerizer/containerizer.cpp): each of cpus, mem, disk and
// ports that the string does not name, even with a zero value, is added
// from the host: cpus as the number of online CPUs, mem as the total
// memory less 1 GB (half of it below 2 GB), disk as the size of the file
// system of workDir less 5 GB (half of it below 10 GB), both in whole MB,
// and ports as [31000-32000].
func withDetectedResources(text, workDir string) string {
	named := resourceNames(text)
	var add []string
	var host *hostResources
	probe := func() *hostResources {
		if host == nil {
			h := probeHost(workDir)
			host = &h
		}
		return host
	}
	if !named["cpus"] {
		n := probe().cpus
		if n <= 0 {
			n = defaultDetectCPUs
		}
		add = append(add, "cpus:"+strconv.Itoa(n))
	}
	if !named["mem"] {
		mem := uint64(defaultDetectMem)
		if total := probe().memBytes; total > 0 {
			mem = keepFree(total, 2<<30, 1<<30)
		}
		add = append(add, "mem:"+strconv.FormatUint(mem>>20, 10))
	}
	if !named["disk"] {
		disk := uint64(defaultDetectDisk)
		if total := probe().diskBytes; total > 0 {
			disk = keepFree(total, 10<<30, 5<<30)
		}
		add = append(add, "disk:"+strconv.FormatUint(disk>>20, 10))
	}
	if !named["ports"] {
		add = append(add, "ports:"+defaultDetectPorts)
	}
	if len(add) == 0 {
		return text
	}
	if strings.TrimSpace(text) != "" {
		add = append([]string{text}, add...)
	}
	return strings.Join(add, ";")
}

// keepFree is total less free when total is at least threshold, else half
// of total.
func keepFree(total, threshold, free uint64) uint64 {
	if total >= threshold {
		return total - free
	}
	return total / 2
}

// resourceNames lists the names a resource string mentions (with or
// without a reservation), whatever their values.
func resourceNames(text string) map[string]bool {
	names := map[string]bool{}
	for _, tok := range strings.Split(text, ";") {
		name, _, ok := strings.Cut(tok, ":")
		if !ok {
			continue
		}
		if i := strings.IndexByte(name, '('); i >= 0 {
			name = name[:i]
		}
		names[strings.TrimSpace(name)] = true
	}
	return names
}
