// SPDX-License-Identifier: MIT

// kmsclient is an independent grpc-go peer for the KmsNative plugin. It dials the way kube-apiserver's KMS client
// does (grpc.WithInsecure, a unix context dialer, an explicit :authority, WaitForReady, a 3 s timeout per call) and
// runs one scenario, printing one line per check. Exit status: 0 all checks passed, 1 a check failed, 2 bad usage.
//
// Build offline in GOPATH mode against Debian's golang-google-grpc-dev (grpc-go 1.33), see
// build/install-interop-deps.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
)

type options struct {
	socket      string
	authority   string
	scenario    string
	n           int
	concurrency int
	timeout     time.Duration
}

type client struct {
	cc      *grpc.ClientConn
	timeout time.Duration
	failed  bool
}

var scenarios = map[string]func(*client, options){
	"v2":             runV2RoundTrip,
	"v1":             runV1RoundTrip,
	"concurrent":     runConcurrent,
	"deadline":       runDeadline,
	"unknown-method": runUnknownMethod,
	"tampered":       runTampered,
	"no-message":     runNoMessage,
}

// scenarioNames is the order "all" runs them in. "deadline" is left out of "all": it needs a server started with
// --in-memory-delay, which makes every other scenario slow.
var scenarioNames = []string{"v2", "v1", "concurrent", "unknown-method", "tampered", "no-message"}

func main() {
	var o options
	flag.StringVar(&o.socket, "socket", "", "absolute path of the plugin's unix socket (required)")
	flag.StringVar(&o.authority, "authority", "localhost",
		"the :authority to send: localhost (kube-apiserver KMS v2 >= 1.32), path (the raw socket path, KMS v1), "+
			"or escaped (the percent-encoded path, newer grpc-go)")
	flag.StringVar(&o.scenario, "scenario", "all",
		"one of: all, deadline, "+strings.Join(scenarioNames, ", "))
	flag.IntVar(&o.n, "n", 200, "concurrent: number of Encrypt+Decrypt round trips")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent: number of goroutines sharing one ClientConn")
	flag.DurationVar(&o.timeout, "timeout", 0,
		"per-call timeout (default 3s as kube-apiserver; the deadline scenario's short calls default to 200ms)")
	flag.Parse()

	if o.socket == "" || flag.NArg() != 0 {
		usage("-socket is required and no positional arguments are accepted")
	}
	authority, err := authorityFor(o.authority, o.socket)
	if err != nil {
		usage(err.Error())
	}
	var run []string
	if o.scenario == "all" {
		run = scenarioNames
	} else if _, ok := scenarios[o.scenario]; ok {
		run = []string{o.scenario}
	} else {
		usage(fmt.Sprintf("unknown -scenario %q", o.scenario))
	}
	if o.n < 1 || o.concurrency < 1 {
		usage("-n and -concurrency must be positive")
	}

	cc, err := dial(o.socket, authority)
	if err != nil {
		fmt.Printf("FAIL dial %s: %v\n", o.socket, err)
		os.Exit(1)
	}
	defer cc.Close()
	fmt.Printf("info dial unix %s with :authority %q (grpc-go %s)\n", o.socket, authority, grpc.Version)

	c := &client{cc: cc, timeout: 3 * time.Second}
	if o.timeout > 0 && o.scenario != "deadline" {
		c.timeout = o.timeout
	}
	for _, name := range run {
		scenarios[name](c, o)
	}
	if c.failed {
		fmt.Printf("FAIL scenario %s with authority %s\n", o.scenario, o.authority)
		os.Exit(1)
	}
	fmt.Printf("PASS scenario %s with authority %s\n", o.scenario, o.authority)
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "kmsclient: %s\n", msg)
	flag.Usage()
	os.Exit(2)
}

func authorityFor(form, socket string) (string, error) {
	switch form {
	case "localhost":
		return "localhost", nil
	case "path":
		return socket, nil
	case "escaped":
		// url.PathEscape escapes '/', giving %2Ftmp%2Fx.sock as grpc-go >= 1.5x puts on the wire.
		return url.PathEscape(socket), nil
	default:
		return "", fmt.Errorf("unknown -authority %q (want localhost, path or escaped)", form)
	}
}

// dial mirrors k8s.io/apiserver's KMS gRPC service: insecure, a unix dialer that ignores the resolver's address,
// and an explicit authority. The dial itself does not block; calls wait for the connection (WaitForReady).
func dial(socket, authority string) (*grpc.ClientConn, error) {
	dialer := func(context.Context, string) (net.Conn, error) {
		return net.DialUnix("unix", nil, &net.UnixAddr{Name: socket, Net: "unix"})
	}
	return grpc.Dial(socket,
		grpc.WithInsecure(),
		grpc.WithContextDialer(dialer),
		grpc.WithAuthority(authority),
		grpc.WithDefaultCallOptions(grpc.WaitForReady(true), grpc.ForceCodec(rawCodec{})),
	)
}

// invoke makes one unary call with the client's per-call timeout and returns the raw response message.
func (c *client) invoke(method string, request []byte) ([]byte, error) {
	return c.invokeWithin(c.timeout, method, request)
}

func (c *client) invokeWithin(timeout time.Duration, method string, request []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var response []byte
	err := c.cc.Invoke(ctx, method, &request, &response)
	return response, err
}

func (c *client) pass(format string, args ...interface{}) {
	fmt.Printf("ok   "+format+"\n", args...)
}

func (c *client) fail(format string, args ...interface{}) {
	c.failed = true
	fmt.Printf("FAIL "+format+"\n", args...)
}
