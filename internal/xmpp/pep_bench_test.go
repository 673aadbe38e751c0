package xmpp_test

import (
	"strconv"
	"testing"

	"hermod/internal/xmpp/xmlstream"
)

// BenchmarkLastItemsAtLogin measures a login (STARTTLS, SCRAM, bind) of a
// user with 100 mutual contacts who each published to a node the user's
// client follows, until the last of the 100 last items arrives; and, for
// comparison, the same login with presence that follows nothing, until
// its echo.
func BenchmarkLastItemsAtLogin(b *testing.B) {
	const contacts = 100
	e := newEnv(b)
	e.user(1, "Me", "")
	for i := int64(2); i < 2+contacts; i++ {
		e.user(i, "C"+strconv.FormatInt(i, 10), "")
		e.befriend(1, i)
		c := e.login(i, "x")
		ps := xmlstream.New(nsPubSub, "pubsub").Add(xmlstream.New(nsPubSub, "publish", "node", "urn:example:tune").Add(
			xmlstream.New(nsPubSub, "item", "id", "t").Add(xmlstream.New("urn:example:tune", "tune").AddText("song"))))
		if r, err := c.IQ("set", "", ps); err != nil || r.Attr("type") != "result" {
			b.Fatalf("publish: %v %v", r, err)
		}
		c.Close()
	}
	b.Run("following", func(b *testing.B) { benchLastItems(b, e, contacts) })
	b.Run("baseline", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			c := e.login(1, "b"+strconv.Itoa(i))
			c.SendString(`<presence/>`)
			if _, err := c.Expect(func(el *xmlstream.Element) bool { return el.Local == "presence" && el.Attr("from") == c.JID }); err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
	})
}

func benchLastItems(b *testing.B, e *env, contacts int) {
	features := []string{"urn:example:tune+notify"}
	ver := verOf(features)
	for i := 0; b.Loop(); i++ {
		c := e.login(1, "r"+strconv.Itoa(i))
		if err := c.SendString(capsPresence(ver)); err != nil {
			b.Fatal(err)
		}
		got := 0
		for got < contacts {
			el, err := c.Expect(func(el *xmlstream.Element) bool {
				return isCapsQuery(el) || (el.Local == "message" && el.Child(nsPubSubEvent, "event") != nil)
			})
			if err != nil {
				b.Fatal(err)
			}
			if isCapsQuery(el) {
				qr := xmlstream.New(nsDiscoInfo, "query", "node", el.Child(nsDiscoInfo, "query").Attr("node"))
				qr.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "client", "type", "pc", "name", "hermod-test"))
				qr.Add(xmlstream.New(nsDiscoInfo, "feature", "var", features[0]))
				c.Send(xmlstream.New(xmlstream.NSClient, "iq", "type", "result", "id", el.Attr("id"), "to", el.Attr("from")).Add(qr))
				continue
			}
			got++
		}
		c.Close()
	}
}
