// SPDX-License-Identifier: MIT

package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runWitness is the well-behaved client of the attack benchmark: one grpc-go connection dialled as kube-apiserver
// dials it, calling v2 Status every -interval for -d in an open loop (each call starts at its scheduled time
// whatever the previous one is doing, and its latency counts from then, so a stalled server is not hidden by
// calls that were never made). Prints calls, errors (including calls over the 3 s deadline), p50/p99/max in ms,
// when the slowest call and the first failed one were scheduled (seconds from the first call), and the first error.
func runWitness(args []string) {
	fs := flag.NewFlagSet("witness", flag.ExitOnError)
	socket := fs.String("socket", "", "server socket")
	duration := fs.Duration("d", 12*time.Second, "how long to call")
	interval := fs.Duration("interval", 10*time.Millisecond, "time between calls")
	fs.Parse(args)

	cc := dial(*socket)
	defer cc.Close()
	for i := 0; i < 20; i++ { // connected and warm before the first measured call
		if _, err := invoke(cc, "/v2.KeyManagementService/Status", nil); err != nil {
			fail("witness: warm-up: " + err.Error())
		}
	}
	fmt.Fprintln(os.Stderr, "witness: ready")

	total := int(*duration / *interval)
	latencies := make([]time.Duration, total)
	var errorCount int64
	var firstError atomic.Value
	firstErrorAt := int64(total) // index of the earliest failed call
	var wg sync.WaitGroup
	begin := time.Now()
	for i := 0; i < total; i++ {
		scheduled := begin.Add(time.Duration(i) * *interval)
		time.Sleep(time.Until(scheduled))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := invoke(cc, "/v2.KeyManagementService/Status", nil); err != nil {
				atomic.AddInt64(&errorCount, 1)
				firstError.CompareAndSwap(nil, err.Error())
				for at := atomic.LoadInt64(&firstErrorAt); int64(i) < at; at = atomic.LoadInt64(&firstErrorAt) {
					if atomic.CompareAndSwapInt64(&firstErrorAt, at, int64(i)) {
						break
					}
				}
			}
			latencies[i] = time.Since(scheduled)
		}(i)
	}
	wg.Wait()
	slowest := 0 // when the worst call was scheduled, to tell a stall at the attack's start or end from a steady one
	for i, latency := range latencies {
		if latency > latencies[slowest] {
			slowest = i
		}
	}
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	ms := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	first, _ := firstError.Load().(string)
	at := func(i int64) float64 { return (time.Duration(i) * *interval).Seconds() }
	fmt.Printf("calls=%d errors=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f max_at_s=%.2f first_error_at_s=%.2f "+
		"first_error=\"%s\"\n", total, errorCount, ms(0.50), ms(0.99), ms(1), at(int64(slowest)), at(firstErrorAt),
		strings.ReplaceAll(first, "\"", "'"))
}
