package xmpp_test

import (
	"testing"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
)

const nsPush = "urn:xmpp:push:0"

// pushNotification matches a notification published to node.
func pushNotification(node string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		pub := el.Child(nsPubSub, "pubsub").Child(nsPubSub, "publish")
		return el.Local == "iq" && el.Attr("type") == "set" && pub != nil && pub.Attr("node") == node
	}
}

// summary returns the fields of a notification's summary form.
func summary(t *testing.T, iq *xmlstream.Element) map[string]string {
	t.Helper()
	n := iq.Child(nsPubSub, "pubsub").Child(nsPubSub, "publish").Child(nsPubSub, "item").Child(nsPush, "notification")
	x := n.Child("jabber:x:data", "x")
	if x == nil {
		t.Fatalf("no summary form: %s", iq)
	}
	out := map[string]string{}
	for _, f := range x.Elements() {
		out[f.Attr("var")] = f.ChildText("jabber:x:data", "value")
	}
	return out
}

func TestPushToLocalAppServer(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.PushBody = true })
	e.friends()
	e.user(1003, "App server", "push")
	app := e.online(1003, "svc")
	alice := e.online(1001, "phone")
	bob := e.online(1002, "pc")

	// A remote app server cannot be reached without server-to-server.
	r, err := alice.IQ("set", "", q(t, `<enable xmlns='urn:xmpp:push:0' jid='push.example.org' node='x'/>`))
	must(t, err)
	if r.Attr("type") != "error" || r.Child("jabber:client", "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "remote-server-not-found") == nil {
		t.Fatalf("enabling a remote app server: %s", r)
	}
	r, err = alice.IQ("set", "", q(t, `<enable xmlns='urn:xmpp:push:0' jid='push@`+domain+`' node='device-1'>
		<x xmlns='jabber:x:data' type='submit'>
			<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
			<field var='secret'><value>s3cr3t</value></field>
		</x></enable>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("enabling push: %s", r)
	}
	sendChat := func(text string) {
		must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", jidOf(1001), "type", "chat").
			Add(xmlstream.New(xmlstream.NSClient, "body").AddText(text))))
	}

	// Inactive: the message is delivered and notified.
	must(t, alice.SendString(`<inactive xmlns='urn:xmpp:csi:0'/>`))
	ping(t, alice, "inactive")
	sendChat("while inactive")
	n := expect(t, app, pushNotification("device-1"))
	if n.Attr("from") != jidOf(1001) {
		t.Fatalf("notification from %q", n.Attr("from"))
	}
	f := summary(t, n)
	if f["FORM_TYPE"] != "urn:xmpp:push:summary" || f["message-count"] != "1" || f["last-message-sender"] != jidOf(1002) || f["last-message-body"] != "while inactive" {
		t.Fatalf("summary %v", f)
	}
	opts := n.Child(nsPubSub, "pubsub").Child(nsPubSub, "publish-options")
	if opts == nil || summary2(opts)["secret"] != "s3cr3t" {
		t.Fatalf("publish-options not passed on: %s", n)
	}
	expect(t, alice, body("while inactive"))

	// Offline: the count goes on.
	alice.Close()
	sendChat("while offline")
	f = summary(t, expect(t, app, pushNotification("device-1")))
	if f["message-count"] != "2" || f["last-message-body"] != "while offline" {
		t.Fatalf("summary %v", f)
	}

	// Back and active: no notification; the count starts again.
	alice = e.online(1001, "phone")
	sendChat("while online")
	expect(t, alice, body("while online"))
	must(t, bob.SendString(`<message to='push@`+domain+`' type='chat'><body>marker</body></message>`))
	expect(t, app, body("marker"))
	for _, el := range app.Pending() {
		if pushNotification("device-1")(el) {
			t.Fatalf("notified though a session was active: %s", el)
		}
	}

	// Disabled: no more notifications.
	r, err = alice.IQ("set", "", q(t, `<disable xmlns='urn:xmpp:push:0' jid='push@`+domain+`'/>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("disabling push: %s", r)
	}
	alice.Close()
	sendChat("after disable")
	must(t, bob.SendString(`<message to='push@`+domain+`' type='chat'><body>marker 2</body></message>`))
	expect(t, app, body("marker 2"))
	for _, el := range app.Pending() {
		if pushNotification("device-1")(el) {
			t.Fatalf("notified after disabling: %s", el)
		}
	}
}

// summary2 reads a data form's fields from its parent element.
func summary2(parent *xmlstream.Element) map[string]string {
	out := map[string]string{}
	for _, f := range parent.Child("jabber:x:data", "x").Elements() {
		out[f.Attr("var")] = f.ChildText("jabber:x:data", "value")
	}
	return out
}

func TestPushRegistrationsAreNotPrivateXML(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	alice := e.online(1001, "phone")
	// The registrations are the server's: private XML does not show them.
	r, err := alice.IQ("set", "", q(t, `<enable xmlns='urn:xmpp:push:0' jid='1001@`+domain+`' node='n'/>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("enable: %s", r)
	}
	r, err = alice.IQ("get", "", q(t, `<query xmlns='jabber:iq:private'><registrations xmlns='urn:xmpp:push:0'/></query>`))
	must(t, err)
	if el := r.Child("jabber:iq:private", "query").Child(nsPush, "registrations"); el == nil || len(el.Elements()) != 0 {
		t.Fatalf("private XML shows push registrations: %s", r)
	}
	r, err = alice.IQ("set", "", q(t, `<query xmlns='jabber:iq:private'><registrations xmlns='urn:xmpp:push:0'/></query>`))
	must(t, err)
	if r.Attr("type") != "error" {
		t.Fatalf("private XML changed push registrations: %s", r)
	}
}

func TestPushToComponentAppServer(t *testing.T) {
	e := componentEnv(t)
	e.friends()
	bot := e.component(botDomain, "s3cret")
	alice := e.online(1001, "phone")
	r, err := alice.IQ("set", "", q(t, `<enable xmlns='urn:xmpp:push:0' jid='`+botDomain+`' node='n1'/>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("enabling a component app server: %s", r)
	}
	alice.Close()
	bob := e.online(1002, "pc")
	must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", jidOf(1001), "type", "chat").
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText("wake up"))))
	n := expect(t, bot, pushNotification("n1"))
	if n.Attr("from") != jidOf(1001) || n.Attr("to") != botDomain {
		t.Fatalf("notification %s", n)
	}
	if f := summary(t, n); f["last-message-sender"] != jidOf(1002) || f["last-message-body"] != "" {
		t.Fatalf("summary %v (no body unless configured)", f)
	}
}
