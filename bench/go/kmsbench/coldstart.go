// SPDX-License-Identifier: MIT
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// runColdStart is issue #9's cold start: N distinct KMS v1 DEKs encrypted, then all decrypted (the first apiserver
// start), then all again (its restart). C goroutines on one connection; UNAVAILABLE (the plugin's rate limit refusing
// a call that would wait past its 3 s deadline) is retried after 100 ms, as kube-apiserver retries a failed read.
// Prints one line per pass: calls, retries after UNAVAILABLE, other errors, seconds.
func runColdStart(args []string) {
	fs := flag.NewFlagSet("coldstart", flag.ExitOnError)
	socket := fs.String("socket", "", "server socket")
	n := fs.Int("n", 10000, "distinct DEKs")
	c := fs.Int("c", 64, "calls in flight")
	fs.Parse(args)
	cc := dial(*socket)
	defer cc.Close()

	ciphertexts := make([][]byte, *n)
	pass("encrypt", *n, *c, func(i int) ([]byte, error) {
		dek := make([]byte, 32)
		rand.Read(dek)
		req := appendBytes(appendBytes(nil, 1, []byte("v1beta1")), 2, dek)
		resp, err := invoke(cc, "/v1beta1.KeyManagementService/Encrypt", req)
		if err != nil {
			return nil, err
		}
		fields, err := parseFields(resp)
		if err != nil || len(fields) == 0 {
			return nil, fmt.Errorf("bad EncryptResponse")
		}
		ciphertexts[i] = fields[0].value
		return nil, nil
	})
	for _, name := range []string{"decrypt-first", "decrypt-again"} {
		pass(name, *n, *c, func(i int) ([]byte, error) {
			req := appendBytes(appendBytes(nil, 1, []byte("v1beta1")), 2, ciphertexts[i])
			return invoke(cc, "/v1beta1.KeyManagementService/Decrypt", req)
		})
	}
}

func pass(name string, n, c int, call func(int) ([]byte, error)) {
	var next, retries, errs int64 = -1, 0, 0
	var wg sync.WaitGroup
	begin := time.Now()
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= n {
					return
				}
				for {
					_, err := call(i)
					if err == nil {
						break
					}
					if status.Code(err) == codes.Unavailable {
						atomic.AddInt64(&retries, 1)
						time.Sleep(100 * time.Millisecond)
						continue
					}
					atomic.AddInt64(&errs, 1)
					break
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("pass=%s calls=%d unavailable_retries=%d errors=%d seconds=%.1f\n", name, n, retries, errs, time.Since(begin).Seconds())
}
