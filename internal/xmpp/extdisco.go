package xmpp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hermod/internal/xmpp/xmlstream"
)

// nsExtDisco is external service discovery (XEP-0215): clients ask the
// server for the STUN and TURN servers their calls (Jingle) should use.
// It exists only when xmpp.external_services names some. With a TURN
// secret, TURN services come with temporary credentials in the style of
// the TURN REST API that coturn (use-auth-secret) and others check: the
// username is "<expiry unix time>:<user id>", the password the base64
// HMAC-SHA1 of the username under the shared secret.
const nsExtDisco = "urn:xmpp:extdisco:2"

// ExternalService is a STUN or TURN server.
type ExternalService struct {
	Type      string // stun, stuns, turn, turns
	Host      string
	Port      int
	Transport string // udp, tcp
}

// ParseExternalServices reads a comma-separated list of STUN and TURN URIs
// (RFC 7064, RFC 7065): "stun:stun.example.com",
// "turn:turn.example.com:3478?transport=tcp", "turns:turn.example.com".
func ParseExternalServices(list string) ([]ExternalService, error) {
	var out []ExternalService
	for _, uri := range strings.Split(list, ",") {
		uri = strings.TrimSpace(uri)
		if uri == "" {
			continue
		}
		scheme, rest, ok := strings.Cut(uri, ":")
		s := ExternalService{Type: strings.ToLower(scheme), Transport: "udp", Port: 3478}
		switch s.Type {
		case "stun", "turn":
		case "stuns", "turns":
			s.Transport, s.Port = "tcp", 5349
		default:
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("external service %q: not a stun:, stuns:, turn: or turns: URI", uri)
		}
		hostport, query, _ := strings.Cut(rest, "?")
		if query != "" {
			q, err := url.ParseQuery(query)
			if err != nil || len(q) != 1 || (q.Get("transport") != "udp" && q.Get("transport") != "tcp") {
				return nil, fmt.Errorf("external service %q: the only parameter is transport=udp or tcp", uri)
			}
			s.Transport = q.Get("transport")
		}
		s.Host = hostport
		if h, p, err := net.SplitHostPort(hostport); err == nil {
			port, err := strconv.Atoi(p)
			if err != nil || port < 1 || port > 65535 {
				return nil, fmt.Errorf("external service %q: bad port", uri)
			}
			s.Host, s.Port = h, port
		}
		if s.Host == "" || strings.ContainsAny(s.Host, "/@ ") {
			return nil, fmt.Errorf("external service %q: bad host", uri)
		}
		out = append(out, s)
	}
	return out, nil
}

// extdiscoModule answers services and credentials requests, and is
// announced, only when services are configured.
func extdiscoModule(opts Options) *module {
	if len(opts.ExternalServices) == 0 {
		return &module{}
	}
	return &module{
		features: []string{nsExtDisco},
		iq: map[string]iqHandler{
			nsExtDisco: (*session).externalServices,
		},
	}
}

// externalServices answers <services/> (optionally of one type) and
// <credentials/> for one service (XEP-0215 sections 3.1 and 3.3).
func (s *session) externalServices(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" || to != 0 {
		return nil, errBadRequest("")
	}
	switch q.Local {
	case "services":
		out := xmlstream.New(nsExtDisco, "services")
		for _, svc := range s.srv.opts.ExternalServices {
			if t := q.Attr("type"); t == "" || t == svc.Type {
				out.Add(s.serviceElement(svc))
			}
		}
		if t := q.Attr("type"); t != "" {
			out.SetAttr("type", t)
		}
		return out, nil
	case "credentials":
		want := q.Child(nsExtDisco, "service")
		if want == nil || want.Attr("host") == "" {
			return nil, errBadRequest("name the service by host and type")
		}
		out := xmlstream.New(nsExtDisco, "credentials")
		for _, svc := range s.srv.opts.ExternalServices {
			if svc.Host == want.Attr("host") && (want.Attr("type") == "" || want.Attr("type") == svc.Type) &&
				(want.Attr("port") == "" || want.Attr("port") == strconv.Itoa(svc.Port)) {
				out.Add(s.serviceElement(svc))
			}
		}
		if len(out.Children) == 0 {
			return nil, errItemNotFound("no such service")
		}
		return out, nil
	}
	return nil, errBadRequest("expected <services/> or <credentials/>")
}

// serviceElement describes a service, with temporary credentials for a
// TURN server when a secret is configured.
func (s *session) serviceElement(svc ExternalService) *xmlstream.Element {
	el := xmlstream.New(nsExtDisco, "service", "type", svc.Type, "host", svc.Host,
		"port", strconv.Itoa(svc.Port), "transport", svc.Transport)
	if secret := s.srv.opts.TURNSecret; secret != "" && strings.HasPrefix(svc.Type, "turn") {
		expires := time.Now().Add(s.srv.opts.TURNCredentialTTL).Truncate(time.Second)
		user, pass := turnCredentials(secret, expires, s.userID)
		el.SetAttr("username", user)
		el.SetAttr("password", pass)
		el.SetAttr("expires", expires.UTC().Format(time.RFC3339))
		el.SetAttr("restricted", "1")
	}
	return el
}

// turnCredentials are the TURN REST API's temporary credentials.
func turnCredentials(secret string, expires time.Time, userID int64) (string, string) {
	user := strconv.FormatInt(expires.Unix(), 10) + ":" + strconv.FormatInt(userID, 10)
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(user))
	return user, base64.StdEncoding.EncodeToString(m.Sum(nil))
}
