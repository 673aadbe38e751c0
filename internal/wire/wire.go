// Package wire holds the primitives of hermod's own binary encodings (the
// domain events that travel between nodes, and the adapters' origins inside
// them): varints, length-prefixed strings and byte slices, and a reader
// with a sticky error so that a decoder reads field after field and checks
// once at the end.
//
// The format is not self-describing: writer and reader must agree on the
// order of fields, so whatever uses it versions its envelope.
package wire

import (
	"encoding/binary"
	"errors"
	"math"
)

// Errors of a Reader. Input comes from another node and may be of another
// version or damaged: every malformed input ends in one of these, never in
// a panic or in a huge allocation.
var (
	ErrTruncated = errors.New("wire: truncated input")
	ErrOverflow  = errors.New("wire: value out of range")
	ErrTrailing  = errors.New("wire: trailing bytes")
	ErrBadBool   = errors.New("wire: bad bool")
)

// AppendInt appends v as a zigzag varint (small negative values stay
// short; any int64 round-trips).
func AppendInt(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendUint appends v as a varint.
func AppendUint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// AppendBool appends v as one byte, 0 or 1.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendString appends s with its length first.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendBytes appends p with its length first. nil and empty differ
// (records say "nil when none"), so the length is written plus one and 0
// means nil.
func AppendBytes(b []byte, p []byte) []byte {
	b = AppendLen(b, len(p), p == nil)
	return append(b, p...)
}

// AppendLen appends the length of a slice or map that follows element by
// element, as AppendBytes does: n+1, or 0 for nil.
func AppendLen(b []byte, n int, isNil bool) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

// Reader reads what the Append functions wrote. After the first error
// every read returns a zero value and Err reports that error. Nothing it
// returns aliases the input: byte slices and strings are copies, so the
// input buffer may be reused once decoding is done.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a Reader of b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records err unless an error was met already; decoders call it for
// values that are well-formed but invalid (an unknown tag).
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
		r.b = nil
	}
}

// Done returns the first error, or ErrTrailing if input is left over.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		r.Fail(ErrTrailing)
	}
	return r.err
}

// Rest returns the unread input (not a copy) and consumes it.
func (r *Reader) Rest() []byte {
	b := r.b
	r.b = nil
	return b
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		r.Fail(ErrTruncated)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Int reads a value of AppendInt.
func (r *Reader) Int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.failVarint(n)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Int32 reads a value of AppendInt that must fit in an int32.
func (r *Reader) Int32() int32 {
	v := r.Int()
	if v < math.MinInt32 || v > math.MaxInt32 {
		r.Fail(ErrOverflow)
		return 0
	}
	return int32(v)
}

// Uint reads a value of AppendUint.
func (r *Reader) Uint() uint64 {
	if len(r.b) > 0 && r.b[0] < 0x80 { // most are one byte
		v := r.b[0]
		r.b = r.b[1:]
		return uint64(v)
	}
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.failVarint(n)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *Reader) failVarint(n int) {
	if n == 0 {
		r.Fail(ErrTruncated)
	} else {
		r.Fail(ErrOverflow)
	}
}

// Bool reads a value of AppendBool; any byte but 0 and 1 is an error, so
// that a misaligned read is caught early.
func (r *Reader) Bool() bool {
	switch r.Byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.Fail(ErrBadBool)
	return false
}

// Str reads a value of AppendString.
func (r *Reader) Str() string {
	n := r.Uint()
	if n > uint64(len(r.b)) {
		r.Fail(ErrTruncated)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// StrView reads a value of AppendString without copying it: the result
// aliases the input, for a look-up that keeps nothing.
func (r *Reader) StrView() []byte {
	n := r.Uint()
	if n > uint64(len(r.b)) {
		r.Fail(ErrTruncated)
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

// BytesView reads a value of AppendBytes without copying it: the result
// aliases the input (nil for nil).
func (r *Reader) BytesView() []byte {
	n, isNil := r.Len(1)
	if isNil {
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

// Remaining is how many bytes are left to read.
func (r *Reader) Remaining() int { return len(r.b) }

// Bytes reads a value of AppendBytes, a copy.
func (r *Reader) Bytes() []byte {
	n, isNil := r.Len(1)
	if isNil {
		return nil
	}
	p := make([]byte, n)
	copy(p, r.b)
	r.b = r.b[n:]
	return p
}

// Len reads a value of AppendLen. Each element that follows takes at least
// minSize bytes (at least 1 is assumed), so a length the rest of the input
// cannot hold is refused before anything is allocated for it. isNil is
// also true after an error.
func (r *Reader) Len(minSize int) (n int, isNil bool) {
	v := r.Uint()
	if v == 0 {
		return 0, true
	}
	v--
	if minSize < 1 {
		minSize = 1
	}
	if v > uint64(len(r.b)/minSize) {
		r.Fail(ErrTruncated)
		return 0, true
	}
	return int(v), false
}
