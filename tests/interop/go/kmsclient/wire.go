// SPDX-License-Identifier: MIT

package main

// Hand-written protobuf encoding for the handful of KMS messages, so the client builds from Debian's
// golang-google-grpc-dev without protoc or generated code. Only the wire types the KMS protos use appear:
// varint (0) for tags and lengths, length-delimited (2) for strings, bytes, map entries.

import (
	"errors"
	"fmt"
	"sort"
)

const (
	wireVarint = 0
	wireI64    = 1
	wireBytes  = 2
	wireI32    = 5
)

// rawCodec passes []byte through untouched. Its name is "proto" and it is installed with grpc.ForceCodec, which in
// grpc-go 1.33 leaves the content-subtype empty, so the request still says content-type: application/grpc.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendBytesField appends field num as wire type 2. proto3 omits empty scalars, and so do we.
func appendBytesField(b []byte, num int, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = appendVarint(b, uint64(num)<<3|wireBytes)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendMapField appends map<string, bytes> field num: one length-delimited entry per key, key = 1, value = 2.
// Keys are sorted so a request is deterministic.
func appendMapField(b []byte, num int, m map[string][]byte) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var entry []byte
		entry = appendBytesField(entry, 1, []byte(k))
		entry = appendBytesField(entry, 2, m[k])
		// An entry with empty key and value is still an entry: write its (empty) length prefix.
		b = appendVarint(b, uint64(num)<<3|wireBytes)
		b = appendVarint(b, uint64(len(entry)))
		b = append(b, entry...)
	}
	return b
}

type field struct {
	num  int
	wire int
	data []byte // wire type 2 only
}

var errTruncated = errors.New("protobuf: truncated message")

func readVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7F) << (7 * uint(i))
		if b[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errTruncated
}

// parseFields splits a message into its fields, skipping (but validating) the wire types the KMS protos never use.
func parseFields(b []byte) ([]field, error) {
	var fields []field
	for len(b) > 0 {
		tag, n, err := readVarint(b)
		if err != nil {
			return nil, err
		}
		b = b[n:]
		f := field{num: int(tag >> 3), wire: int(tag & 7)}
		if f.num == 0 {
			return nil, errors.New("protobuf: field number 0")
		}
		switch f.wire {
		case wireVarint:
			if _, n, err = readVarint(b); err != nil {
				return nil, err
			}
			b = b[n:]
		case wireI64:
			if len(b) < 8 {
				return nil, errTruncated
			}
			b = b[8:]
		case wireI32:
			if len(b) < 4 {
				return nil, errTruncated
			}
			b = b[4:]
		case wireBytes:
			l, n, err := readVarint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
			if uint64(len(b)) < l {
				return nil, errTruncated
			}
			f.data = b[:l]
			b = b[l:]
		default:
			return nil, fmt.Errorf("protobuf: unsupported wire type %d", f.wire)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// message is a decoded KMS message: the last value of each singular bytes/string field (proto3 "last one wins")
// and every entry of the one map field, if any.
type message struct {
	bytes map[int][]byte
	maps  map[int]map[string][]byte
}

func decodeMessage(b []byte, mapField int) (message, error) {
	m := message{bytes: map[int][]byte{}, maps: map[int]map[string][]byte{}}
	fields, err := parseFields(b)
	if err != nil {
		return m, err
	}
	for _, f := range fields {
		if f.wire != wireBytes {
			return m, fmt.Errorf("protobuf: field %d has wire type %d, want 2", f.num, f.wire)
		}
		if f.num != mapField {
			m.bytes[f.num] = f.data
			continue
		}
		entry, err := parseFields(f.data)
		if err != nil {
			return m, fmt.Errorf("map field %d: %v", f.num, err)
		}
		var key, value []byte
		for _, e := range entry {
			switch e.num {
			case 1:
				key = e.data
			case 2:
				value = e.data
			}
		}
		if m.maps[f.num] == nil {
			m.maps[f.num] = map[string][]byte{}
		}
		m.maps[f.num][string(key)] = append([]byte{}, value...)
	}
	return m, nil
}
