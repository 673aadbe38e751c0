// Package turmstest is a small Turms client for tests: it speaks the real
// wire protocol (TCP framing or WebSocket) to a server over a real socket,
// matches responses to requests by request id, and queues everything else
// (relayed requests, pushes, close notifications) for the test to read.
package turmstest

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
)

// Timeout bounds every wait of the client; a server that does not answer
// within it fails the test rather than hanging it. It is a guard against
// hangs, not a measure: generous, because -race on a busy 2-core machine
// makes a 2,000-member group operation take seconds.
var Timeout = 30 * time.Second

// Client is a Turms client connection.
type Client struct {
	conn   rawConn
	nextID atomic.Int64

	mu      sync.Mutex
	pending map[int64]chan *pb.TurmsNotification

	// Pushes receives every notification that is not a response:
	// relayed requests, the user_session push, close notifications.
	Pushes chan *pb.TurmsNotification
	// Heartbeats receives one value per heartbeat reply (empty frame).
	Heartbeats chan struct{}
	// Closed is closed when the connection ends; Err then tells why.
	Closed chan struct{}
	err    error
}

type rawConn interface {
	write(b []byte) error
	// writeAll sends several messages, over TCP in one write.
	writeAll(bs [][]byte) error
	read() ([]byte, error)
	close() error
}

// DialTCP connects to a Turms TCP listener.
func DialTCP(addr string) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		return nil, err
	}
	return start(&tcpConn{c: c, r: bufio.NewReader(c)}), nil
}

// DialWS connects to a Turms WebSocket listener, e.g. "ws://127.0.0.1:10510".
func DialWS(url string) (*Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return start(&wsConn{c: c}), nil
}

func start(rc rawConn) *Client {
	c := &Client{
		conn:       rc,
		pending:    make(map[int64]chan *pb.TurmsNotification),
		Pushes:     make(chan *pb.TurmsNotification, 1024),
		Heartbeats: make(chan struct{}, 64),
		Closed:     make(chan struct{}),
	}
	// Request ids start at a random point, as the reference client's do, so
	// that they do not collide with ids a test writes by hand.
	c.nextID.Store(1<<40 + rand.Int64N(1<<40))
	go c.readLoop()
	return c
}

func (c *Client) readLoop() {
	defer close(c.Closed)
	for {
		b, err := c.conn.read()
		if err != nil {
			c.err = err
			return
		}
		if len(b) == 0 {
			select {
			case c.Heartbeats <- struct{}{}:
			default:
			}
			continue
		}
		n := &pb.TurmsNotification{}
		if err := proto.Unmarshal(b, n); err != nil {
			c.err = fmt.Errorf("turmstest: undecodable notification: %w", err)
			c.conn.close()
			return
		}
		if n.RequestId != nil && n.RelayedRequest == nil {
			c.mu.Lock()
			ch := c.pending[n.GetRequestId()]
			delete(c.pending, n.GetRequestId())
			c.mu.Unlock()
			if ch != nil {
				ch <- n
				continue
			}
		}
		select {
		case c.Pushes <- n:
		default:
			c.err = errors.New("turmstest: push queue overflow")
			c.conn.close()
			return
		}
	}
}

// Err is why the connection ended; valid after Closed is closed.
func (c *Client) Err() error { return c.err }

// Close closes the connection.
func (c *Client) Close() error {
	err := c.conn.close()
	<-c.Closed
	return err
}

// Send sends req with a fresh request id and waits for its response.
func (c *Client) Send(req *pb.TurmsRequest) (*pb.TurmsNotification, error) {
	id := c.nextID.Add(1)
	req.RequestId = proto.Int64(id)
	ch := make(chan *pb.TurmsNotification, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	if err := c.conn.write(b); err != nil {
		return nil, err
	}
	select {
	case n := <-ch:
		return n, nil
	case <-c.Closed:
		return nil, fmt.Errorf("turmstest: connection closed before the response: %v", c.err)
	case <-time.After(Timeout):
		return nil, errors.New("turmstest: no response in time")
	}
}

// Pipeline sends reqs, each with a fresh request id, before waiting for
// any response (over TCP in one write), and returns their responses in
// the order of reqs.
func (c *Client) Pipeline(reqs ...*pb.TurmsRequest) ([]*pb.TurmsNotification, error) {
	chs := make([]chan *pb.TurmsNotification, len(reqs))
	frames := make([][]byte, len(reqs))
	for i, req := range reqs {
		id := c.nextID.Add(1)
		req.RequestId = proto.Int64(id)
		chs[i] = make(chan *pb.TurmsNotification, 1)
		c.mu.Lock()
		c.pending[id] = chs[i]
		c.mu.Unlock()
		b, err := proto.Marshal(req)
		if err != nil {
			return nil, err
		}
		frames[i] = b
	}
	if err := c.conn.writeAll(frames); err != nil {
		return nil, err
	}
	out := make([]*pb.TurmsNotification, len(reqs))
	deadline := time.After(Timeout)
	for i, ch := range chs {
		select {
		case out[i] = <-ch:
		case <-c.Closed:
			return nil, fmt.Errorf("turmstest: connection closed before response %d: %v", i, c.err)
		case <-deadline:
			return nil, fmt.Errorf("turmstest: no response %d in time", i)
		}
	}
	return out, nil
}

// WriteRaw sends bytes as one message (TCP: framed; WebSocket: one binary
// message), for tests of bad input.
func (c *Client) WriteRaw(b []byte) error { return c.conn.write(b) }

// WriteRawUnframed writes bytes to a TCP connection as they are.
func (c *Client) WriteRawUnframed(b []byte) error {
	tc, ok := c.conn.(*tcpConn)
	if !ok {
		return errors.New("turmstest: not a TCP connection")
	}
	_, err := tc.c.Write(b)
	return err
}

// Heartbeat sends an empty message.
func (c *Client) Heartbeat() error { return c.conn.write(nil) }

// Login sends a CreateSessionRequest and returns the response code.
func (c *Client) Login(userID int64, password string, device pb.DeviceType) (int32, error) {
	n, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateSessionRequest{CreateSessionRequest: &pb.CreateSessionRequest{
		Version: 1, UserId: userID, Password: proto.String(password), DeviceType: device,
	}}})
	if err != nil {
		return 0, err
	}
	return n.GetCode(), nil
}

// NextPush waits for the next push that satisfies match (nil matches any),
// dropping the others.
func (c *Client) NextPush(match func(*pb.TurmsNotification) bool) (*pb.TurmsNotification, error) {
	deadline := time.After(Timeout)
	for {
		select {
		case n := <-c.Pushes:
			if match == nil || match(n) {
				return n, nil
			}
		case <-c.Closed:
			// Drain what arrived before the close.
			select {
			case n := <-c.Pushes:
				if match == nil || match(n) {
					return n, nil
				}
				continue
			default:
			}
			return nil, fmt.Errorf("turmstest: connection closed: %v", c.err)
		case <-deadline:
			return nil, errors.New("turmstest: no matching push in time")
		}
	}
}

// WaitClosed waits for the server to close the connection and returns the
// close notification it sent before, if any.
func (c *Client) WaitClosed() (*pb.TurmsNotification, error) {
	select {
	case <-c.Closed:
	case <-time.After(Timeout):
		return nil, errors.New("turmstest: the server did not close the connection")
	}
	for {
		select {
		case n := <-c.Pushes:
			if n.CloseStatus != nil {
				return n, nil
			}
		default:
			return nil, nil
		}
	}
}

type tcpConn struct {
	c  net.Conn
	r  *bufio.Reader
	mu sync.Mutex
}

func (t *tcpConn) write(b []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.c.Write(binary.AppendUvarint(make([]byte, 0, len(b)+5), uint64(len(b))))
	if err == nil && len(b) > 0 {
		_, err = t.c.Write(b)
	}
	return err
}

func (t *tcpConn) writeAll(bs [][]byte) error {
	var out []byte
	for _, b := range bs {
		out = append(binary.AppendUvarint(out, uint64(len(b))), b...)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.c.Write(out)
	return err
}

func (t *tcpConn) read() ([]byte, error) {
	n, err := binary.ReadUvarint(t.r)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	_, err = io.ReadFull(t.r, b)
	return b, err
}

func (t *tcpConn) close() error { return t.c.Close() }

type wsConn struct{ c *websocket.Conn }

func (w *wsConn) write(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if b == nil {
		b = []byte{}
	}
	return w.c.Write(ctx, websocket.MessageBinary, b)
}

func (w *wsConn) writeAll(bs [][]byte) error {
	for _, b := range bs {
		if err := w.write(b); err != nil {
			return err
		}
	}
	return nil
}

func (w *wsConn) read() ([]byte, error) {
	_, b, err := w.c.Read(context.Background())
	return b, err
}

func (w *wsConn) close() error { return w.c.CloseNow() }
