package bench

import (
	"bytes"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The load generator's per-message work, so that a slowdown or a new
// allocation shows: building a message, and finding and reading a
// delivery, for each protocol.

func BenchmarkXMPPReceive(b *testing.B) {
	marker := []byte("hbfeed ")
	body := appendBody(nil, marker, 12, 3, 123456789, 0)
	stanza := append(append([]byte("<message from='100001@localhost/b1' to='100000@localhost/b0' type='chat' id='x1'><body>"), body...),
		"</body><stanza-id xmlns='urn:xmpp:sid:0' id='abc' by='100000@localhost'/></message>"...)
	stream := bytes.Repeat(stanza, 1000)
	r := bytes.NewReader(stream)
	sp := newSplitter(r, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(stanza)))
	for b.Loop() {
		el, _, err := sp.next()
		if err != nil {
			r.Reset(stream)
			continue
		}
		text, _ := childText(el, "body")
		if _, _, _, ok := parseBody(text, marker); !ok {
			b.Fatal("no body")
		}
	}
}

func BenchmarkXMPPSend(b *testing.B) {
	c := &xmppClient{xc: &discard{}}
	to := &dest{xmppPrefix: xmppChatPrefix("chat", "100001@localhost")}
	marker := []byte("hbfeed ")
	var body []byte
	b.ReportAllocs()
	for b.Loop() {
		body = appendBody(body[:0], marker, 12, 3, 123456789, 0)
		c.sendBody(to, body)
	}
}

func BenchmarkTurmsReceive(b *testing.B) {
	marker := []byte("hbfeed ")
	text := appendBody(nil, marker, 12, 3, 123456789, 0)
	msg := protowire.AppendTag(nil, fMsgRecipientID, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 100001)
	msg = protowire.AppendTag(msg, fMsgText, protowire.BytesType)
	msg = protowire.AppendBytes(msg, text)
	req := protowire.AppendTag(nil, fReqCreateMessage, protowire.BytesType)
	req = protowire.AppendBytes(req, msg)
	b.ReportAllocs()
	for b.Loop() {
		got, ok := relayedText(req)
		if !ok {
			b.Fatal("no text")
		}
		if _, _, _, ok := parseBody(got, marker); !ok {
			b.Fatal("no body")
		}
	}
}

func BenchmarkLatencyRecord(b *testing.B) {
	l := newLatency()
	b.ReportAllocs()
	for b.Loop() {
		l.record(3 * time.Millisecond)
	}
}

// discard is an xmlConn that drops what is written.
type discard struct{}

func (*discard) next() ([]byte, unit, error)             { return nil, 0, nil }
func (*discard) write([]byte) error                      { return nil }
func (*discard) open(string) error                       { return nil }
func (*discard) closeStream()                            {}
func (*discard) setDeadline(time.Time)                   {}
func (*discard) writeWithin([]byte, time.Duration) error { return nil }
func (*discard) abort()                                  {}
