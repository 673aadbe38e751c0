package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"hermod/internal/turms/pb"
)

// codeOK is Turms's success code.
const codeOK = 1000

// Field numbers of the hot path, looked up in the generated schema so
// that they cannot drift from it. Messages are encoded and deliveries
// decoded field by field with protowire: a delivery is a few varints and
// one string, and the generic decoder would allocate a tree for each.
var (
	fNotifRequestID   = fieldNum(&pb.TurmsNotification{}, "request_id")
	fNotifCode        = fieldNum(&pb.TurmsNotification{}, "code")
	fNotifReason      = fieldNum(&pb.TurmsNotification{}, "reason")
	fNotifCloseStatus = fieldNum(&pb.TurmsNotification{}, "close_status")
	fNotifRelayed     = fieldNum(&pb.TurmsNotification{}, "relayed_request")
	fReqID            = fieldNum(&pb.TurmsRequest{}, "request_id")
	fReqCreateMessage = fieldNum(&pb.TurmsRequest{}, "create_message_request")
	fMsgGroupID       = fieldNum(&pb.CreateMessageRequest{}, "group_id")
	fMsgRecipientID   = fieldNum(&pb.CreateMessageRequest{}, "recipient_id")
	fMsgText          = fieldNum(&pb.CreateMessageRequest{}, "text")
)

func fieldNum(m proto.Message, name string) protowire.Number {
	f := m.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name))
	if f == nil {
		panic("bench: the Turms schema has no field " + name)
	}
	return f.Number()
}

// turmsDialer opens Turms connections for a run.
type turmsDialer struct {
	cfg *Config
	d   *dialer
	ws  *http.Client
}

func newTurmsDialer(cfg *Config, d *dialer) *turmsDialer {
	t := &turmsDialer{cfg: cfg, d: d}
	if cfg.Transport == "ws" {
		t.ws = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) { return d.dial(ctx, addr) },
		}}
	}
	return t
}

func (t *turmsDialer) close() {
	if t.ws != nil {
		t.ws.CloseIdleConnections()
	}
}

// turmsClient is one Turms session of the load.
type turmsClient struct {
	cfg    *Config
	userID int64
	tcp    net.Conn
	br     *bufio.Reader
	ws     *websocket.Conn

	wmu    sync.Mutex
	nextID int64
	inner  []byte // reused encodings
	msg    []byte
	out    []byte
	rbuf   []byte
}

// turmsDevices are the device types a run's sessions of one account use
// in turn: Turms keeps one session per user and device type.
var turmsDevices = []pb.DeviceType{pb.DeviceType_ANDROID, pb.DeviceType_IOS, pb.DeviceType_DESKTOP,
	pb.DeviceType_BROWSER, pb.DeviceType_OTHERS, pb.DeviceType_UNKNOWN}

func (t *turmsDialer) login(ctx context.Context, acct *account) (*turmsClient, error) {
	return t.loginAs(ctx, acct, pb.DeviceType_ANDROID)
}

func (t *turmsDialer) loginAs(ctx context.Context, acct *account, device pb.DeviceType) (*turmsClient, error) {
	if acct.id == 0 {
		return nil, fmt.Errorf("Turms logs in by numeric user id, not %q", acct.user)
	}
	deadline := time.Now().Add(t.cfg.Timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c := &turmsClient{cfg: t.cfg, userID: acct.id}
	if t.cfg.Transport == "ws" {
		wc, _, err := websocket.Dial(ctx, t.cfg.targetFor(acct), &websocket.DialOptions{HTTPClient: t.ws})
		if err != nil {
			return nil, classifyDialError(err)
		}
		wc.SetReadLimit(maxElement)
		c.ws = wc
	} else {
		conn, err := t.d.dial(ctx, t.cfg.targetFor(acct))
		if err != nil {
			return nil, err
		}
		c.tcp, c.br = conn, bufio.NewReaderSize(conn, 1024)
		conn.SetDeadline(deadline)
	}
	n, err := c.request(ctx, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateSessionRequest{CreateSessionRequest: &pb.CreateSessionRequest{
		Version: 1, UserId: acct.id, Password: proto.String(acct.password), DeviceType: device,
	}}})
	if err == nil && n.GetCode() != codeOK {
		err = fmt.Errorf("login refused: code %d %s", n.GetCode(), n.GetReason())
	}
	if err != nil {
		c.close()
		return nil, err
	}
	if c.tcp != nil {
		c.tcp.SetDeadline(time.Time{})
	}
	return c, nil
}

// request sends req and reads until its response. Only for set-up, before
// readLoop runs.
func (c *turmsClient) request(ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification, error) {
	c.wmu.Lock()
	c.nextID++
	id := c.nextID
	c.wmu.Unlock()
	req.RequestId = proto.Int64(id)
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	if err := c.writeMsg(ctx, b); err != nil {
		return nil, err
	}
	for {
		f, err := c.readFrame(ctx)
		if err != nil {
			return nil, err
		}
		if len(f) == 0 {
			continue
		}
		n := &pb.TurmsNotification{}
		if err := proto.Unmarshal(f, n); err != nil {
			return nil, fmt.Errorf("undecodable notification: %w", err)
		}
		if n.CloseStatus != nil {
			return nil, fmt.Errorf("the server closed the session: status %d %s", n.GetCloseStatus(), n.GetReason())
		}
		if n.RequestId != nil && n.GetRequestId() == id && n.RelayedRequest == nil {
			return n, nil
		}
	}
}

func (c *turmsClient) writeMsg(ctx context.Context, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(ctx, b)
}

func (c *turmsClient) writeLocked(ctx context.Context, b []byte) error {
	if c.ws != nil {
		return c.ws.Write(ctx, websocket.MessageBinary, b)
	}
	c.out = append(binary.AppendUvarint(c.out[:0], uint64(len(b))), b...)
	_, err := c.tcp.Write(c.out)
	return err
}

// readFrame returns the next message, valid until the next call; empty
// for a heartbeat.
func (c *turmsClient) readFrame(ctx context.Context) ([]byte, error) {
	if c.ws != nil {
		_, r, err := c.ws.Reader(ctx)
		if err != nil {
			return nil, err
		}
		c.rbuf = c.rbuf[:0]
		for {
			if len(c.rbuf) == cap(c.rbuf) {
				c.rbuf = append(c.rbuf, 0)[:len(c.rbuf)]
			}
			n, err := r.Read(c.rbuf[len(c.rbuf):cap(c.rbuf)])
			c.rbuf = c.rbuf[:len(c.rbuf)+n]
			if err == io.EOF {
				return c.rbuf, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	n, err := binary.ReadUvarint(c.br)
	if err != nil {
		return nil, err
	}
	if n > maxElement {
		return nil, errElementTooLarge
	}
	if cap(c.rbuf) < int(n) {
		c.rbuf = make([]byte, n, max(int(n), 256))
	}
	c.rbuf = c.rbuf[:n]
	_, err = io.ReadFull(c.br, c.rbuf)
	return c.rbuf, err
}

// sendBody sends a CreateMessageRequest with body as its text to a user
// or a group.
func (c *turmsClient) sendBody(to *dest, body []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nextID++
	in := c.inner[:0]
	if to.group {
		in = protowire.AppendTag(in, fMsgGroupID, protowire.VarintType)
	} else {
		in = protowire.AppendTag(in, fMsgRecipientID, protowire.VarintType)
	}
	in = protowire.AppendVarint(in, uint64(to.id))
	in = protowire.AppendTag(in, fMsgText, protowire.BytesType)
	in = protowire.AppendBytes(in, body)
	m := protowire.AppendTag(c.msg[:0], fReqID, protowire.VarintType)
	m = protowire.AppendVarint(m, uint64(c.nextID))
	m = protowire.AppendTag(m, fReqCreateMessage, protowire.BytesType)
	m = protowire.AppendBytes(m, in)
	c.inner, c.msg = in, m
	return c.writeLocked(context.Background(), m)
}

// keepalive sends a heartbeat (an empty message).
// A session that is writing needs none, so one that is busy is skipped,
// and the write is bounded.
func (c *turmsClient) keepalive() error {
	if !c.wmu.TryLock() {
		return nil
	}
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), keepaliveWrite)
	defer cancel()
	if c.tcp != nil {
		c.tcp.SetWriteDeadline(time.Now().Add(keepaliveWrite))
		defer c.tcp.SetWriteDeadline(time.Time{})
	}
	return c.writeLocked(ctx, nil)
}

// readLoop reads until the connection ends, passing the text of relayed
// CreateMessageRequests to onBody and refusals of the client's own
// requests to onError.
func (c *turmsClient) readLoop(onBody func([]byte), onError func(error)) error {
	ctx := context.Background()
	for {
		f, err := c.readFrame(ctx)
		if err != nil {
			return err
		}
		if len(f) == 0 {
			continue
		}
		var (
			hasID, hasClose bool
			code            uint64
			closeStatus     uint64
			reason, relayed []byte
		)
		for len(f) > 0 {
			num, typ, n := protowire.ConsumeTag(f)
			if n < 0 {
				return errors.New("undecodable notification")
			}
			f = f[n:]
			switch {
			case num == fNotifRequestID && typ == protowire.VarintType:
				hasID = true
			case num == fNotifCode && typ == protowire.VarintType:
				code, n = protowire.ConsumeVarint(f)
				f = f[max(n, 0):]
				continue
			case num == fNotifCloseStatus && typ == protowire.VarintType:
				hasClose = true
				closeStatus, n = protowire.ConsumeVarint(f)
				f = f[max(n, 0):]
				continue
			case num == fNotifReason && typ == protowire.BytesType:
				reason, n = protowire.ConsumeBytes(f)
				f = f[max(n, 0):]
				continue
			case num == fNotifRelayed && typ == protowire.BytesType:
				relayed, n = protowire.ConsumeBytes(f)
				f = f[max(n, 0):]
				continue
			}
			n = protowire.ConsumeFieldValue(num, typ, f)
			if n < 0 {
				return errors.New("undecodable notification")
			}
			f = f[n:]
		}
		switch {
		case hasClose:
			return fmt.Errorf("the server closed the session: status %d %s", closeStatus, reason)
		case relayed != nil:
			if text, ok := relayedText(relayed); ok {
				onBody(text)
			}
		case hasID && code != codeOK && code != 0:
			onError(fmt.Errorf("request refused: code %d %s", code, reason))
		}
	}
}

// relayedText is the text of a relayed CreateMessageRequest.
func relayedText(req []byte) ([]byte, bool) {
	for len(req) > 0 {
		num, typ, n := protowire.ConsumeTag(req)
		if n < 0 {
			return nil, false
		}
		req = req[n:]
		if num == fReqCreateMessage && typ == protowire.BytesType {
			msg, n := protowire.ConsumeBytes(req)
			if n < 0 {
				return nil, false
			}
			for len(msg) > 0 {
				num, typ, n := protowire.ConsumeTag(msg)
				if n < 0 {
					return nil, false
				}
				msg = msg[n:]
				if num == fMsgText && typ == protowire.BytesType {
					text, n := protowire.ConsumeBytes(msg)
					return text, n >= 0
				}
				if n = protowire.ConsumeFieldValue(num, typ, msg); n < 0 {
					return nil, false
				}
				msg = msg[n:]
			}
			return nil, false
		}
		if n = protowire.ConsumeFieldValue(num, typ, req); n < 0 {
			return nil, false
		}
		req = req[n:]
	}
	return nil, false
}

// abort is close: closing a Turms connection takes no lock.
func (c *turmsClient) abort() { c.close() }

func (c *turmsClient) close() {
	if c.ws != nil {
		c.ws.CloseNow()
		return
	}
	c.tcp.Close()
}

var _ = strconv.Itoa
