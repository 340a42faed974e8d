// SPDX-License-Identifier: MIT

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// statusField reads one "Name:   N kB" (or "Threads: N") line of /proc/<pid>/status; -1 when the process is gone.
func statusField(pid int, name string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+":") {
			fields := strings.Fields(line[len(name)+1:])
			if len(fields) > 0 {
				v, _ := strconv.ParseInt(fields[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

func rssMiB(pid int) float64 { return float64(statusField(pid, "VmRSS")) / 1024 }
func hwmMiB(pid int) float64 { return float64(statusField(pid, "VmHWM")) / 1024 }
func threads(pid int) int64  { return statusField(pid, "Threads") }

// openFds counts /proc/<pid>/fd; -1 when the process is gone.
func openFds(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(entries)
}

// cpuSeconds is the server's utime+stime so far (USER_HZ ticks of 10 ms).
func cpuSeconds(pid int) float64 {
	ticks, err := cpuTicks(pid)
	if err != nil {
		return -1
	}
	return float64(ticks) / 100
}

// rssSampler records VmRSS every interval until stopped: the peak, and every sample with its time for growth
// over a window (the soak's second half).
type rssSampler struct {
	mu      sync.Mutex
	peak    float64
	samples []rssSample
	stop    chan struct{}
	done    chan struct{}
}

type rssSample struct {
	at  time.Time
	mib float64
}

func sampleRss(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			s.record(rssMiB(pid))
			select {
			case <-s.stop:
				return
			case <-ticker.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) record(mib float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if mib > s.peak {
		s.peak = mib
	}
	s.samples = append(s.samples, rssSample{time.Now(), mib})
}

// Stop ends sampling and returns the peak seen.
func (s *rssSampler) Stop() float64 {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// at returns the last sample taken at or before t (the first one when none was).
func (s *rssSampler) at(t time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.samples[0].mib
	for _, sample := range s.samples {
		if sample.at.After(t) {
			break
		}
		v = sample.mib
	}
	return v
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
