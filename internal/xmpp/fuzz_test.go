package xmpp_test

import (
	"strings"
	"testing"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// FuzzSession sends arbitrary bytes on an authenticated stream of a real
// server. The server must not crash, and must keep serving: another
// session's ping is answered, and so is the fuzzed session's when the
// input was complete elements.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		`<message to='1002@example.test' type='chat'><body>hi</body></message>`,
		`<presence to='1002@example.test' type='subscribe'/>`,
		`<iq type='set' id='r'><query xmlns='jabber:iq:roster'><item jid='1002@example.test' name='B'><group>G</group></item></query></iq>`,
		`<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='@@'/></block></iq>`,
		`<iq type='get' id='v' to='1002@example.test'><vCard xmlns='vcard-temp'/></iq>`,
		`<presence><show>dnd</show><priority>-200</priority></presence>`,
		`<message to='1001@example.test/x'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`,
		`<iq type='result' id='x' to='1002@example.test/none'/>`,
		`<presence type='unavailable'/><presence/>`,
		`<iq type='set' id='q'><query xmlns='jabber:iq:register'><remove/></query></iq>`,
		`<a:b xmlns:a='x'/>`, `<![CDATA[x]]>`, `<message><body>&#0;</body></message>`,
		// Message features: references to messages that exist, do not, or
		// are named by nothing.
		`<message to='1002@example.test' type='chat' id='m1'><body>x</body></message>` +
			`<message to='1002@example.test' type='chat'><body>y</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>` +
			`<message to='1002@example.test'><reactions xmlns='urn:xmpp:reactions:0' id='m1'><reaction>👍🏽</reaction><reaction/><x/></reactions></message>` +
			`<message to='1002@example.test'><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>` +
			`<message to='1002@example.test' type='chat'><retract xmlns='urn:xmpp:message-retract:1' id='m1'/></message>`,
		`<message to='1002@example.test' type='chat'><retract xmlns='urn:xmpp:message-retract:1'/></message>`,
		`<message to='1002@example.test'><apply-to xmlns='urn:xmpp:fasten:0'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to></message>`,
		`<message to='1002@example.test'><reactions xmlns='urn:xmpp:reactions:0' id='-1'/></message>`,
		`<message to='1@conference.example.test' type='groupchat'><replace xmlns='urn:xmpp:message-correct:0' id='1'/></message>`,
		// PEP: publish-options, configuration, avatars, caps answers.
		`<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item id='i'><x xmlns='urn:x'/></item></publish>` +
			`<publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>max</value></field><field var='pubsub#access_model'><value>open</value></field></x></publish-options></pubsub></iq>` +
			`<iq type='get' id='g' to='1002@example.test'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n' max_items='-1'><item id='i'/></items></pubsub></iq>` +
			`<iq type='set' id='c'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='n'><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>0</value></field></x></configure></pubsub></iq>`,
		`<iq type='set' id='a'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:data'><item id='x'><data xmlns='urn:xmpp:avatar:data'>!!</data></item></publish></pubsub></iq>` +
			`<iq type='set' id='m'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'><item><metadata xmlns='urn:xmpp:avatar:metadata'><info id='x'/></metadata></item></publish></pubsub></iq>`,
		`<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>` +
			`<iq type='result' id='caps-h1' to='example.test'><query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data'><field var='FORM_TYPE'/></x></query></iq>`,
		`<iq type='set' id='v'><vCard xmlns='vcard-temp'><PHOTO><BINVAL>====</BINVAL></PHOTO></vCard></iq>`,
		`<iq type='set' id='pr'><query xmlns='jabber:iq:private'><x xmlns='jabber:client'/></query></iq>`,
		// Archive queries, preferences and carbons.
		`<iq type='set' id='m'><query xmlns='urn:xmpp:mam:2' queryid='q'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field><field var='with'><value>1002@example.test</value></field><field var='start'><value>1970-01-01T00:00:00Z</value></field><field var='ids'><value>1</value><value>x</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before/></set><flip-page/></query></iq>`,
		`<iq type='set' id='m'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>99999999999999999999</max><after>9223372036854775807</after></set></query></iq>`,
		`<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq><iq type='get' id='n'><query xmlns='urn:xmpp:mam:2'/></iq>`,
		`<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='roster'><always><jid>1002@example.test</jid><jid>@</jid></always><never><x/></never></prefs></iq>`,
		`<iq type='set' id='c'><enable xmlns='urn:xmpp:carbons:2'/></iq><message to='1002@example.test/r' type='chat'><body>c</body><private xmlns='urn:xmpp:carbons:2'/></message>`,
		// Rooms: create, chat, change nick, administer, configure, invite,
		// register, read the archive, destroy; and addresses that are not
		// rooms.
		`<presence to='fz@conference.example.test/me'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='-5' since='x'/></x></presence>` +
			`<message to='fz@conference.example.test' type='groupchat'><body>hi</body></message>` +
			`<message to='fz@conference.example.test' type='groupchat'><subject/></message>` +
			`<presence to='fz@conference.example.test/other'/>` +
			`<iq type='set' id='ad' to='fz@conference.example.test'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='1002@example.test'/><item role='bogus' nick='nobody'/><item/></query></iq>` +
			`<iq type='set' id='ow' to='fz@conference.example.test'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomname'/></x></query></iq>` +
			`<message to='fz@conference.example.test'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='@@'/><invite/><decline/></x></message>` +
			`<message to='1002@example.test'><x xmlns='jabber:x:conference' jid='fz@conference.example.test'/></message>` +
			`<iq type='set' id='rg' to='fz@conference.example.test'><query xmlns='jabber:iq:register'><remove/></query></iq>` +
			`<iq type='set' id='mm' to='fz@conference.example.test'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><before/></set></query></iq>` +
			`<iq type='get' id='pg' to='fz@conference.example.test/me'><ping xmlns='urn:xmpp:ping'/></iq>` +
			`<iq type='set' id='ds' to='fz@conference.example.test'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>`,
		`<presence to='@conference.example.test/x'/><presence to='123456@conference.example.test'/><message to='conference.example.test' type='groupchat'/>` +
			`<iq type='get' id='di' to='conference.example.test'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>` +
			`<iq type='get' id='bm'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>`,
	} {
		f.Add(s)
	}
	e := newEnv(f, func(c *config.Config) {
		c.XMPP.RequireTLS = false
		c.XMPP.LoginFailuresPerMinute = 0
	})
	e.user(1001, "Alice", "")
	e.user(1002, "Bob", "")
	health, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(health.Close)
	if err := health.Login("1002", pw(1002), "health"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Auth("SCRAM-SHA-1", "1001", pw(1001)); err != nil {
			t.Fatal(err)
		}
		if err := c.Bind("fuzz"); err != nil {
			t.Fatal(err)
		}
		c.SendString(in)
		if r, err := health.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil || r.Attr("type") != "result" {
			t.Fatalf("after %q the server does not answer: %v %v", in, r, err)
		}
		if _, err := xmlstream.Parse([]byte("<x>"+in+"</x>"), xmlstream.DefaultLimits); err != nil {
			return // incomplete or bad XML: the stream waits for more or has ended
		}
		c.SendString(`<iq type='get' id='zz-ping' to='` + domain + `'><ping xmlns='urn:xmpp:ping'/></iq>`)
		_, err = c.Expect(func(el *xmlstream.Element) bool {
			return (el.Local == "iq" && el.Attr("id") == "zz-ping") || el.Is(xmlstream.NSStream, "error")
		})
		if err != nil && !strings.Contains(err.Error(), "stream ended") {
			t.Fatalf("after %q: %v", in, err)
		}
	})
}
