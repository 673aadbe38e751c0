package netpoll

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Poller waits for parked connections to become readable, with one epoll
// set and one goroutine for all of them.
type Poller struct {
	epfd, wakefd int

	mu     sync.Mutex
	slots  []slot
	free   []uint32
	closed bool
	done   chan struct{}

	workers
}

type slot struct {
	gen  uint32
	fd   int
	wake func()
}

// New starts a poller. Close stops it.
func New() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: -1, Pad: -1}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, err
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, done: make(chan struct{}), workers: newWorkers(maxIdleWorkers)}
	go p.loop()
	return p, nil
}

// token packs a slot index and its generation, so that an event for a
// slot that was since cancelled and reused is recognized as stale.
func token(idx, gen uint32) Token { return Token(uint64(gen)<<32 | uint64(idx)) }

// Park calls wake, on a worker (see Go), once c has something to read (or
// was closed by the peer). It does not read. Each Park fires or is
// cancelled once.
func (p *Poller) Park(c Conn, wake func()) (Token, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, ErrUnsupported
	}
	var tok Token
	var perr error
	err = rc.Control(func(fd uintptr) {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			perr = ErrClosed
			return
		}
		var idx uint32
		if n := len(p.free); n > 0 {
			idx = p.free[n-1]
			p.free = p.free[:n-1]
		} else {
			idx = uint32(len(p.slots))
			p.slots = append(p.slots, slot{})
		}
		s := &p.slots[idx]
		s.gen++
		s.fd, s.wake = int(fd), wake
		tok = token(idx, s.gen)
		p.mu.Unlock()
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
		ev.Fd, ev.Pad = int32(uint32(tok)), int32(uint32(tok>>32))
		if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
			p.mu.Lock()
			p.slots[uint32(tok)].wake = nil
			p.free = append(p.free, uint32(tok))
			p.mu.Unlock()
			perr = err
		}
	})
	if err != nil {
		return 0, err
	}
	return tok, perr
}

// take removes the slot of tok if it is still current, takes its
// descriptor out of the epoll set, and returns its wake function. The
// removal happens under the lock: once a Cancel has returned, the owner
// may close the descriptor and the kernel may give its number to another
// connection, which a late removal must not hit.
func (p *Poller) take(tok Token) func() {
	idx, gen := uint32(tok), uint32(tok>>32)
	p.mu.Lock()
	defer p.mu.Unlock()
	if int(idx) >= len(p.slots) || p.slots[idx].gen != gen || p.slots[idx].wake == nil {
		return nil
	}
	s := &p.slots[idx]
	w := s.wake
	unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, s.fd, nil)
	s.wake, s.fd = nil, -1
	p.free = append(p.free, idx)
	return w
}

// Cancel unparks a connection before it fired: true if it was still
// parked (its wake function will not be called), false if it already
// fired (wake runs or has run). Cancel before closing a parked
// connection.
func (p *Poller) Cancel(tok Token) bool { return p.take(tok) != nil }

// Parked returns how many connections are parked.
func (p *Poller) Parked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.slots) - len(p.free)
}

func (p *Poller) loop() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		for _, ev := range events[:n] {
			if ev.Fd == -1 && ev.Pad == -1 {
				p.mu.Lock()
				closed := p.closed
				p.mu.Unlock()
				if closed {
					return
				}
				continue
			}
			tok := Token(uint64(uint32(ev.Pad))<<32 | uint64(uint32(ev.Fd)))
			if w := p.take(tok); w != nil { // else cancelled meanwhile
				p.Go(w)
			}
		}
	}
}

// Close stops the poller. Connections still parked are never woken: their
// owners must have cancelled them (Parked tells).
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.workers.close()
	var one = [8]byte{1}
	unix.Write(p.wakefd, one[:])
	<-p.done
	unix.Close(p.wakefd)
	return unix.Close(p.epfd)
}
