//go:build linux

package netpoll

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair returns the two ends of a loopback TCP connection.
func pair(t *testing.T) (server *net.TCPConn, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); client.Close() })
	return c.(*net.TCPConn), client
}

func newPoller(t *testing.T) *Poller {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func waitWake(t *testing.T, ch <-chan struct{}, want bool) {
	t.Helper()
	if want {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("not woken")
		}
		return
	}
	select {
	case <-ch:
		t.Fatal("woken")
	default:
	}
}

func TestWakesOnData(t *testing.T) {
	p := newPoller(t)
	srv, cli := pair(t)
	woke := make(chan struct{}, 1)
	if _, err := p.Park(srv, func() { woke <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	if p.Parked() != 1 {
		t.Fatalf("parked %d", p.Parked())
	}
	cli.Write([]byte("x"))
	waitWake(t, woke, true)
	b := make([]byte, 4)
	if n, err := srv.Read(b); n != 1 || err != nil {
		t.Fatalf("read %d %v", n, err)
	}
	if p.Parked() != 0 {
		t.Fatalf("parked %d after wake", p.Parked())
	}
	// Parked again, it wakes again.
	if _, err := p.Park(srv, func() { woke <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	cli.Write([]byte("y"))
	waitWake(t, woke, true)
}

func TestWakesOnPeerClose(t *testing.T) {
	p := newPoller(t)
	srv, cli := pair(t)
	woke := make(chan struct{}, 1)
	if _, err := p.Park(srv, func() { woke <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	waitWake(t, woke, true)
}

func TestCancel(t *testing.T) {
	p := newPoller(t)
	srv, cli := pair(t)
	woke := make(chan struct{}, 1)
	tok, err := p.Park(srv, func() { woke <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	if !p.Cancel(tok) {
		t.Fatal("cancel of a parked connection failed")
	}
	if p.Cancel(tok) {
		t.Fatal("second cancel succeeded")
	}
	cli.Write([]byte("x"))
	// A fresh park of another connection proves the loop has handled any
	// event the cancelled one could still have produced.
	srv2, cli2 := pair(t)
	woke2 := make(chan struct{}, 1)
	if _, err := p.Park(srv2, func() { woke2 <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	cli2.Write([]byte("z"))
	waitWake(t, woke2, true)
	waitWake(t, woke, false)
}

func TestCancelAfterFire(t *testing.T) {
	p := newPoller(t)
	srv, cli := pair(t)
	woke := make(chan struct{}, 1)
	tok, _ := p.Park(srv, func() { woke <- struct{}{} })
	cli.Write([]byte("x"))
	waitWake(t, woke, true)
	if p.Cancel(tok) {
		t.Fatal("cancel after the wake succeeded")
	}
}

func TestClosed(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	srv, _ := pair(t)
	if _, err := p.Park(srv, func() {}); err != ErrClosed {
		t.Fatalf("park after close: %v", err)
	}
}

func TestUnsupported(t *testing.T) {
	p := newPoller(t)
	if _, err := p.Park(noFD{}, func() {}); err != ErrUnsupported {
		t.Fatalf("park of a connection without a descriptor: %v", err)
	}
}

type noFD struct{}

func (noFD) SyscallConn() (syscall.RawConn, error) { return nil, errors.New("no descriptor") }

func TestParking(t *testing.T) {
	p := newPoller(t)
	srv, cli := pair(t)
	var pk Parking
	open := func() bool { return false }
	if pk.Park(p, srv, func() bool { return true }, func() {}) {
		t.Fatal("parked while closing")
	}
	if pk.Cancel(p) {
		t.Fatal("cancelled what was not parked")
	}
	if !pk.Park(p, srv, open, func() {}) || !pk.Parked() {
		t.Fatal("not parked")
	}
	if !pk.Cancel(p) || pk.Parked() || p.Parked() != 0 {
		t.Fatal("cancel of a parked connection failed")
	}
	woke := make(chan struct{})
	if !pk.Park(p, srv, open, func() { pk.Woken(); close(woke) }) {
		t.Fatal("not parked")
	}
	cli.Write([]byte("x"))
	<-woke
	if pk.Parked() || pk.Cancel(p) {
		t.Fatal("a woken connection is still parked")
	}
}
