package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNoFiles means the tool ran out of file descriptors: the run holds as
// many connections as this process may open.
var ErrNoFiles = errors.New("out of file descriptors (RLIMIT_NOFILE): this process cannot open more connections; " +
	"raise the hard limit (ulimit -Hn) or run fewer sessions")

// ErrNoPorts means one source address ran out of ephemeral ports.
var ErrNoPorts = errors.New("out of local ports: spread connections over more --source-addrs")

// dialer spreads connections over source addresses, round robin.
type dialer struct {
	addrs   []netip.Addr
	next    atomic.Uint64
	timeout time.Duration
}

func newDialer(addrs []netip.Addr, timeout time.Duration) *dialer {
	return &dialer{addrs: addrs, timeout: timeout}
}

// dial opens a TCP connection to addr from the next source address.
func (d *dialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	nd := net.Dialer{Timeout: d.timeout, KeepAlive: -1}
	if len(d.addrs) > 0 {
		a := d.addrs[d.next.Add(1)%uint64(len(d.addrs))]
		// A source of the other family cannot reach the target: leave
		// the choice to the system then.
		if t, err := netip.ParseAddrPort(addr); err != nil || t.Addr().Unmap().Is4() == a.Unmap().Is4() {
			nd.LocalAddr = &net.TCPAddr{IP: a.AsSlice()}
		}
	}
	c, err := nd.DialContext(ctx, "tcp", addr)
	return c, classifyDialError(err)
}

// classifyDialError names the two limits a load test meets first.
func classifyDialError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return ErrNoFiles
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%w (%v)", ErrNoPorts, err)
	}
	return err
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit and
// returns the limit in force.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return lim.Cur, err
		}
	}
	return lim.Cur, nil
}
