// SPDX-License-Identifier: MIT

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// ownCPUSeconds is this process's user+system time: the attackers share the 2 cores with the server and the witness.
func ownCPUSeconds() float64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
}

// runAttack runs one attack class against a running server for -d, then closes its connections and waits -settle
// before the last memory reading. With -pid it reports the server's resident memory (VmRSS) before, at its sampled
// peak (every 20 ms) and after, its VmHWM, and the CPU seconds it spent from the attack's start to the end of the
// settle time. Prints one line of key=value pairs; reaction="…" lists what the server sent the attackers.
func runAttack(args []string) {
	fs := flag.NewFlagSet("attack", flag.ExitOnError)
	socket := fs.String("socket", "", "server socket")
	name := fs.String("name", "", "attack class (-list shows them)")
	list := fs.Bool("list", false, "print the attack classes and exit")
	duration := fs.Duration("d", 10*time.Second, "how long to attack")
	settle := fs.Duration("settle", 5*time.Second, "wait after the attack before reading memory again")
	pid := fs.Int("pid", 0, "server pid, for memory and CPU")
	fs.Parse(args)
	if *list {
		for _, a := range attacks {
			fmt.Printf("%s\t%s\n", a.name, a.description)
		}
		return
	}
	var chosen *attack
	for i := range attacks {
		if attacks[i].name == *name {
			chosen = &attacks[i]
		}
	}
	if chosen == nil || *socket == "" || *pid == 0 {
		fail("attack: -socket, -pid and a known -name are required (-list)")
	}

	rssBefore := rssMiB(*pid)
	cpuBefore := cpuSeconds(*pid)
	sampler := sampleRss(*pid, 20*time.Millisecond)
	rec := newReaction()
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	begin := time.Now()
	chosen.run(ctx, *socket, rec) // returns once every attacking connection is closed
	cancel()
	attacked := time.Since(begin)
	time.Sleep(*settle)
	peak := sampler.Stop()
	alive := 1
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", *pid)); err != nil {
		alive = 0
	}
	fmt.Printf("attack=%s seconds=%.1f rss_before_mib=%.1f rss_peak_mib=%.1f rss_hwm_mib=%.1f rss_after_mib=%.1f "+
		"cpu_s=%.2f attacker_cpu_s=%.2f alive=%d reaction=\"%s\"\n", chosen.name, attacked.Seconds(), rssBefore, peak,
		hwmMiB(*pid), rssMiB(*pid), cpuSeconds(*pid)-cpuBefore, ownCPUSeconds(), alive, strings.ReplaceAll(rec.String(), "\"", "'"))
}
