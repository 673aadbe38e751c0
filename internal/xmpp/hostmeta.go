package xmpp

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// Connection discovery (XEP-0156): /.well-known/host-meta (XRD) and
// /.well-known/host-meta.json (JRD) on the XMPP HTTP listeners list the
// WebSocket and BOSH endpoints, so that a browser client given only an
// address finds where to connect. The URLs are those of the listener the
// request came to (its Host, ws and http on the plain listener, wss and
// https on the TLS one), or of xmpp.public_web_url behind a proxy.

const (
	relWebSocket = "urn:xmpp:alt-connections:websocket"
	relBOSH      = "urn:xmpp:alt-connections:xbosh"
	nsXRD        = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
)

type hostMetaLink struct {
	Rel  string `json:"rel" xml:"rel,attr"`
	Href string `json:"href" xml:"href,attr"`
}

// connectionLinks are the endpoints as the client reaches them.
func (s *Server) connectionLinks(r *http.Request) []hostMetaLink {
	base := strings.TrimSuffix(s.opts.PublicWebURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	ws := "ws" + strings.TrimPrefix(base, "http") // http→ws, https→wss
	links := []hostMetaLink{{Rel: relWebSocket, Href: ws + "/xmpp-websocket"}}
	if s.boshEnabled() {
		links = append(links, hostMetaLink{Rel: relBOSH, Href: base + boshPath})
	}
	return links
}

// serveHostMeta answers both forms. Browsers fetch them from other
// origins, so any origin may read them.
func (s *Server) serveHostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	links := s.connectionLinks(r)
	if strings.HasSuffix(r.URL.Path, ".json") {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			Links []hostMetaLink `json:"links"`
		}{links})
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml")
	b, _ := xml.MarshalIndent(struct {
		XMLName xml.Name       `xml:"XRD"`
		NS      string         `xml:"xmlns,attr"`
		Links   []hostMetaLink `xml:"Link"`
	}{NS: nsXRD, Links: links}, "", "  ")
	w.Write([]byte(xml.Header))
	w.Write(b)
	w.Write([]byte("\n"))
}
