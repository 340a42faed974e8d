// SPDX-License-Identifier: MIT

// kmsbench is the grpc-go side of build/bench-e2e.sh: it dials a KMS plugin the way kube-apiserver does (one
// ClientConn over a unix socket, :authority localhost, WaitForReady) and measures it. Subcommands:
//
//	start   -socket S -log F -- server args...   exec the server; print its pid, µs to the socket accepting and
//	                                             µs to the first answered v2 Status; leave it running
//	bodies  -socket S -dir D                     one Encrypt; write D/encrypt.bin and D/decrypt.bin (gRPC bodies
//	                                             for h2load, valid for this server's key)
//	load    -socket S -method M -c N -n N        closed loop: N calls by C goroutines on one connection
//	load    -socket S -method M -rate R -d DUR   open loop: R calls/s for DUR, latency from the scheduled time
//	summary results.tsv                          medians, min–max and ratios of the driver's results, as markdown
//	attack  -name A -socket S -pid P -d DUR      one attack class of issue #8 (attacks.go) with the server's
//	                                             memory and CPU (build/bench-attacks.sh)
//	witness -socket S -d DUR                     Status every 10 ms during an attack: p50/p99/max, errors
//	soak    -socket S -n N -cycles N -- server   calls, connection cycles and SIGTERM (soak.go, build/soak.sh)
//
// load prints one line of key=value pairs: calls, errors, seconds, rps, p50_us, p99_us, p999_us and, with
// -pid, cpu_us_per_call from the server's /proc/<pid>/stat utime+stime.
//
// Built offline in GOPATH mode against Debian's golang-google-grpc-dev (grpc-go 1.33) by build/bench-e2e.sh.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: kmsbench start|bodies|load|summary|budget|coldstart|attack|witness|soak [flags]")
	}
	switch os.Args[1] {
	case "start":
		runStart(os.Args[2:])
	case "bodies":
		runBodies(os.Args[2:])
	case "summary":
		runSummary(os.Args[2:])
	case "budget":
		runBudget(os.Args[2:])
	case "coldstart":
		runColdStart(os.Args[2:])
	case "load":
		runLoad(os.Args[2:])
	case "attack":
		runAttack(os.Args[2:])
	case "witness":
		runWitness(os.Args[2:])
	case "soak":
		runSoak(os.Args[2:])
	default:
		fail("unknown subcommand " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "kmsbench: "+msg)
	os.Exit(2)
}

// dial mirrors k8s.io/apiserver's KMS client: insecure, a unix dialer, explicit authority, WaitForReady.
func dial(socket string) *grpc.ClientConn {
	dialer := func(context.Context, string) (net.Conn, error) {
		return net.DialUnix("unix", nil, &net.UnixAddr{Name: socket, Net: "unix"})
	}
	cc, err := grpc.Dial(socket, grpc.WithInsecure(), grpc.WithContextDialer(dialer), grpc.WithAuthority("localhost"),
		grpc.WithDefaultCallOptions(grpc.WaitForReady(true), grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fail("dial: " + err.Error())
	}
	return cc
}

func invoke(cc *grpc.ClientConn, method string, request []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var response []byte
	err := cc.Invoke(ctx, method, &request, &response)
	return response, err
}

func runStart(args []string) {
	fs := flag.NewFlagSet("start", flag.ExitOnError)
	socket := fs.String("socket", "", "socket path the server will listen on")
	logPath := fs.String("log", "/dev/null", "file for the server's stdout and stderr")
	fs.Parse(args)
	if *socket == "" || fs.NArg() == 0 {
		fail("start: -socket and a server command are required")
	}
	out, err := os.Create(*logPath)
	if err != nil {
		fail(err.Error())
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // outlives us; the driver stops it by pid
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		fail("start: " + err.Error())
	}
	// Poll connect(2): the first success is the socket accepting.
	var accepted time.Duration
	for {
		conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: *socket, Net: "unix"})
		if err == nil {
			accepted = time.Since(begin)
			conn.Close()
			break
		}
		if time.Since(begin) > 10*time.Second {
			fail("start: the server did not accept within 10 s")
		}
		time.Sleep(100 * time.Microsecond)
	}
	cc := dial(*socket)
	if _, err := invoke(cc, "/v2.KeyManagementService/Status", nil); err != nil {
		fail("start: Status: " + err.Error())
	}
	status := time.Since(begin)
	cc.Close()
	fmt.Printf("pid=%d accept_us=%d status_us=%d\n", cmd.Process.Pid, accepted.Microseconds(), status.Microseconds())
	cmd.Process.Release()
}

func encryptRequest() []byte {
	plaintext := make([]byte, 32)
	for i := range plaintext {
		plaintext[i] = byte(i*7 + 1)
	}
	req := appendBytes(nil, 1, plaintext)
	return appendBytes(req, 2, []byte("5ee7d5b6-8a5d-4e4c-9c1a-3d1f6c0b2a77"))
}

// decryptRequest turns an EncryptResponse (1 ciphertext, 2 key_id, 3 annotations) into a DecryptRequest
// (1 ciphertext, 2 uid, 3 key_id, 4 annotations): fields 2 and 3 are renumbered, the annotation entries copied.
func decryptRequest(encryptResponse []byte) ([]byte, error) {
	fields, err := parseFields(encryptResponse)
	if err != nil {
		return nil, err
	}
	var req []byte
	for _, f := range fields {
		switch f.num {
		case 1:
			req = appendBytes(req, 1, f.value)
			req = appendBytes(req, 2, []byte("5ee7d5b6-8a5d-4e4c-9c1a-3d1f6c0b2a77"))
		case 2:
			req = appendBytes(req, 3, f.value)
		case 3:
			req = appendBytes(req, 4, f.value)
		}
	}
	return req, nil
}

func runBodies(args []string) {
	fs := flag.NewFlagSet("bodies", flag.ExitOnError)
	socket := fs.String("socket", "", "server socket")
	dir := fs.String("dir", "", "output directory")
	fs.Parse(args)
	cc := dial(*socket)
	defer cc.Close()
	enc := encryptRequest()
	resp, err := invoke(cc, "/v2.KeyManagementService/Encrypt", enc)
	if err != nil {
		fail("bodies: Encrypt: " + err.Error())
	}
	dec, err := decryptRequest(resp)
	if err != nil {
		fail("bodies: " + err.Error())
	}
	if _, err := invoke(cc, "/v2.KeyManagementService/Decrypt", dec); err != nil {
		fail("bodies: Decrypt: " + err.Error())
	}
	for name, msg := range map[string][]byte{"encrypt.bin": enc, "decrypt.bin": dec} {
		body := append([]byte{0, byte(len(msg) >> 24), byte(len(msg) >> 16), byte(len(msg) >> 8), byte(len(msg))}, msg...)
		if err := os.WriteFile(filepath.Join(*dir, name), body, 0o644); err != nil {
			fail(err.Error())
		}
	}
}

// cpuTicks is utime+stime of a process, in clock ticks (USER_HZ, 100 on Linux), including exited threads.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // comm may contain spaces
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(s[i+2:]) // f[0] is field 3 (state); utime is field 14, stime 15
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed stat")
	}
	return u + st, nil
}

func runLoad(args []string) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	socket := fs.String("socket", "", "server socket")
	method := fs.String("method", "Encrypt", "Encrypt or Decrypt")
	concurrency := fs.Int("c", 1, "closed loop: calls in flight")
	n := fs.Int("n", 20000, "closed loop: number of calls")
	rate := fs.Int("rate", 0, "open loop: calls per second (0 = closed loop)")
	duration := fs.Duration("d", 10*time.Second, "open loop: how long")
	pid := fs.Int("pid", 0, "server pid, for CPU time per call")
	fs.Parse(args)

	cc := dial(*socket)
	defer cc.Close()
	request := encryptRequest()
	fullMethod := "/v2.KeyManagementService/" + *method
	if *method == "Decrypt" {
		resp, err := invoke(cc, "/v2.KeyManagementService/Encrypt", request)
		if err != nil {
			fail("load: Encrypt: " + err.Error())
		}
		if request, err = decryptRequest(resp); err != nil {
			fail("load: " + err.Error())
		}
	}
	// Warm the connection and the server's code paths, as a long-lived apiserver connection would be.
	for i := 0; i < 200; i++ {
		if _, err := invoke(cc, fullMethod, request); err != nil {
			fail("load: warm-up: " + err.Error())
		}
	}

	var errorCount int64
	var latencies []time.Duration
	var cpuBefore int64
	if *pid > 0 {
		cpuBefore, _ = cpuTicks(*pid)
	}
	begin := time.Now()
	if *rate == 0 {
		latencies = make([]time.Duration, *n)
		var next int64 = -1
		var wg sync.WaitGroup
		for g := 0; g < *concurrency; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := atomic.AddInt64(&next, 1)
					if i >= int64(*n) {
						return
					}
					t := time.Now()
					if _, err := invoke(cc, fullMethod, request); err != nil {
						atomic.AddInt64(&errorCount, 1)
					}
					latencies[i] = time.Since(t)
				}
			}()
		}
		wg.Wait()
	} else {
		total := int(int64(*rate) * int64(*duration) / int64(time.Second))
		latencies = make([]time.Duration, total)
		interval := time.Second / time.Duration(*rate)
		var wg sync.WaitGroup
		for i := 0; i < total; i++ {
			scheduled := begin.Add(time.Duration(i) * interval)
			if d := time.Until(scheduled); d > 0 {
				time.Sleep(d)
			}
			wg.Add(1)
			go func(i int, scheduled time.Time) {
				defer wg.Done()
				if _, err := invoke(cc, fullMethod, request); err != nil {
					atomic.AddInt64(&errorCount, 1)
				}
				latencies[i] = time.Since(scheduled) // from the intended start: no coordinated omission
			}(i, scheduled)
		}
		wg.Wait()
	}
	elapsed := time.Since(begin)
	cpu := ""
	if *pid > 0 {
		if after, err := cpuTicks(*pid); err == nil {
			cpu = fmt.Sprintf(" cpu_us_per_call=%.1f", float64(after-cpuBefore)*10000/float64(len(latencies)))
		}
	}
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Nanoseconds()) / 1000
	}
	fmt.Printf("calls=%d errors=%d seconds=%.3f rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f%s\n",
		len(latencies), errorCount, elapsed.Seconds(), float64(len(latencies))/elapsed.Seconds(),
		pct(0.50), pct(0.99), pct(0.999), cpu)
}
