package xmpp_test

import (
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"testing"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmpptest"
)

// hostMeta fetches both forms of host-meta and returns each one's links
// by relation, failing unless they agree.
func hostMeta(t *testing.T, base string) map[string]string {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer hc.CloseIdleConnections()
	get := func(path, wantType string) []byte {
		resp, err := hc.Get(base + path)
		must(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		must(t, err)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != wantType || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("GET %s: %d %v\n%s", path, resp.StatusCode, resp.Header, b)
		}
		return b
	}
	var xrd struct {
		XMLName xml.Name `xml:"http://docs.oasis-open.org/ns/xri/xrd-1.0 XRD"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"Link"`
	}
	must(t, xml.Unmarshal(get("/.well-known/host-meta", "application/xrd+xml"), &xrd))
	var jrd struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	must(t, json.Unmarshal(get("/.well-known/host-meta.json", "application/json"), &jrd))
	links := map[string]string{}
	for _, l := range xrd.Links {
		links[l.Rel] = l.Href
	}
	if len(jrd.Links) != len(xrd.Links) {
		t.Fatalf("XRD %v and JRD %v differ", xrd.Links, jrd.Links)
	}
	for _, l := range jrd.Links {
		if links[l.Rel] != l.Href {
			t.Fatalf("XRD %v and JRD %v differ", xrd.Links, jrd.Links)
		}
	}
	return links
}

// TestHostMeta discovers the WebSocket and BOSH endpoints (XEP-0156) on
// each HTTP listener and logs in at the URLs found.
func TestHostMeta(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	for _, tt := range []struct{ listener, base, ws string }{
		{"ws", "http://" + e.addr("ws"), "ws://" + e.addr("ws") + "/xmpp-websocket"},
		{"wss", "https://" + e.addr("wss"), "wss://" + e.addr("wss") + "/xmpp-websocket"},
	} {
		t.Run(tt.listener, func(t *testing.T) {
			links := hostMeta(t, tt.base)
			if got := links["urn:xmpp:alt-connections:websocket"]; got != tt.ws {
				t.Fatalf("the WebSocket link is %q, want %q (links %v)", got, tt.ws, links)
			}
			c, err := xmpptest.DialWS(links["urn:xmpp:alt-connections:websocket"], domain)
			must(t, err)
			defer c.Close()
			must(t, c.Login("1001", pw(1001), "web"))
			if got := links["urn:xmpp:alt-connections:xbosh"]; got != tt.base+"/http-bind" {
				t.Fatalf("the BOSH link is %q (links %v)", got, links)
			}
			b := newBOSHClient(t, links["urn:xmpp:alt-connections:xbosh"])
			if full := b.login("1001", pw(1001), "bosh"); full != jidOf(1001)+"/bosh" {
				t.Fatalf("bound %q over BOSH", full)
			}
			b.send([]string{"type", "terminate"}, "")
		})
	}
}

// TestHostMetaPublicURL announces the configured public URL, as behind a
// proxy.
func TestHostMetaPublicURL(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.PublicWebURL = "https://chat.example.test/" })
	links := hostMeta(t, "http://"+e.addr("ws"))
	if got := links["urn:xmpp:alt-connections:websocket"]; got != "wss://chat.example.test/xmpp-websocket" {
		t.Fatalf("the WebSocket link is %q (links %v)", got, links)
	}
}
