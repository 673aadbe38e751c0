package turms

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// errFrameTooLarge is returned for a frame over the size limit; the
// session closes with ILLEGAL_REQUEST.
var errFrameTooLarge = errors.New("turms: frame exceeds the size limit")

// errBadLength is returned for a length prefix that is not a varint32.
var errBadLength = errors.New("turms: malformed frame length")

// keptBuffer is the size of the read buffer a session keeps between
// frames; larger frames get a buffer of their own.
const keptBuffer = 1024

// frameReader reads TCP frames: a protobuf varint32 length, then that many
// bytes. A zero length is a heartbeat.
type frameReader struct {
	r   *bufio.Reader
	max int
	buf []byte // reused between frames of up to keptBuffer bytes
}

// readFrame returns the next frame's payload, valid until the next call.
func (fr *frameReader) readFrame() ([]byte, error) {
	n, err := readVarint32(fr.r)
	if err != nil {
		return nil, err
	}
	if n > uint32(fr.max) {
		return nil, errFrameTooLarge
	}
	var b []byte
	if n <= keptBuffer {
		if cap(fr.buf) < int(n) {
			fr.buf = make([]byte, n, min(keptBuffer, max(int(n), 2*cap(fr.buf))))
		}
		b = fr.buf[:n]
	} else {
		b = make([]byte, n) // rare: not kept, so an idle session stays small
	}
	if _, err := io.ReadFull(fr.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// readVarint32 reads a varint of at most 5 bytes whose value fits 32 bits.
func readVarint32(r io.ByteReader) (uint32, error) {
	var v uint64
	for i := 0; i < binary.MaxVarintLen32; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			if v > 1<<32-1 {
				return 0, errBadLength
			}
			return uint32(v), nil
		}
	}
	return 0, errBadLength
}

// appendFrame appends payload framed for TCP to dst.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...)
}
