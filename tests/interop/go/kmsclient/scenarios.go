// SPDX-License-Identifier: MIT

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	v2Status  = "/v2.KeyManagementService/Status"
	v2Encrypt = "/v2.KeyManagementService/Encrypt"
	v2Decrypt = "/v2.KeyManagementService/Decrypt"
	v1Version = "/v1beta1.KeyManagementService/Version"
	v1Encrypt = "/v1beta1.KeyManagementService/Encrypt"
	v1Decrypt = "/v1beta1.KeyManagementService/Decrypt"
)

// The plaintexts of Azure/kubernetes-kms's integration test, an empty-ish edge, and a DEK-sized random seed.
func plaintexts() [][]byte {
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		panic(err)
	}
	return [][]byte{
		[]byte("secret"),
		[]byte("1234"),
		[]byte("!@#$%^&*()_"),
		[]byte("5ee7d5b6-8a5d-4e4c-9c1a-3d1f6c0b2a77"),
		seed,
	}
}

// v2 messages (k8s.io/kms apis/v2/api.proto).

type v2EncryptResult struct {
	ciphertext  []byte
	keyID       string
	annotations map[string][]byte
}

func (c *client) v2StatusCall() (version, healthz, keyID string, err error) {
	resp, err := c.invoke(v2Status, nil) // StatusRequest{}: the 5-byte empty message
	if err != nil {
		return "", "", "", err
	}
	m, err := decodeMessage(resp, 0)
	if err != nil {
		return "", "", "", err
	}
	return string(m.bytes[1]), string(m.bytes[2]), string(m.bytes[3]), nil
}

func (c *client) v2EncryptCall(plaintext []byte, uid string) (v2EncryptResult, error) {
	var req []byte
	req = appendBytesField(req, 1, plaintext)
	req = appendBytesField(req, 2, []byte(uid))
	resp, err := c.invoke(v2Encrypt, req)
	if err != nil {
		return v2EncryptResult{}, err
	}
	m, err := decodeMessage(resp, 3)
	if err != nil {
		return v2EncryptResult{}, err
	}
	return v2EncryptResult{ciphertext: m.bytes[1], keyID: string(m.bytes[2]), annotations: m.maps[3]}, nil
}

func (c *client) v2DecryptCall(e v2EncryptResult, uid string) ([]byte, error) {
	var req []byte
	req = appendBytesField(req, 1, e.ciphertext)
	req = appendBytesField(req, 2, []byte(uid))
	req = appendBytesField(req, 3, []byte(e.keyID))
	req = appendMapField(req, 4, e.annotations)
	resp, err := c.invoke(v2Decrypt, req)
	if err != nil {
		return nil, err
	}
	m, err := decodeMessage(resp, 0)
	if err != nil {
		return nil, err
	}
	return m.bytes[1], nil
}

// v1beta1 messages (k8s.io/kms apis/v1beta1/api.proto). kube-apiserver sends version "v1beta1" in every request.

func (c *client) v1VersionCall() (string, error) {
	resp, err := c.invoke(v1Version, appendBytesField(nil, 1, []byte("v1beta1")))
	if err != nil {
		return "", err
	}
	m, err := decodeMessage(resp, 0)
	if err != nil {
		return "", err
	}
	return string(m.bytes[1]), nil
}

func (c *client) v1EncryptCall(plain []byte) ([]byte, error) {
	req := appendBytesField(appendBytesField(nil, 1, []byte("v1beta1")), 2, plain)
	resp, err := c.invoke(v1Encrypt, req)
	if err != nil {
		return nil, err
	}
	m, err := decodeMessage(resp, 0)
	if err != nil {
		return nil, err
	}
	return m.bytes[1], nil
}

func (c *client) v1DecryptCall(cipher []byte) ([]byte, error) {
	req := appendBytesField(appendBytesField(nil, 1, []byte("v1beta1")), 2, cipher)
	resp, err := c.invoke(v1Decrypt, req)
	if err != nil {
		return nil, err
	}
	m, err := decodeMessage(resp, 0)
	if err != nil {
		return nil, err
	}
	return m.bytes[1], nil
}

// Scenarios.

func runV2RoundTrip(c *client, _ options) {
	version, healthz, statusKeyID, err := c.v2StatusCall()
	switch {
	case err != nil:
		c.fail("v2 Status: %v", err)
		return
	case version != "v2beta1" || healthz != "ok" || statusKeyID == "" || len(statusKeyID) > 1024:
		c.fail("v2 Status: version=%q healthz=%q key_id=%q; want v2beta1, ok, non-empty key_id <= 1 KiB",
			version, healthz, statusKeyID)
		return
	default:
		c.pass("v2 Status: version=%s healthz=%s key_id=%q", version, healthz, statusKeyID)
	}
	for i, plain := range plaintexts() {
		uid := fmt.Sprintf("interop-go-%d", i)
		e, err := c.v2EncryptCall(plain, uid)
		if err != nil {
			c.fail("v2 Encrypt #%d (%d bytes): %v", i, len(plain), err)
			continue
		}
		if len(e.ciphertext) == 0 || len(e.ciphertext) > 1024 {
			c.fail("v2 Encrypt #%d: ciphertext is %d bytes; want 1..1024", i, len(e.ciphertext))
			continue
		}
		if bytes.Contains(e.ciphertext, plain) && len(plain) > 4 {
			c.fail("v2 Encrypt #%d: ciphertext contains the plaintext", i)
			continue
		}
		// kube-apiserver accepts an Encrypt only if its key_id equals the one Status reported.
		if e.keyID != statusKeyID {
			c.fail("v2 Encrypt #%d: key_id %q differs from Status key_id %q", i, e.keyID, statusKeyID)
			continue
		}
		if len(e.annotations) == 0 {
			c.fail("v2 Encrypt #%d: no annotations", i)
			continue
		}
		got, err := c.v2DecryptCall(e, uid)
		if err != nil {
			c.fail("v2 Decrypt #%d: %v", i, err)
			continue
		}
		if !bytes.Equal(got, plain) {
			c.fail("v2 Decrypt #%d: got %x, want %x", i, got, plain)
			continue
		}
		c.pass("v2 Encrypt→Decrypt #%d: %d-byte plaintext, %d-byte ciphertext, %d annotation(s)",
			i, len(plain), len(e.ciphertext), len(e.annotations))
	}
}

func runV1RoundTrip(c *client, _ options) {
	version, err := c.v1VersionCall()
	if err != nil {
		c.fail("v1beta1 Version: %v", err)
		return
	}
	if version != "v1beta1" {
		c.fail("v1beta1 Version: version=%q; want v1beta1", version)
		return
	}
	c.pass("v1beta1 Version: version=%s", version)
	for i, plain := range plaintexts() {
		cipher, err := c.v1EncryptCall(plain)
		if err != nil {
			c.fail("v1beta1 Encrypt #%d: %v", i, err)
			continue
		}
		if len(cipher) == 0 {
			c.fail("v1beta1 Encrypt #%d: empty cipher", i)
			continue
		}
		got, err := c.v1DecryptCall(cipher)
		if err != nil {
			c.fail("v1beta1 Decrypt #%d: %v", i, err)
			continue
		}
		if !bytes.Equal(got, plain) {
			c.fail("v1beta1 Decrypt #%d: got %x, want %x", i, got, plain)
			continue
		}
		c.pass("v1beta1 Encrypt→Decrypt #%d: %d-byte plaintext, %d-byte cipher", i, len(plain), len(cipher))
	}
}

// runConcurrent shares one ClientConn (one HTTP/2 connection) between goroutines, as kube-apiserver does.
func runConcurrent(c *client, o options) {
	var next, okCount int64
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < o.concurrency; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1) - 1
				if i >= int64(o.n) {
					return
				}
				if err := c.concurrentRoundTrip(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				atomic.AddInt64(&okCount, 1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if okCount != int64(o.n) {
		c.fail("concurrent: %d of %d round trips failed over %d goroutines; first error: %v",
			int64(o.n)-okCount, o.n, o.concurrency, firstErr)
		return
	}
	c.pass("concurrent: %d Encrypt→Decrypt round trips over %d goroutines on one connection in %v",
		o.n, o.concurrency, elapsed.Round(time.Millisecond))
}

func (c *client) concurrentRoundTrip(i int64) error {
	plain := []byte(fmt.Sprintf("concurrent plaintext %d", i))
	uid := fmt.Sprintf("interop-go-concurrent-%d", i)
	e, err := c.v2EncryptCall(plain, uid)
	if err != nil {
		return fmt.Errorf("Encrypt #%d: %v", i, err)
	}
	got, err := c.v2DecryptCall(e, uid)
	if err != nil {
		return fmt.Errorf("Decrypt #%d: %v", i, err)
	}
	if !bytes.Equal(got, plain) {
		return fmt.Errorf("Decrypt #%d: got %q, want %q", i, got, plain)
	}
	return nil
}

// runDeadline expects a server that delays every call (--in-memory-delay) past the short timeout. The deadline
// travels as grpc-timeout; whichever side gives up first, the caller must see DEADLINE_EXCEEDED, and the connection
// must still serve a call with a normal timeout afterwards.
func runDeadline(c *client, o options) {
	short := o.timeout
	if short <= 0 {
		short = 200 * time.Millisecond
	}
	calls := []struct {
		name   string
		method string
		req    []byte
	}{
		{"v2 Status", v2Status, nil},
		{"v2 Encrypt", v2Encrypt, appendBytesField(nil, 1, []byte("deadline"))},
		{"v1beta1 Encrypt", v1Encrypt, appendBytesField(appendBytesField(nil, 1, []byte("v1beta1")), 2, []byte("x"))},
	}
	for _, call := range calls {
		start := time.Now()
		_, err := c.invokeWithin(short, call.method, call.req)
		elapsed := time.Since(start)
		if code := status.Code(err); code != codes.DeadlineExceeded {
			c.fail("deadline: %s with %v timeout: got %v (%v); want DeadlineExceeded", call.name, short, code, err)
			continue
		}
		c.pass("deadline: %s with %v timeout: DeadlineExceeded after %v", call.name, short, elapsed.Round(time.Millisecond))
	}
	// The abandoned calls must not have poisoned the connection.
	version, healthz, _, err := c.v2StatusCall()
	if err != nil || healthz != "ok" {
		c.fail("deadline: v2 Status with %v timeout after expired calls: version=%q healthz=%q err=%v",
			c.timeout, version, healthz, err)
		return
	}
	c.pass("deadline: v2 Status with %v timeout after expired calls: OK", c.timeout)
}

func runUnknownMethod(c *client, _ options) {
	for _, method := range []string{
		"/v2.KeyManagementService/Rotate",
		"/v1beta1.KeyManagementService/Status",
		"/no.such.Service/Encrypt",
	} {
		_, err := c.invoke(method, nil)
		if code := status.Code(err); code != codes.Unimplemented {
			c.fail("unknown method %s: got %v (%v); want Unimplemented", method, code, err)
			continue
		}
		c.pass("unknown method %s: Unimplemented", method)
	}
	// A known method still works on the same connection.
	if _, _, _, err := c.v2StatusCall(); err != nil {
		c.fail("unknown method: v2 Status afterwards: %v", err)
		return
	}
	c.pass("unknown method: v2 Status afterwards: OK")
}

func runTampered(c *client, _ options) {
	plain := []byte("tamper me")
	e, err := c.v2EncryptCall(plain, "interop-go-tampered")
	if err != nil {
		c.fail("tampered: v2 Encrypt: %v", err)
		return
	}
	bad := append([]byte{}, e.ciphertext...)
	bad[len(bad)/2] ^= 0x01
	tampered := v2EncryptResult{ciphertext: bad, keyID: e.keyID, annotations: e.annotations}
	got, err := c.v2DecryptCall(tampered, "interop-go-tampered")
	if status.Code(err) == codes.OK {
		c.fail("tampered: v2 Decrypt of a flipped ciphertext byte succeeded (returned %d bytes); want an error", len(got))
	} else {
		c.pass("tampered: v2 Decrypt of a flipped ciphertext byte: %v", status.Code(err))
	}

	cipher, err := c.v1EncryptCall(plain)
	if err != nil {
		c.fail("tampered: v1beta1 Encrypt: %v", err)
		return
	}
	badV1 := append([]byte{}, cipher...)
	badV1[len(badV1)/2] ^= 0x01
	got, err = c.v1DecryptCall(badV1)
	if status.Code(err) == codes.OK && bytes.Equal(got, plain) {
		c.fail("tampered: v1beta1 Decrypt of a flipped cipher byte returned the original plaintext")
	} else if status.Code(err) == codes.OK {
		c.fail("tampered: v1beta1 Decrypt of a flipped cipher byte succeeded (returned %d bytes); want an error", len(got))
	} else {
		c.pass("tampered: v1beta1 Decrypt of a flipped cipher byte: %v", status.Code(err))
	}

	// The untouched ciphertext still decrypts.
	got, err = c.v2DecryptCall(e, "interop-go-tampered")
	if err != nil || !bytes.Equal(got, plain) {
		c.fail("tampered: v2 Decrypt of the original ciphertext afterwards: got %q, err %v", got, err)
		return
	}
	c.pass("tampered: v2 Decrypt of the original ciphertext afterwards: OK")
}

// runNoMessage ends a unary call's request stream without any message (HEADERS, then an empty DATA frame with
// END_STREAM). The server must answer with an error status promptly; a hang until our deadline is a failure.
func runNoMessage(c *client, _ options) {
	for _, method := range []string{v2Encrypt, v2Status, v1Encrypt} {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		start := time.Now()
		cs, err := c.cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true}, method)
		if err == nil {
			err = cs.CloseSend()
		}
		if err == nil {
			var response []byte
			err = cs.RecvMsg(&response)
		}
		cancel()
		elapsed := time.Since(start).Round(time.Millisecond)
		switch code := status.Code(err); code {
		case codes.OK:
			c.fail("no request message to %s: answered OK; want an error status", method)
		case codes.DeadlineExceeded, codes.Canceled:
			c.fail("no request message to %s: no answer before the %v deadline (%v)", method, c.timeout, err)
		default:
			c.pass("no request message to %s: %v after %v", method, code, elapsed)
		}
	}
	if _, _, _, err := c.v2StatusCall(); err != nil {
		c.fail("no request message: v2 Status afterwards: %v", err)
		return
	}
	c.pass("no request message: v2 Status afterwards: OK")
}
