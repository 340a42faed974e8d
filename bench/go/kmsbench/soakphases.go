// SPDX-License-Identifier: MIT

package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// mixedCalls is the soak's request mix: Encrypt, Decrypt (of a ciphertext this server made) and Status in turn.
type mixedCalls struct {
	methods  [3]string
	requests [3][]byte
}

func newMixedCalls(cc *grpc.ClientConn) (*mixedCalls, error) {
	encrypt := encryptRequest()
	response, err := invoke(cc, "/v2.KeyManagementService/Encrypt", encrypt)
	if err != nil {
		return nil, err
	}
	decrypt, err := decryptRequest(response)
	if err != nil {
		return nil, err
	}
	return &mixedCalls{
		methods:  [3]string{"/v2.KeyManagementService/Encrypt", "/v2.KeyManagementService/Decrypt", "/v2.KeyManagementService/Status"},
		requests: [3][]byte{encrypt, decrypt, nil},
	}, nil
}

// call makes call number i of the mix; opts are extra call options (the SIGTERM phase turns WaitForReady off).
func (m *mixedCalls) call(ctx context.Context, cc *grpc.ClientConn, i int64, opts ...grpc.CallOption) error {
	request := m.requests[i%3]
	var response []byte
	return cc.Invoke(ctx, m.methods[i%3], &request, &response, opts...)
}

// loadResult is the load phase's outcome: errors (with the first), and when half the calls had been started.
type loadResult struct {
	errors     int64
	firstError string
	halfway    time.Time
}

// runMixedLoad makes n calls with inflight goroutines spread over the connections (closed loop).
func runMixedLoad(conns []*grpc.ClientConn, mix *mixedCalls, n int64, inflight int) loadResult {
	var result loadResult
	var next int64 = -1
	var firstError sync.Once
	var halfway sync.Once
	var wg sync.WaitGroup
	for g := 0; g < inflight; g++ {
		wg.Add(1)
		go func(cc *grpc.ClientConn) {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= n {
					return
				}
				if i == n/2 {
					halfway.Do(func() { result.halfway = time.Now() })
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := mix.call(ctx, cc, i); err != nil {
					atomic.AddInt64(&result.errors, 1)
					firstError.Do(func() { result.firstError = err.Error() })
				}
				cancel()
			}
		}(conns[g%len(conns)])
	}
	wg.Wait()
	return result
}

// runCycles opens and closes cycles connections, four at a time, each answering one Status before it is closed.
func runCycles(socket string, cycles int) (errors int64, firstError string) {
	var next int64 = -1
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&next, 1) < int64(cycles) {
				cc := dial(socket)
				if _, err := invoke(cc, "/v2.KeyManagementService/Status", nil); err != nil {
					atomic.AddInt64(&errors, 1)
					once.Do(func() { firstError = err.Error() })
				}
				cc.Close()
			}
		}()
	}
	wg.Wait()
	return errors, firstError
}

// shutdownResult counts how the calls running across SIGTERM ended.
type shutdownResult struct {
	ok, unavailable, other int64 // calls that ended after the signal, by outcome
	hung                   int   // callers still waiting when the wait ran out
	firstOther             string
}

// runCallsAcrossSigterm keeps inflight calls running over the connections, calls signal once they are all in
// flight, and then lets each caller run until its first failure. Calls fail fast (no WaitForReady) so that once the
// socket is gone they end UNAVAILABLE instead of waiting for a server that will not come back. Callers not done
// within wait count as hung.
func runCallsAcrossSigterm(conns []*grpc.ClientConn, mix *mixedCalls, inflight int, signal func(),
	wait time.Duration) shutdownResult {
	var result shutdownResult
	var signalled int32
	var started int64
	var once sync.Once
	done := make(chan struct{}, inflight)
	for g := 0; g < inflight; g++ {
		go func(g int, cc *grpc.ClientConn) {
			defer func() { done <- struct{}{} }()
			for i := int64(g); ; i += int64(inflight) {
				atomic.AddInt64(&started, 1)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				err := mix.call(ctx, cc, i, grpc.WaitForReady(false))
				cancel()
				after := atomic.LoadInt32(&signalled) == 1
				switch code := status.Code(err); {
				case code == codes.OK && !after:
					continue
				case code == codes.OK:
					atomic.AddInt64(&result.ok, 1)
					continue
				case code == codes.Unavailable && after:
					atomic.AddInt64(&result.unavailable, 1)
				default:
					atomic.AddInt64(&result.other, 1)
					once.Do(func() { result.firstOther = err.Error() })
				}
				return
			}
		}(g, conns[g%len(conns)])
	}
	for atomic.LoadInt64(&started) < int64(inflight)*2 { // every caller has had a call answered and made the next
		time.Sleep(time.Millisecond)
	}
	atomic.StoreInt32(&signalled, 1)
	signal()
	deadline := time.After(wait)
	for finished := 0; finished < inflight; finished++ {
		select {
		case <-done:
		case <-deadline:
			result.hung = inflight - finished
			return result
		}
	}
	return result
}
