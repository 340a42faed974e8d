// SPDX-License-Identifier: MIT

package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
)

// runSoak is issue #8's soak, against a server it starts itself (so it sees the exit code):
//  1. -n calls, Encrypt/Decrypt/Status in turn, -c in flight over -conns connections; VmRSS sampled every 200 ms,
//     its growth over the second half (end vs halfway), fds and threads before and after;
//  2. -cycles connection open/Status/close cycles; fds and threads back to their level before them;
//  3. SIGTERM with -c calls in flight, against a second server started with --in-memory-delay -sigterm-delay:
//     each call ends OK or UNAVAILABLE, none hangs, the process exits 0 and the socket file is removed.
//
// Prints one key=value line per phase and a final "soak: pass" or "soak: FAIL <reasons>" (exit status 1).
// Timing is never checked; RSS growth only when -max-rss-growth is 0 or more (percent).
func runSoak(args []string) {
	fs := flag.NewFlagSet("soak", flag.ExitOnError)
	socket := fs.String("socket", "", "socket path the server will listen on")
	logPath := fs.String("log", "/dev/null", "file for the server's stdout and stderr")
	n := fs.Int64("n", 1000000, "calls in the load phase")
	inflight := fs.Int("c", 64, "calls in flight")
	connCount := fs.Int("conns", 4, "connections of the load phase")
	cycles := fs.Int("cycles", 10000, "connection open/close cycles")
	maxGrowth := fs.Float64("max-rss-growth", -1, "fail when RSS grows more than this % over the load's second half (-1: report only)")
	// The .NET thread pool may add a worker or two under load and retires idle ones only after 20 s; a leak would
	// grow with the calls or the cycles (thousands), not by a few.
	threadSlack := fs.Int64("thread-slack", 4, "threads the server may have more at the end of a phase than at its start")
	idleWait := fs.Duration("idle-wait", 0, "after the cycles, wait up to this long for the thread count to return to its start")
	sigtermDelay := fs.String("sigterm-delay", "500ms", "--in-memory-delay of the server the SIGTERM phase runs against")
	fs.Parse(args)
	if *socket == "" || fs.NArg() == 0 {
		fail("soak: -socket and a server command are required")
	}
	var failures []string
	check := func(ok bool, reason string) {
		if !ok {
			failures = append(failures, reason)
		}
	}

	server, exited := startServer(*socket, *logPath, fs.Args())
	pid := server.Process.Pid
	conns := make([]*grpc.ClientConn, *connCount)
	for i := range conns {
		conns[i] = dial(*socket)
	}
	mix, err := newMixedCalls(conns[0])
	if err != nil {
		fail("soak: first Encrypt: " + err.Error())
	}
	runMixedLoad(conns, mix, int64(200**connCount), *inflight) // warm: code paths, pools, thread pool
	fdsBefore, threadsBefore := openFds(pid), threads(pid)
	sampler := sampleRss(pid, 200*time.Millisecond)
	begin := time.Now()
	load := runMixedLoad(conns, mix, *n, *inflight)
	elapsed := time.Since(begin)
	sampler.Stop()
	rssHalf, rssEnd := sampler.at(load.halfway), rssMiB(pid)
	growth := (rssEnd - rssHalf) / rssHalf * 100
	fdsAfter := settled(func() int64 { return int64(openFds(pid)) }, int64(fdsBefore))
	threadsAfter := settled(func() int64 { return threads(pid) }, threadsBefore+*threadSlack)
	fmt.Printf("load calls=%d errors=%d seconds=%.1f rps=%.0f rss_start_mib=%.1f rss_half_mib=%.1f rss_end_mib=%.1f "+
		"rss_peak_mib=%.1f rss_growth_second_half_pct=%.2f fds=%d->%d threads=%d->%d first_error=%q\n",
		*n, load.errors, elapsed.Seconds(), float64(*n)/elapsed.Seconds(), sampler.at(begin), rssHalf, rssEnd,
		sampler.peak, growth, fdsBefore, fdsAfter, threadsBefore, threadsAfter, load.firstError)
	check(load.errors == 0, fmt.Sprintf("%d load errors", load.errors))
	check(fdsAfter <= int64(fdsBefore), "fds grew over the load")
	check(threadsAfter <= threadsBefore+*threadSlack, "threads grew over the load")
	check(*maxGrowth < 0 || growth <= *maxGrowth, fmt.Sprintf("RSS grew %.2f%% over the second half", growth))

	for _, cc := range conns {
		cc.Close()
	}
	fdsIdle := settled(func() int64 { return int64(openFds(pid)) }, int64(fdsBefore-*connCount))
	threadsIdle := threads(pid)
	begin = time.Now()
	cycleErrors, firstCycleError := runCycles(*socket, *cycles)
	fdsCycled := settled(func() int64 { return int64(openFds(pid)) }, fdsIdle)
	threadsCycled := settled(func() int64 { return threads(pid) }, threadsIdle+*threadSlack)
	fmt.Printf("cycles cycles=%d errors=%d seconds=%.1f fds=%d->%d threads=%d->%d rss_mib=%.1f first_error=%q\n",
		*cycles, cycleErrors, time.Since(begin).Seconds(), fdsIdle, fdsCycled, threadsIdle, threadsCycled, rssMiB(pid),
		firstCycleError)
	check(cycleErrors == 0, fmt.Sprintf("%d cycle errors", cycleErrors))
	check(fdsCycled <= fdsIdle, "fds did not come back after the cycles")
	check(threadsCycled <= threadsIdle+*threadSlack, "threads did not come back after the cycles")
	if *idleWait > 0 { // report whether the pool's extra workers retire once idle (not checked: the slack is)
		begin = time.Now()
		for threads(pid) > threadsBefore && time.Since(begin) < *idleWait {
			time.Sleep(500 * time.Millisecond)
		}
		fmt.Printf("idle seconds=%.1f threads=%d fds=%d rss_mib=%.1f\n", time.Since(begin).Seconds(), threads(pid),
			openFds(pid), rssMiB(pid))
	}

	// Phase 3 on a fresh server whose calls take -sigterm-delay, so the signal finds every call inside its handler
	// (in-memory calls otherwise take microseconds). The first server must stop as cleanly.
	server.Process.Signal(syscall.SIGTERM)
	first := <-exited
	check(first.ExitCode() == 0, fmt.Sprintf("exit code %d after the load", first.ExitCode()))
	server, exited = startServer(*socket, *logPath+".sigterm", append(fs.Args(), "--in-memory-delay", *sigtermDelay))
	for i := range conns {
		conns[i] = dial(*socket)
	}
	if mix, err = newMixedCalls(conns[0]); err != nil { // the new server has a new in-memory key
		fail("soak: first Encrypt of the second server: " + err.Error())
	}
	signalled := time.Now()
	shutdown := runCallsAcrossSigterm(conns, mix, *inflight, func() {
		signalled = time.Now()
		server.Process.Signal(syscall.SIGTERM)
	}, 30*time.Second)
	exitCode := -1
	select {
	case state := <-exited:
		exitCode = state.ExitCode()
	case <-time.After(30 * time.Second):
		server.Process.Kill()
	}
	exitSeconds := time.Since(signalled).Seconds()
	_, statErr := os.Stat(*socket)
	socketRemoved := os.IsNotExist(statErr)
	fmt.Printf("sigterm inflight=%d ok=%d unavailable=%d other=%d hung=%d exit_code=%d exit_seconds=%.2f "+
		"socket_removed=%t first_other=%q\n", *inflight, shutdown.ok, shutdown.unavailable, shutdown.other,
		shutdown.hung, exitCode, exitSeconds, socketRemoved, shutdown.firstOther)
	check(shutdown.other == 0, fmt.Sprintf("%d calls ended other than OK or UNAVAILABLE", shutdown.other))
	check(shutdown.hung == 0, fmt.Sprintf("%d callers hung", shutdown.hung))
	check(exitCode == 0, fmt.Sprintf("exit code %d", exitCode))
	check(socketRemoved, "the socket file was left behind")

	if len(failures) > 0 {
		fmt.Printf("soak: FAIL %s\n", strings.Join(failures, "; "))
		os.Exit(1)
	}
	fmt.Println("soak: pass")
}

// startServer runs the server as our child and waits until it answers a Status; exited reports its end.
func startServer(socket, logPath string, command []string) (*exec.Cmd, <-chan *os.ProcessState) {
	out, err := os.Create(logPath)
	if err != nil {
		fail(err.Error())
	}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		fail("soak: start: " + err.Error())
	}
	exited := make(chan *os.ProcessState, 1)
	go func() {
		cmd.Wait()
		exited <- cmd.ProcessState
	}()
	for begin := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if conn, err := net.Dial("unix", socket); err == nil {
			conn.Close()
			break
		}
		if time.Since(begin) > 10*time.Second {
			cmd.Process.Kill()
			fail("soak: the server did not accept within 10 s")
		}
	}
	return cmd, exited
}

// settled polls value for up to 10 s until it is at most target (closing sockets and retiring threads take the
// server a moment), and returns the last value read.
func settled(value func() int64, target int64) int64 {
	v := value()
	for begin := time.Now(); v > target && time.Since(begin) < 10*time.Second; v = value() {
		time.Sleep(100 * time.Millisecond)
	}
	return v
}
