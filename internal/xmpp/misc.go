package xmpp

import (
	"runtime"
	"time"

	"hermod/internal/xmpp/xmlstream"
)

const (
	nsPing    = "urn:xmpp:ping"
	nsVersion = "jabber:iq:version"
	nsTime    = "urn:xmpp:time"
)

// pingModule answers XMPP ping (XEP-0199), to the server and on behalf of
// accounts.
func pingModule() *module {
	return &module{
		features: []string{nsPing}, accountFeatures: []string{nsPing},
		iq: map[string]iqHandler{nsPing: func(s *session, iq, _ *xmlstream.Element, to int64) (*xmlstream.Element, error) {
			if iq.Attr("type") != "get" {
				return nil, errBadRequest("")
			}
			if to != 0 && to != s.userID {
				if _, err := s.srv.svc.Users.Get(s.ctx(), to); err != nil {
					return nil, errServiceUnavailable("")
				}
			}
			return nil, nil
		}},
	}
}

// versionModule answers software version (XEP-0092) for the server.
func versionModule(version string) *module {
	return &module{
		features: []string{nsVersion},
		iq: map[string]iqHandler{nsVersion: func(s *session, iq, _ *xmlstream.Element, to int64) (*xmlstream.Element, error) {
			if iq.Attr("type") != "get" {
				return nil, errBadRequest("")
			}
			if to != 0 {
				return nil, errServiceUnavailable("")
			}
			return xmlstream.New(nsVersion, "query").Add(
				xmlstream.New(nsVersion, "name").AddText("hermod"),
				xmlstream.New(nsVersion, "version").AddText(version),
				xmlstream.New(nsVersion, "os").AddText(runtime.GOOS),
			), nil
		}},
	}
}

// timeModule answers entity time (XEP-0202) for the server, in UTC.
func timeModule() *module {
	return &module{
		features: []string{nsTime},
		iq: map[string]iqHandler{nsTime: func(s *session, iq, _ *xmlstream.Element, to int64) (*xmlstream.Element, error) {
			if iq.Attr("type") != "get" {
				return nil, errBadRequest("")
			}
			if to != 0 {
				return nil, errServiceUnavailable("")
			}
			return xmlstream.New(nsTime, "time").Add(
				xmlstream.New(nsTime, "tzo").AddText("+00:00"),
				xmlstream.New(nsTime, "utc").AddText(time.Now().UTC().Format("2006-01-02T15:04:05.000Z")),
			), nil
		}},
	}
}
