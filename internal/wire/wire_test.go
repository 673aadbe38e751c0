package wire_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hermod/internal/wire"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	ints := []int64{0, 1, -1, 63, -64, 64, math.MaxInt64, math.MinInt64}
	for _, v := range ints {
		b = wire.AppendInt(b, v)
	}
	b = wire.AppendUint(b, math.MaxUint64)
	b = wire.AppendBool(wire.AppendBool(b, true), false)
	b = wire.AppendString(b, "héllo")
	b = wire.AppendString(b, "")
	b = wire.AppendBytes(b, nil)
	b = wire.AppendBytes(b, []byte{})
	b = wire.AppendBytes(b, []byte{0, 1, 2})
	b = wire.AppendLen(b, 2, false)
	b = wire.AppendString(b, "view")

	r := wire.NewReader(b)
	for _, want := range ints {
		if got := r.Int(); got != want {
			t.Errorf("Int %d, want %d", got, want)
		}
	}
	if got := r.Uint(); got != math.MaxUint64 {
		t.Errorf("Uint %d", got)
	}
	if !r.Bool() || r.Bool() {
		t.Error("bools")
	}
	if r.Str() != "héllo" || r.Str() != "" {
		t.Error("strings")
	}
	if got := r.Bytes(); got != nil {
		t.Errorf("nil bytes read as %#v", got)
	}
	if got := r.Bytes(); got == nil || len(got) != 0 {
		t.Errorf("empty bytes read as %#v", got)
	}
	if d := cmp.Diff([]byte{0, 1, 2}, r.Bytes()); d != "" {
		t.Error(d)
	}
	if n, isNil := r.Len(1); n != 2 || isNil {
		t.Errorf("Len %d %v", n, isNil)
	}
	if string(r.StrView()) != "view" {
		t.Error("StrView")
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		read func(r *wire.Reader)
		want error
	}{
		{"an empty int", nil, func(r *wire.Reader) { r.Int() }, wire.ErrTruncated},
		{"an unfinished varint", []byte{0x80}, func(r *wire.Reader) { r.Int() }, wire.ErrTruncated},
		{"an eleven-byte varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, func(r *wire.Reader) { r.Uint() }, wire.ErrOverflow},
		{"an int32 too big", wire.AppendInt(nil, math.MaxInt32+1), func(r *wire.Reader) { r.Int32() }, wire.ErrOverflow},
		{"an int32 too small", wire.AppendInt(nil, math.MinInt32-1), func(r *wire.Reader) { r.Int32() }, wire.ErrOverflow},
		{"a bool of 2", []byte{2}, func(r *wire.Reader) { r.Bool() }, wire.ErrBadBool},
		{"a string past the end", []byte{5, 'a'}, func(r *wire.Reader) { r.Str() }, wire.ErrTruncated},
		{"bytes past the end", []byte{5, 'a'}, func(r *wire.Reader) { r.Bytes() }, wire.ErrTruncated},
		{"a huge length", wire.AppendUint(nil, math.MaxUint64), func(r *wire.Reader) { r.Len(1) }, wire.ErrTruncated},
		{"a length for elements too small", []byte{3, 0, 0}, func(r *wire.Reader) { r.Len(2) }, wire.ErrTruncated},
		{"trailing bytes", []byte{0, 0}, func(r *wire.Reader) { r.Int() }, wire.ErrTrailing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := wire.NewReader(tc.b)
			tc.read(r)
			if err := r.Done(); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			// The error sticks, and reads after it return zero values.
			if r.Int() != 0 || r.Str() != "" || r.Bytes() != nil || r.Err() == nil {
				t.Error("reads after an error")
			}
		})
	}
}
