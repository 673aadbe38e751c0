package xmpp_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// rawConn is a TCP connection for tests that send what no client would.
type rawConn struct {
	t *testing.T
	c net.Conn
}

func rawDial(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

func (r *rawConn) write(s string) {
	r.t.Helper()
	if _, err := r.c.Write([]byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

// readAll reads until the server closes the connection.
func (r *rawConn) readAll() string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(r.c)
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// readUntil reads until the data seen so far contains marker.
func (r *rawConn) readUntil(marker string) string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(got), marker) {
		n, err := r.c.Read(buf)
		if err != nil {
			r.t.Fatalf("reading until %q: %v (got %q)", marker, err, got)
		}
		got = append(got, buf[:n]...)
	}
	return string(got)
}
