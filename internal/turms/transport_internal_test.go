package turms

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// TestTryFlushLeavesTheRestToFlush: a socket that takes only part of what
// is queued (small buffers, a peer that has not read yet) gets the rest
// from flush, in order, with nothing lost or repeated.
func TestTryFlushLeavesTheRestToFlush(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	server.(*net.TCPConn).SetWriteBuffer(4096)
	client.(*net.TCPConn).SetReadBuffer(4096)

	tr := newTCPTransport(server, 1<<20)
	defer tr.release()
	var want []byte
	partial := false
	for i := 0; i < 64 && !partial; i++ {
		msg := bytes.Repeat([]byte{byte('a' + i%26)}, 64<<10)
		want = appendFrame(want, msg)
		tr.write(msg)
		done, err := tr.tryFlush()
		if err != nil {
			t.Fatal(err)
		}
		partial = !done
	}
	if !partial {
		t.Fatal("the socket took 4 MiB at once; the test needs it to take less")
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(client, int64(len(want))))
		got <- b
	}()
	if err := tr.flush(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("read %d bytes, want %d, equal prefix %v", len(b), len(want), bytes.HasPrefix(want, b))
	}
	if done, err := tr.tryFlush(); !done || err != nil {
		t.Fatalf("nothing queued: tryFlush = %v, %v", done, err)
	}
}
