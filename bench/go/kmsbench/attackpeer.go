// SPDX-License-Identifier: MIT

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// reaction is what the server did to the attackers, summed over all their connections.
type reaction struct {
	connections    int64 // dialled and handshaken
	dialFailures   int64 // connect or handshake failed (refused, reset, timed out)
	closedByServer int64 // the server ended the connection (a write failed or the reader saw end-of-stream)
	framesSent     int64 // by the floods, per flushed batch (written, not necessarily read: a server that hung up reads none)
	mu             sync.Mutex
	events         map[string]int // "GOAWAY ENHANCE_YOUR_CALM", "RST REFUSED_STREAM", "grpc RESOURCE_EXHAUSTED", …
}

func newReaction() *reaction { return &reaction{events: map[string]int{}} }

func (r *reaction) add(event string) {
	r.mu.Lock()
	r.events[event]++
	r.mu.Unlock()
}

// String is one table cell: the events by count, then the connection figures.
func (r *reaction) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.events))
	for name := range r.events {
		names = append(names, name)
	}
	sort.Slice(names, func(a, b int) bool { return r.events[names[a]] > r.events[names[b]] })
	parts := make([]string, 0, len(names)+1)
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s ×%d", name, r.events[name]))
	}
	if frames := atomic.LoadInt64(&r.framesSent); frames > 0 {
		parts = append(parts, fmt.Sprintf("%d flood frames written", frames))
	}
	parts = append(parts, fmt.Sprintf("%d conns, %d closed by server, %d dials failed",
		atomic.LoadInt64(&r.connections), atomic.LoadInt64(&r.closedByServer), atomic.LoadInt64(&r.dialFailures)))
	return strings.Join(parts, "; ")
}

// attackPeer is one raw HTTP/2 connection of an attacker. Frames go through a bufio.Writer that the attack flushes
// in batches, so a flood costs the server frames, not us syscalls. Unless the attack must leave the replies
// unread, a goroutine drains the connection and records GOAWAY and RST_STREAM codes.
type attackPeer struct {
	conn       *net.UnixConn
	w          *bufio.Writer
	fr         *http2.Framer
	enc        *hpack.Encoder
	block      bytes.Buffer
	closed     chan struct{} // closed when the reader saw the server end the connection
	nextStream uint32
	resetMu    sync.Mutex
	reset      map[uint32]bool // streams the server reset, for attacks that replace them
}

// dialPeer connects, sends the preface and SETTINGS, and acknowledges the server's SETTINGS. With read false,
// nothing is read after the handshake (the server's replies pile up in its output).
func dialPeer(ctx context.Context, socket string, rec *reaction, read bool, settings ...http2.Setting) (*attackPeer, error) {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socket, Net: "unix"})
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(time.Now().Add(2 * time.Second)) // the handshake
	p := &attackPeer{conn: conn, w: bufio.NewWriterSize(conn, 64<<10), closed: make(chan struct{}), nextStream: 1,
		reset: map[uint32]bool{}}
	p.fr = http2.NewFramer(p.w, conn)
	p.fr.AllowIllegalWrites = true // WINDOW_UPDATE 0 and friends are the point
	p.fr.AllowIllegalReads = true
	p.enc = hpack.NewEncoder(&p.block)
	p.w.WriteString(http2.ClientPreface)
	p.fr.WriteSettings(settings...)
	if err := p.w.Flush(); err != nil {
		conn.Close()
		return nil, err
	}
	for {
		frame, err := p.fr.ReadFrame()
		if err != nil {
			conn.Close()
			return nil, err
		}
		if goAway, ok := frame.(*http2.GoAwayFrame); ok {
			rec.add("GOAWAY " + goAway.ErrCode.String() + " at connect")
			conn.Close()
			return nil, fmt.Errorf("GOAWAY at connect")
		}
		if s, ok := frame.(*http2.SettingsFrame); ok && !s.IsAck() {
			break
		}
	}
	p.fr.WriteSettingsAck()
	if err := p.w.Flush(); err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetReadDeadline(time.Time{})
	conn.SetWriteDeadline(deadline) // a write blocked by a server that stopped reading ends with the attack
	atomic.AddInt64(&rec.connections, 1)
	if read {
		go p.drain(rec)
	}
	return p, nil
}

func (p *attackPeer) drain(rec *reaction) {
	defer close(p.closed)
	for {
		frame, err := p.fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := frame.(type) {
		case *http2.GoAwayFrame:
			rec.add("GOAWAY " + f.ErrCode.String())
		case *http2.PingFrame:
			rec.add("PING ACK")
		case *http2.SettingsFrame:
			if f.IsAck() {
				rec.add("SETTINGS ACK")
			}
		case *http2.RSTStreamFrame:
			rec.add("RST " + f.ErrCode.String())
			p.resetMu.Lock()
			p.reset[f.StreamID] = true
			p.resetMu.Unlock()
		}
	}
}

func (p *attackPeer) wasReset(stream uint32) bool {
	p.resetMu.Lock()
	defer p.resetMu.Unlock()
	return p.reset[stream]
}

func (p *attackPeer) close() { p.conn.Close() }

// endedByServer reports whether the reader saw the connection end before we closed it.
func (p *attackPeer) endedByServer() bool {
	select {
	case <-p.closed:
		return true
	default:
		return false
	}
}

// stream returns a new client stream id.
func (p *attackPeer) stream() uint32 {
	id := p.nextStream
	p.nextStream += 2
	return id
}

// requestBlock is the HPACK block of a KMS v2 request for method, as kube-apiserver sends it.
func (p *attackPeer) requestBlock(method string) []byte {
	p.block.Reset()
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/v2.KeyManagementService/" + method},
		{":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		p.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	return append([]byte(nil), p.block.Bytes()...)
}

// headers writes HEADERS with END_HEADERS for a KMS v2 request on stream.
func (p *attackPeer) headers(stream uint32, method string, endStream bool) error {
	return p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: p.requestBlock(method),
		EndHeaders: true, EndStream: endStream})
}

// encryptCall writes a whole Encrypt: HEADERS and one DATA frame with END_STREAM.
func (p *attackPeer) encryptCall(stream uint32) error {
	if err := p.headers(stream, "Encrypt", false); err != nil {
		return err
	}
	return p.fr.WriteData(stream, true, grpcMessage(encryptRequest()))
}

func grpcMessage(msg []byte) []byte {
	return append([]byte{0, byte(len(msg) >> 24), byte(len(msg) >> 16), byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

// done reports whether the attack should stop using this connection: its time is up or the server ended it.
func (p *attackPeer) done(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-p.closed:
		return true
	default:
		return false
	}
}
