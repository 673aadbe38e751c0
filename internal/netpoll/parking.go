package netpoll

import "sync"

// Parking is one connection's place in a Poller, for an owner that reads
// the connection with one goroutine at a time and closes it from another:
// whether it is parked now, and the token to take it out.
type Parking struct {
	mu     sync.Mutex
	parked bool
	tok    Token
}

// Park parks c in p unless closing reports true (then the caller reads
// on, to see the end). wake runs on a new goroutine once c has input and
// must call Woken first. Park reports whether c was parked.
func (pk *Parking) Park(p *Poller, c Conn, closing func() bool, wake func()) bool {
	if p == nil || c == nil {
		return false
	}
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if closing() {
		return false
	}
	tok, err := p.Park(c, wake)
	if err != nil {
		return false
	}
	pk.parked, pk.tok = true, tok
	return true
}

// Woken records that the connection left the poller by having input.
func (pk *Parking) Woken() {
	pk.mu.Lock()
	pk.parked = false
	pk.mu.Unlock()
}

// Cancel takes a parked connection out of p before its owner closes it:
// true if it was parked (its wake will not run, so the owner's reading
// side has ended), false if it was not or has just been woken.
func (pk *Parking) Cancel(p *Poller) bool {
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if !pk.parked || p == nil || !p.Cancel(pk.tok) {
		return false
	}
	pk.parked = false
	return true
}

// Parked reports whether the connection waits in the poller now.
func (pk *Parking) Parked() bool {
	pk.mu.Lock()
	defer pk.mu.Unlock()
	return pk.parked
}
