package xmpptest

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"

	"hermod/internal/xmpp/xmlstream"
)

// StreamError is a stream error the server ended a stream with.
type StreamError struct{ Condition, Text string }

func (e *StreamError) Error() string { return "stream error: " + e.Condition + " " + e.Text }

// DialComponent connects as an external component (XEP-0114) for domain
// and authenticates with secret. Stanzas it sends are written without a
// namespace, so that those built in jabber:client are in the stream's
// jabber:component:accept; those it receives are in the latter. A refusal
// is a *StreamError.
func DialComponent(addr, domain, secret string) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		return nil, err
	}
	c := &Client{Domain: domain, JID: domain, conn: conn, br: bufio.NewReader(conn)}
	if err := c.handshake(secret); err != nil {
		conn.Close()
		return nil, err
	}
	c.startReading()
	return c, nil
}

func (c *Client) handshake(secret string) error {
	if err := c.SendString(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='` + c.Domain + `'>`); err != nil {
		return err
	}
	c.dec = xmlstream.NewDecoder(c.br, xmlstream.Limits{MaxStanzaBytes: 1 << 20, MaxDepth: 64})
	h, err := c.dec.ReadComponentHeader()
	if err != nil {
		return err
	}
	sum := sha1.Sum([]byte(h.ID + secret))
	if err := c.SendString(`<handshake>` + hex.EncodeToString(sum[:]) + `</handshake>`); err != nil {
		return err
	}
	el, err := c.readOne()
	if err != nil {
		return err
	}
	switch {
	case el.Is(xmlstream.NSComponent, "handshake") && len(el.Children) == 0:
		return nil
	case el.Is(xmlstream.NSStream, "error"):
		return streamError(el)
	}
	return fmt.Errorf("expected <handshake/>, got %s", el)
}

func streamError(el *xmlstream.Element) *StreamError {
	se := &StreamError{}
	for _, c := range el.Elements() {
		if c.Local == "text" {
			se.Text = c.Text()
		} else {
			se.Condition = c.Local
		}
	}
	return se
}
