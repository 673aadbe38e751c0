package xmpp_test

import (
	"context"
	"strconv"
	"testing"

	"hermod/internal/config"
	hdomain "hermod/internal/domain"
	"hermod/internal/domain/group"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// BenchmarkRoomMessage measures one groupchat message from an occupant to
// a room of 20 XMPP occupants, stored once and delivered to all of them
// (the sender's reflection included), one at a time.
func BenchmarkRoomMessage(b *testing.B) {
	const occupants = 20
	e := newEnv(b, func(c *config.Config) {
		c.XMPP.RequireTLS = false
		c.XMPP.StanzasPerSecond = 0
	})
	ctx := context.Background()
	ids := make([]int64, occupants)
	for i := range ids {
		ids[i] = 2001 + int64(i)
		e.user(ids[i], "U"+strconv.Itoa(i), "")
	}
	open := openType()
	if _, err := e.srv.Groups().AddType(ctx, open); err != nil {
		b.Fatal(err)
	}
	g, err := e.srv.Groups().Create(ctx, hdomain.Requester{UserID: ids[0]}, group.NewGroup{Name: "bench", TypeID: &open.ID}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.srv.Groups().AddMembers(ctx, hdomain.Requester{UserID: ids[0]}, g.ID, group.NewMembers{UserIDs: ids[1:]}, nil); err != nil {
		b.Fatal(err)
	}
	room := strconv.FormatInt(g.ID, 10) + "@" + mucDomain
	clients := make([]*xmpptest.Client, occupants)
	for i, id := range ids {
		c, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.Close)
		if err := c.Login(strconv.FormatInt(id, 10), pw(id), "bench"); err != nil {
			b.Fatal(err)
		}
		must(b, c.SendString(`<presence to='`+room+`/u`+strconv.Itoa(i)+`'><x xmlns='`+nsMUC+`'><history maxchars='0'/></x></presence>`))
		if _, err := c.Expect(func(el *xmlstream.Element) bool { return el.Child(xmlstream.NSClient, "subject") != nil }); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	b.ResetTimer()
	for i := range b.N {
		id := "m" + strconv.Itoa(i)
		must(b, clients[0].SendString(`<message to='`+room+`' type='groupchat' id='`+id+`'><body>hello</body></message>`))
		for _, c := range clients {
			if _, err := c.Expect(func(el *xmlstream.Element) bool { return el.Local == "message" && el.Attr("id") == id }); err != nil {
				b.Fatal(err)
			}
		}
	}
}
