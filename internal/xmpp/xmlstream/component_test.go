package xmlstream

import (
	"errors"
	"testing"
)

const componentHeader = `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='bot.example.com'>`

// Each kind of stream is read only by its own entry point: the component
// namespace does not open a client stream, nor the client's a component's.
func TestHeaderNamespaces(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		component bool
		wantErr   bool
	}{
		{"client stream as client", header, false, false},
		{"component stream as component", componentHeader, true, false},
		{"component stream as client", componentHeader, false, true},
		{"client stream as component", header, true, true},
		{"no default namespace as component", `<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='b'>`, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(tt.in+`<handshake>ab</handshake>`, DefaultLimits)
			read := d.ReadHeader
			if tt.component {
				read = d.ReadComponentHeader
			}
			h, err := read()
			if tt.wantErr {
				var se *StreamError
				if !errors.As(err, &se) || se.Condition != "invalid-namespace" {
					t.Fatalf("err = %v, want invalid-namespace", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.component {
				if h.To != "bot.example.com" {
					t.Fatalf("to = %q", h.To)
				}
				el, err := d.Next()
				if err != nil || !el.Is(NSComponent, "handshake") || el.Text() != "ab" {
					t.Fatalf("next = %v, %v", el, err)
				}
			}
		})
	}
}

func TestRenamespace(t *testing.T) {
	in := New(NSComponent, "message", "to", "a@b").
		Add(New(NSComponent, "body").AddText("hi")).
		Add(New("urn:xmpp:forward:0", "forwarded").Add(New(NSClient, "message").Add(New(NSClient, "body")))).
		Add(New("urn:x", "x").Add(New(NSComponent, "y")))
	before := in.String()
	out := Renamespace(in, NSComponent, NSClient)
	if got, want := string(Append(nil, out, NSClient)),
		`<message to="a@b"><body>hi</body><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body/></message></forwarded><x xmlns="urn:x"><y xmlns="jabber:component:accept"/></x></message>`; got != want {
		t.Fatalf("renamespaced\n%s\nwant\n%s", got, want)
	}
	out.SetAttr("to", "c@d")
	if in.String() != before {
		t.Fatalf("the original changed: %s", in)
	}
	if Renamespace(out, NSComponent, NSClient) != out {
		t.Fatal("an element in another namespace is not returned as it is")
	}
	back := Renamespace(out, NSClient, NSComponent)
	if got, want := string(Append(nil, back, NSComponent)),
		`<message to="c@d"><body>hi</body><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body/></message></forwarded><x xmlns="urn:x"><y xmlns="jabber:component:accept"/></x></message>`; got != want {
		t.Fatalf("back\n%s\nwant\n%s", got, want)
	}
}

func TestComponentStreamSerialization(t *testing.T) {
	if got, want := string(AppendComponentHeader(nil, "bot.example.com", "x&y")),
		`<?xml version='1.0'?><stream:stream xmlns="jabber:component:accept" xmlns:stream="http://etherx.jabber.org/streams" from="bot.example.com" id="x&amp;y">`; got != want {
		t.Fatalf("header\n%s\nwant\n%s", got, want)
	}
	se := &StreamError{Condition: "not-authorized"}
	if got, want := string(Append(nil, se.Element(), NSComponent)),
		`<stream:error><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>`; got != want {
		t.Fatalf("stream error\n%s\nwant\n%s", got, want)
	}
}
