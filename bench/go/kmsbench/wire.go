// SPDX-License-Identifier: MIT

package main

import (
	"errors"
	"fmt"
)

// rawCodec passes []byte messages through untouched; Name "proto" keeps content-type application/grpc.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	if b, ok := v.(*[]byte); ok {
		return *b, nil
	}
	return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
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

// appendBytes writes a length-delimited protobuf field (wire type 2).
func appendBytes(b []byte, num int, v []byte) []byte {
	b = appendUvarint(b, uint64(num)<<3|2)
	b = appendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

type field struct {
	num   int
	value []byte
}

// parseFields reads the top-level length-delimited fields of a message (all the KMS v2 responses have).
func parseFields(b []byte) ([]field, error) {
	var fields []field
	for len(b) > 0 {
		key, n := readUvarint(b)
		if n == 0 || key&7 != 2 {
			return nil, errors.New("unexpected protobuf field")
		}
		b = b[n:]
		length, n := readUvarint(b)
		if n == 0 || uint64(len(b)-n) < length {
			return nil, errors.New("truncated protobuf field")
		}
		fields = append(fields, field{int(key >> 3), b[n : n+int(length)]})
		b = b[n+int(length):]
	}
	return fields, nil
}

func readUvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7F) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
