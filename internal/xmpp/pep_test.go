package xmpp_test

import (
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsPubSub      = "http://jabber.org/protocol/pubsub"
	nsPubSubOwner = nsPubSub + "#owner"
	nsPubSubEvent = nsPubSub + "#event"
	nsPubSubErr   = nsPubSub + "#errors"
	nsDiscoInfo   = "http://jabber.org/protocol/disco#info"
	nsCaps        = "http://jabber.org/protocol/caps"
	omemoDevices  = "eu.siacs.conversations.axolotl.devicelist"
	omemoBundle   = "eu.siacs.conversations.axolotl.bundles:31337"
)

// verOf computes an XEP-0115 ver for a client identity and features, as a
// client does.
func verOf(features []string) string {
	features = slices.Sorted(slices.Values(features))
	s := "client/pc//hermod-test<" + strings.Join(features, "<") + "<"
	h := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}

// withCaps sends available presence with caps for features, answers the
// server's disco#info query for them when it asks, and waits for the
// presence's echo.
func withCaps(t *testing.T, c *xmpptest.Client, features []string, expectQuery bool) {
	t.Helper()
	ver := verOf(features)
	must(t, c.SendString(`<presence><c xmlns='`+nsCaps+`' hash='sha-1' node='https://hermod.test/client' ver='`+ver+`'/></presence>`))
	expect(t, c, xmpptest.Is("presence", "from", c.JID))
	if !expectQuery {
		return
	}
	q := expect(t, c, func(el *xmlstream.Element) bool {
		return el.Local == "iq" && el.Attr("type") == "get" && el.Child(nsDiscoInfo, "query") != nil
	})
	if got := q.Child(nsDiscoInfo, "query").Attr("node"); got != "https://hermod.test/client#"+ver {
		t.Fatalf("caps query for node %q", got)
	}
	r := xmlstream.New(xmlstream.NSClient, "iq", "type", "result", "id", q.Attr("id"), "to", q.Attr("from"))
	qr := xmlstream.New(nsDiscoInfo, "query", "node", q.Child(nsDiscoInfo, "query").Attr("node"))
	qr.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "client", "type", "pc", "name", "hermod-test"))
	for _, f := range features {
		qr.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
	}
	must(t, c.Send(r.Add(qr)))
	// The server reads a stream in order: once this ping is answered, it
	// knows what the client follows.
	if r, err := c.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil || r.Attr("type") != "result" {
		t.Fatalf("ping: %v %v", r, err)
	}
}

func publishOptions(fields map[string]string) *xmlstream.Element {
	x := xmlstream.New("jabber:x:data", "x", "type", "submit")
	x.Add(xmlstream.New("jabber:x:data", "field", "var", "FORM_TYPE", "type", "hidden").Add(
		xmlstream.New("jabber:x:data", "value").AddText(nsPubSub + "#publish-options")))
	for k, v := range fields {
		x.Add(xmlstream.New("jabber:x:data", "field", "var", k).Add(xmlstream.New("jabber:x:data", "value").AddText(v)))
	}
	return xmlstream.New(nsPubSub, "publish-options").Add(x)
}

func publish(t *testing.T, c *xmpptest.Client, node, id, payload string, opts map[string]string) *xmlstream.Element {
	t.Helper()
	ps := xmlstream.New(nsPubSub, "pubsub").Add(xmlstream.New(nsPubSub, "publish", "node", node).Add(
		xmlstream.New(nsPubSub, "item", "id", id).Add(q(t, payload))))
	if opts != nil {
		ps.Add(publishOptions(opts))
	}
	r, err := c.IQ("set", "", ps)
	must(t, err)
	return r
}

func fetchItems(t *testing.T, c *xmpptest.Client, owner, node string) *xmlstream.Element {
	t.Helper()
	r, err := c.IQ("get", owner, xmlstream.New(nsPubSub, "pubsub").Add(xmlstream.New(nsPubSub, "items", "node", node)))
	must(t, err)
	return r
}

func errorCondition(r *xmlstream.Element) string {
	e := r.Child(xmlstream.NSClient, "error")
	if r.Attr("type") != "error" || e == nil {
		return ""
	}
	var out []string
	for _, c := range e.Elements() {
		if c.Local != "text" {
			out = append(out, c.Local)
		}
	}
	return strings.Join(out, " ")
}

func isEvent(from, node string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("from") == from &&
			el.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "items").Attr("node") == node
	}
}

func eventPayload(el *xmlstream.Element) *xmlstream.Element {
	return el.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "items").Child(nsPubSubEvent, "item").FirstElement()
}

// TestOMEMOStylePublishAndNotify walks what OMEMO clients do: Alice
// publishes her device list and a bundle with publish-options
// access_model=open; Bob, her contact, whose client follows the device
// list by its caps, is told at once and fetches the bundle; a stranger may
// fetch open nodes but not presence ones.
func TestOMEMOStylePublishAndNotify(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	a := e.login(1001, "laptop")
	withCaps(t, a, []string{nsDiscoInfo, omemoDevices + "+notify", "urn:xmpp:ping"}, true)
	b := e.login(1002, "phone")
	withCaps(t, b, []string{nsDiscoInfo, omemoDevices + "+notify"}, true)
	// Another resource with the same caps is not asked again.
	b2 := e.login(1002, "tablet")
	withCaps(t, b2, []string{nsDiscoInfo, omemoDevices + "+notify"}, false)

	devices := `<list xmlns='eu.siacs.conversations.axolotl'><device id='31337'/></list>`
	r := publish(t, a, omemoDevices, "current", devices, map[string]string{"pubsub#access_model": "open"})
	if r.Attr("type") != "result" {
		t.Fatalf("publish: %s", r)
	}
	for _, c := range []*xmpptest.Client{b, b2, a} {
		ev := expect(t, c, isEvent(jidOf(1001), omemoDevices))
		if d := eventPayload(ev).Child("eu.siacs.conversations.axolotl", "device"); d == nil || d.Attr("id") != "31337" {
			t.Fatalf("event payload: %s", ev)
		}
	}
	bundle := `<bundle xmlns='eu.siacs.conversations.axolotl'><signedPreKeyPublic signedPreKeyId='1'>AAAA</signedPreKeyPublic></bundle>`
	r = publish(t, a, omemoBundle, "current", bundle, map[string]string{"pubsub#access_model": "open", "pubsub#max_items": "max"})
	if r.Attr("type") != "result" {
		t.Fatalf("publish bundle: %s", r)
	}
	got := fetchItems(t, b, jidOf(1001), omemoBundle)
	item := got.Child(nsPubSub, "pubsub").Child(nsPubSub, "items").Child(nsPubSub, "item")
	if item.Attr("id") != "current" || item.Child("eu.siacs.conversations.axolotl", "bundle").ChildText("eu.siacs.conversations.axolotl", "signedPreKeyPublic") != "AAAA" {
		t.Fatalf("fetched bundle: %s", got)
	}

	// Publishing again with other options fails the precondition.
	r = publish(t, a, omemoDevices, "current", devices, map[string]string{"pubsub#access_model": "whitelist"})
	if errorCondition(r) != "conflict precondition-not-met" {
		t.Fatalf("precondition: %s", r)
	}

	c := e.online(1003, "x")
	if r := fetchItems(t, c, jidOf(1001), omemoBundle); r.Attr("type") != "result" {
		t.Fatalf("a stranger fetching an open node: %s", r)
	}
	publish(t, a, "urn:example:mood", "1", `<mood xmlns='urn:example:mood'>happy</mood>`, nil)
	if r := fetchItems(t, c, jidOf(1001), "urn:example:mood"); errorCondition(r) != "not-authorized presence-subscription-required" {
		t.Fatalf("a stranger fetching a presence node: %s", r)
	}
	if r := fetchItems(t, b, jidOf(1001), "urn:example:mood"); r.Attr("type") != "result" {
		t.Fatalf("a contact fetching a presence node: %s", r)
	}
	if r := fetchItems(t, b, jidOf(1001), "urn:example:none"); errorCondition(r) != "item-not-found" {
		t.Fatalf("a missing node: %s", r)
	}
}

// TestLastItemOnLogin: a contact's client that comes online gets the last
// item of each node it follows.
func TestLastItemOnLogin(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	publish(t, a, "urn:example:tune", "t1", `<tune xmlns='urn:example:tune'>one</tune>`, nil)
	publish(t, a, "urn:example:tune", "t2", `<tune xmlns='urn:example:tune'>two</tune>`, nil)
	b := e.login(1002, "phone")
	withCaps(t, b, []string{"urn:example:tune+notify"}, true)
	ev := expect(t, b, isEvent(jidOf(1001), "urn:example:tune"))
	if eventPayload(ev).Text() != "two" {
		t.Fatalf("last item: %s", ev)
	}
}

// TestPEPConfigurationAndLimits: the owner reads and changes a node's
// configuration, deletes it; others may not publish; node count and item
// size are limited.
func TestPEPConfigurationAndLimits(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.PEPMaxNodes, c.XMPP.PEPMaxItemBytes = 2, 200 })
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	if r := publish(t, a, "n1", "", `<x xmlns='urn:x'/>`, nil); r.Attr("type") != "result" {
		t.Fatalf("publish: %s", r)
	}
	r, err := a.IQ("get", "", xmlstream.New(nsPubSubOwner, "pubsub").Add(xmlstream.New(nsPubSubOwner, "configure", "node", "n1")))
	must(t, err)
	if !strings.Contains(r.String(), "<value>presence</value>") {
		t.Fatalf("default access model: %s", r)
	}
	form := `<pubsub xmlns='` + nsPubSubOwner + `'><configure node='n1'><x xmlns='jabber:x:data' type='submit'>` +
		`<field var='FORM_TYPE'><value>` + nsPubSub + `#node_config</value></field>` +
		`<field var='pubsub#access_model'><value>whitelist</value></field><field var='pubsub#max_items'><value>5</value></field></x></configure></pubsub>`
	if r, _ := a.IQ("set", "", q(t, form)); r.Attr("type") != "result" {
		t.Fatalf("configure: %s", r)
	}
	if r := fetchItems(t, b, jidOf(1001), "n1"); errorCondition(r) != "not-allowed closed-node" {
		t.Fatalf("whitelist node read by a contact: %s", r)
	}
	if r := publish(t, a, "n1", "", `<x xmlns='urn:x'/>`, map[string]string{"pubsub#access_model": "whitelist", "pubsub#max_items": "5"}); r.Attr("type") != "result" {
		t.Fatalf("publish with matching options: %s", r)
	}
	if r := publish(t, a, "n2", "", `<x xmlns='urn:x'>`+strings.Repeat("y", 300)+`</x>`, nil); errorCondition(r) != "not-acceptable payload-too-big" {
		t.Fatalf("a big item: %s", r)
	}
	publish(t, a, "n2", "", `<x xmlns='urn:x'/>`, nil)
	if r := publish(t, a, "n3", "", `<x xmlns='urn:x'/>`, nil); errorCondition(r) != "resource-constraint" {
		t.Fatalf("a node over the limit: %s", r)
	}
	ps := xmlstream.New(nsPubSub, "pubsub").Add(xmlstream.New(nsPubSub, "publish", "node", "n1").Add(
		xmlstream.New(nsPubSub, "item").Add(q(t, `<x xmlns='urn:x'/>`))))
	if r, _ := b.IQ("set", jidOf(1001), ps); errorCondition(r) != "forbidden" {
		t.Fatalf("publishing to another's node: %s", r)
	}
	if r, _ := a.IQ("set", "", q(t, `<pubsub xmlns='`+nsPubSubOwner+`'><delete node='n2'/></pubsub>`)); r.Attr("type") != "result" {
		t.Fatalf("delete: %s", r)
	}
	if r := fetchItems(t, a, "", "n2"); errorCondition(r) != "item-not-found" {
		t.Fatalf("a deleted node: %s", r)
	}
	if r := publish(t, a, "n3", "", `<x xmlns='urn:x'/>`, nil); r.Attr("type") != "result" {
		t.Fatalf("a node after deleting one: %s", r)
	}
	items, err := a.IQ("get", jidOf(1001), xmlstream.New("http://jabber.org/protocol/disco#items", "query"))
	must(t, err)
	var nodes []string
	for _, it := range items.Child("http://jabber.org/protocol/disco#items", "query").Elements() {
		nodes = append(nodes, it.Attr("node"))
	}
	if strings.Join(nodes, " ") != "n1 n3" {
		t.Fatalf("the owner's nodes: %v", nodes)
	}
}

// TestServerCaps: the stream features carry the hash of the server's
// disco#info, and the server answers disco#info of that caps node.
func TestServerCaps(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	a := e.login(1001, "laptop")
	c := a.Features.Child(nsCaps, "c")
	if c == nil || c.Attr("hash") != "sha-1" {
		t.Fatalf("stream features: %s", a.Features)
	}
	r, err := a.IQ("get", domain, xmlstream.New(nsDiscoInfo, "query", "node", c.Attr("node")+"#"+c.Attr("ver")))
	must(t, err)
	info := r.Child(nsDiscoInfo, "query")
	var s strings.Builder
	var features []string
	for _, el := range info.Elements() {
		if el.Local == "identity" {
			s.WriteString(el.Attr("category") + "/" + el.Attr("type") + "//" + el.Attr("name") + "<")
		} else {
			features = append(features, el.Attr("var"))
		}
	}
	slices.Sort(features)
	for _, f := range features {
		s.WriteString(f + "<")
	}
	h := sha1.Sum([]byte(s.String()))
	if got := base64.StdEncoding.EncodeToString(h[:]); got != c.Attr("ver") {
		t.Fatalf("ver %s, disco#info hashes to %s", c.Attr("ver"), got)
	}
}

// TestPrivateXMLStorage: XEP-0049 keeps one element per namespace for its
// owner only.
func TestPrivateXMLStorage(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.login(1001, "laptop"), e.login(1002, "phone")
	const ns = "jabber:iq:private"
	r, _ := a.IQ("get", "", q(t, `<query xmlns='`+ns+`'><prefs xmlns='urn:example:prefs'/></query>`))
	if r.Attr("type") != "result" || r.Child(ns, "query").Child("urn:example:prefs", "prefs") == nil {
		t.Fatalf("nothing stored: %s", r)
	}
	if r, _ := a.IQ("set", "", q(t, `<query xmlns='`+ns+`'><prefs xmlns='urn:example:prefs'><theme>dark</theme></prefs></query>`)); r.Attr("type") != "result" {
		t.Fatalf("store: %s", r)
	}
	a2 := e.login(1001, "desktop")
	r, _ = a2.IQ("get", "", q(t, `<query xmlns='`+ns+`'><prefs xmlns='urn:example:prefs'/></query>`))
	if got := r.Child(ns, "query").Child("urn:example:prefs", "prefs").ChildText("urn:example:prefs", "theme"); got != "dark" {
		t.Fatalf("stored prefs: %s", r)
	}
	if r, _ := b.IQ("get", jidOf(1001), q(t, `<query xmlns='`+ns+`'><prefs xmlns='urn:example:prefs'/></query>`)); r.Attr("type") != "error" {
		t.Fatalf("another user's private XML: %s", r)
	}
	if r, _ := a.IQ("set", "", q(t, `<query xmlns='`+ns+`'><a xmlns='urn:a'/><b xmlns='urn:b'/></query>`)); errorCondition(r) != "not-acceptable" {
		t.Fatalf("two elements: %s", r)
	}
}

func isCapsQuery(el *xmlstream.Element) bool {
	return el.Local == "iq" && el.Attr("type") == "get" && el.Child(nsDiscoInfo, "query") != nil
}

// answerCaps answers a caps query with the given features.
func answerCaps(t *testing.T, c *xmpptest.Client, q *xmlstream.Element, features []string) {
	t.Helper()
	qr := xmlstream.New(nsDiscoInfo, "query", "node", q.Child(nsDiscoInfo, "query").Attr("node"))
	qr.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "client", "type", "pc", "name", "hermod-test"))
	for _, f := range features {
		qr.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
	}
	must(t, c.Send(xmlstream.New(xmlstream.NSClient, "iq", "type", "result", "id", q.Attr("id"), "to", q.Attr("from")).Add(qr)))
}

func capsPresence(ver string) string {
	return `<presence><c xmlns='` + nsCaps + `' hash='sha-1' node='https://hermod.test/client' ver='` + ver + `'/></presence>`
}

// TestCapsAskedOncePerHashAndVerified: while one client's answer for a
// hash is awaited, another client with the same hash waits for it instead
// of being asked; an answer that does not hash to the ver is used for its
// client only, and the next client with that ver is asked again.
func TestCapsAskedOncePerHashAndVerified(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	publisher := e.online(1001, "desk")
	publish(t, publisher, "urn:example:tune", "t1", `<tune xmlns='urn:example:tune'>one</tune>`, nil)

	features := []string{"urn:example:tune+notify"}
	ver := verOf(features)
	a := e.login(1001, "laptop")
	must(t, a.SendString(capsPresence(ver)))
	query := expect(t, a, isCapsQuery)
	b := e.login(1002, "phone")
	must(t, b.SendString(capsPresence(ver)))
	expect(t, b, xmpptest.Is("presence", "from", b.JID))
	answerCaps(t, a, query, features)
	for _, c := range []*xmpptest.Client{a, b} {
		if ev := expect(t, c, isEvent(jidOf(1001), "urn:example:tune")); eventPayload(ev).Text() != "one" {
			t.Fatalf("last item: %s", ev)
		}
	}
	// Had b been asked, the query would have come before the last item;
	// the matcher below sees every stanza not consumed yet.
	asked := false
	must(t, b.SendString(`<iq type='get' id='sync' to='`+domain+`'><ping xmlns='urn:xmpp:ping'/></iq>`))
	expect(t, b, func(el *xmlstream.Element) bool {
		asked = asked || isCapsQuery(el)
		return el.Local == "iq" && el.Attr("id") == "sync"
	})
	if asked {
		t.Fatal("a second client with a known hash was asked")
	}

	// A lying answer is not remembered.
	lie := verOf([]string{"urn:example:other+notify"})
	c := e.login(1003, "x")
	must(t, c.SendString(capsPresence(lie)))
	answerCaps(t, c, expect(t, c, isCapsQuery), []string{"urn:example:tune+notify", "urn:example:extra"})
	if r, err := c.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil || r.Attr("type") != "result" {
		t.Fatalf("ping: %v %v", r, err) // the answer has been read once this is answered
	}
	d := e.login(1003, "y")
	must(t, d.SendString(capsPresence(lie)))
	expect(t, d, isCapsQuery)
}

// TestPEPRetractPurgeAndBlocking: retractions and purges reach followers;
// a blocked user reads no node, open or not; accounts announce PEP.
func TestPEPRetractPurgeAndBlocking(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	a := e.online(1001, "laptop")
	b := e.login(1002, "phone")
	withCaps(t, b, []string{"urn:example:list+notify"}, true)
	opts := map[string]string{"pubsub#access_model": "open", "pubsub#max_items": "10"}
	publish(t, a, "urn:example:list", "x", `<i xmlns='urn:example:list'>x</i>`, opts)
	publish(t, a, "urn:example:list", "y", `<i xmlns='urn:example:list'>y</i>`, opts)
	expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), "urn:example:list")(el) && eventPayload(el).Text() == "y"
	})
	r, err := a.IQ("set", "", q(t, `<pubsub xmlns='`+nsPubSub+`'><retract node='urn:example:list' notify='true'><item id='x'/></retract></pubsub>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("retract: %s", r)
	}
	ev := expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), "urn:example:list")(el) && el.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "items").Child(nsPubSubEvent, "retract") != nil
	})
	if id := ev.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "items").Child(nsPubSubEvent, "retract").Attr("id"); id != "x" {
		t.Fatalf("retract event: %s", ev)
	}
	items := fetchItems(t, b, jidOf(1001), "urn:example:list").Child(nsPubSub, "pubsub").Child(nsPubSub, "items").Elements()
	if len(items) != 1 || items[0].Attr("id") != "y" {
		t.Fatalf("items after retracting x: %d", len(items))
	}
	if r, _ := a.IQ("set", "", q(t, `<pubsub xmlns='`+nsPubSubOwner+`'><purge node='urn:example:list'/></pubsub>`)); r.Attr("type") != "result" {
		t.Fatalf("purge: %s", r)
	}
	expect(t, b, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "purge").Attr("node") == "urn:example:list"
	})

	c := e.online(1003, "x")
	if r := fetchItems(t, c, jidOf(1001), "urn:example:list"); r.Attr("type") != "result" {
		t.Fatalf("an open node, before blocking: %s", r)
	}
	if r, _ := a.IQ("set", "", q(t, `<block xmlns='urn:xmpp:blocking'><item jid='`+jidOf(1003)+`'/></block>`)); r.Attr("type") != "result" {
		t.Fatalf("block: %s", r)
	}
	if r := fetchItems(t, c, jidOf(1001), "urn:example:list"); errorCondition(r) != "item-not-found" {
		t.Fatalf("an open node read by a blocked user: %s", r)
	}

	info, err := b.IQ("get", jidOf(1001), xmlstream.New(nsDiscoInfo, "query"))
	must(t, err)
	s := info.String()
	for _, want := range []string{`category="pubsub" type="pep"`, nsPubSub + "#publish-options", nsPubSub + "#access-whitelist", "urn:xmpp:pep-vcard-conversion:0"} {
		if !strings.Contains(s, want) {
			t.Fatalf("account disco#info lacks %s: %s", want, s)
		}
	}
}
