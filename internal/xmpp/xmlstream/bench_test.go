package xmlstream

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// chatStanza is an ordinary 1:1 message as clients send it.
const chatStanza = `<message xmlns='jabber:client' to='1002@example.com' type='chat' id='a1b2c3'>` +
	`<body>a message of ordinary length, with an &amp; in it</body>` +
	`<active xmlns='http://jabber.org/protocol/chatstates'/>` +
	`<origin-id xmlns='urn:xmpp:sid:0' id='a1b2c3'/></message>`

const benchHeader = `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>`

// BenchmarkDecode tokenizes and builds stanzas from a stream, as the
// reader of a session does.
func BenchmarkDecode(b *testing.B) {
	const batch = 256
	body := benchHeader + strings.Repeat(chatStanza, batch)
	br := bufio.NewReaderSize(nil, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(chatStanza)))
	n := 0
	var d *Decoder
	for b.Loop() {
		if n%batch == 0 {
			br.Reset(strings.NewReader(body))
			d = NewDecoder(br, DefaultLimits)
			if _, err := d.ReadHeader(); err != nil {
				b.Fatal(err)
			}
		}
		el, err := d.Next()
		if err != nil {
			b.Fatal(err)
		}
		if el.Local != "message" {
			b.Fatal(el.Local)
		}
		n++
	}
}

// BenchmarkAppend serializes a stanza, as every delivery does.
func BenchmarkAppend(b *testing.B) {
	d := NewDecoder(bufio.NewReader(strings.NewReader(benchHeader+chatStanza)), DefaultLimits)
	if _, err := d.ReadHeader(); err != nil {
		b.Fatal(err)
	}
	el, err := d.Next()
	if err != nil {
		b.Fatal(err)
	}
	el.SetAttr("from", "1001@example.com/laptop")
	el.Add(New("urn:xmpp:sid:0", "stanza-id", "id", "1234567890", "by", "1002@example.com"))
	buf := Append(nil, el, NSClient)
	if !bytes.Contains(buf, []byte("stanza-id")) {
		b.Fatalf("%s", buf)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = Append(buf[:0], el, NSClient)
	}
	io.Discard.Write(buf)
}

// BenchmarkBinary encodes and decodes a stanza in the binary form, as an
// event from another node carries it.
func BenchmarkBinary(b *testing.B) {
	el, err := Parse([]byte(chatStanza), DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	el.SetAttr("from", "1001@example.com/laptop")
	el.Add(New("urn:xmpp:sid:0", "stanza-id", "id", "1234567890", "by", "1002@example.com"))
	buf := AppendBinary(nil, el)
	b.Run("Append", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		out := make([]byte, 0, len(buf))
		for b.Loop() {
			out = AppendBinary(out[:0], el)
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			if _, _, err := DecodeBinary(buf, 32); err != nil {
				b.Fatal(err)
			}
		}
	})
}
