//go:build !linux

package netpoll

// Poller is a stand-in where epoll is missing: Park always answers
// ErrUnsupported and connections keep a reading goroutine.
type Poller struct{ workers }

// New returns a poller that parks nothing.
func New() (*Poller, error) { return &Poller{workers: newWorkers(maxIdleWorkers)}, nil }

// Park answers ErrUnsupported.
func (p *Poller) Park(Conn, func()) (Token, error) { return 0, ErrUnsupported }

// Cancel reports false: nothing is parked.
func (p *Poller) Cancel(Token) bool { return false }

// Parked returns 0.
func (p *Poller) Parked() int { return 0 }

// Close stops the idle workers.
func (p *Poller) Close() error {
	p.workers.close()
	return nil
}
