package xmpp

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/xdg-go/scram"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/sasl"
	"hermod/internal/xmpp/xmlstream"
)

// Namespaces of stream negotiation.
const (
	nsTLS      = "urn:ietf:params:xml:ns:xmpp-tls"
	nsSASL     = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind     = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession  = "urn:ietf:params:xml:ns:xmpp-session"
	nsStanzas  = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsSASLCB   = "urn:xmpp:sasl-cb:0"
	nsRegister = "jabber:iq:register"
)

// errRestart ends one stream of the negotiation: the client opens a new
// one (after STARTTLS or SASL).
var errRestart = errors.New("stream restart")

// negotiate runs streams until the client has bound a resource: RFC 6120
// sections 4 to 7.
func (s *session) negotiate() error {
	authenticated := false
	for {
		h, err := s.t.open(s.srv.opts.Limits)
		if err != nil {
			var se *xmlstream.StreamError
			if errors.As(err, &se) {
				s.t.write(s.t.opening(s.srv.opts.Domain, randomID())) // an error needs a stream to be sent on
			}
			return err
		}
		s.t.write(s.t.opening(s.srv.opts.Domain, randomID()))
		if d, err := jid.PrepDomain(h.To); err != nil || d != s.srv.opts.Domain {
			return &xmlstream.StreamError{Condition: "host-unknown", Text: "this server is " + s.srv.opts.Domain}
		}
		if h.Version != "" && !strings.HasPrefix(h.Version, "1.") {
			return &xmlstream.StreamError{Condition: "unsupported-version"}
		}
		s.t.write(xmlstream.Append(nil, s.features(authenticated), s.t.parentNS()))
		if err := s.t.flush(); err != nil {
			return err
		}
		for {
			el, err := s.t.next()
			if err != nil {
				return err
			}
			err = s.negotiateStep(el, &authenticated)
			if err == errRestart {
				break
			}
			if _, ok := err.(*resumedStream); ok {
				return err
			}
			if err != nil {
				return err
			}
			if s.bare != "" { // a resource is bound
				return nil
			}
		}
	}
}

// needsTLS reports whether the client must STARTTLS before authenticating.
func (s *session) needsTLS() bool {
	return s.t.tlsState() == nil && s.t.canStartTLS() && s.srv.opts.TLS != nil && s.srv.opts.RequireTLS
}

func (s *session) features(authenticated bool) *xmlstream.Element {
	f := xmlstream.New(xmlstream.NSStream, "features")
	if authenticated {
		f.Add(xmlstream.New(nsBind, "bind"))
		f.Add(xmlstream.New(nsSession, "session").Add(xmlstream.New(nsSession, "optional")))
		for _, m := range s.srv.modules {
			for _, sf := range m.streamFeatures {
				f.Add(xmlstream.New(sf[0], sf[1]))
			}
		}
		return f.Add(s.srv.serverCaps())
	}
	if s.t.tlsState() == nil && s.t.canStartTLS() && s.srv.opts.TLS != nil {
		st := xmlstream.New(nsTLS, "starttls")
		if s.srv.opts.RequireTLS {
			st.Add(xmlstream.New(nsTLS, "required"))
			return f.Add(st) // nothing else until the stream is encrypted
		}
		f.Add(st)
	}
	cfg := s.saslConfig()
	mechs := xmlstream.New(nsSASL, "mechanisms")
	for _, m := range cfg.Mechanisms() {
		mechs.Add(xmlstream.New(nsSASL, "mechanism").AddText(m))
	}
	f.Add(mechs)
	if types := cfg.BindingTypes(); len(types) > 0 {
		cb := xmlstream.New(nsSASLCB, "sasl-channel-binding")
		for _, t := range types {
			cb.Add(xmlstream.New(nsSASLCB, "channel-binding", "type", t))
		}
		f.Add(cb)
	}
	if s.srv.opts.AllowRegistration {
		f.Add(xmlstream.New("http://jabber.org/features/iq-register", "register"))
	}
	return f
}

func (s *session) negotiateStep(el *xmlstream.Element, authenticated *bool) error {
	switch {
	case el.Is(nsTLS, "starttls"):
		if *authenticated || !s.t.canStartTLS() || s.srv.opts.TLS == nil {
			s.t.write(xmlstream.Append(nil, xmlstream.New(nsTLS, "failure"), s.t.parentNS()))
			s.t.write(s.t.closing())
			s.t.flush()
			return errors.New("STARTTLS refused")
		}
		if !s.t.safeToUpgrade() {
			return &xmlstream.StreamError{Condition: "policy-violation", Text: "data after <starttls/>"}
		}
		s.t.write(xmlstream.Append(nil, xmlstream.New(nsTLS, "proceed"), s.t.parentNS()))
		if err := s.t.flush(); err != nil {
			return err
		}
		if err := s.t.startTLS(s.srv.opts.TLS, s.srv.opts.NegotiationTimeout); err != nil {
			return err
		}
		return errRestart
	case el.Is(nsSASL, "auth"):
		if *authenticated {
			return &xmlstream.StreamError{Condition: "policy-violation", Text: "already authenticated"}
		}
		if s.needsTLS() {
			s.saslFailure(&sasl.Failure{Condition: "encryption-required"})
			return s.t.flush()
		}
		ok, err := s.authenticate(el)
		if err != nil || !ok {
			return err
		}
		*authenticated = true
		return errRestart
	case el.Is(xmlstream.NSClient, "iq"):
		if !*authenticated {
			if q := el.Child(nsRegister, "query"); q != nil && s.srv.opts.AllowRegistration && !s.needsTLS() {
				s.t.write(xmlstream.Append(nil, s.registerBeforeAuth(el, q), s.t.parentNS()))
				return s.t.flush()
			}
			return &xmlstream.StreamError{Condition: "not-authorized"}
		}
		if b := el.Child(nsBind, "bind"); b != nil && el.Attr("type") == "set" {
			return s.bind(el, b)
		}
		s.t.write(xmlstream.Append(nil, stanzaError(el, errNotAllowed("bind a resource first")), s.t.parentNS()))
		return s.t.flush()
	case !*authenticated:
		return &xmlstream.StreamError{Condition: "not-authorized"}
	case el.Space == nsSM:
		return s.negotiateSM(el) // resumption (sm.go)
	default:
		return &xmlstream.StreamError{Condition: "unsupported-stanza-type"}
	}
}

// saslConfig is this connection's SASL offer: the -PLUS mechanisms with
// tls-exporter (TLS 1.3 only, RFC 9266) and tls-server-end-point when the
// connection is encrypted.
func (s *session) saslConfig() *sasl.Config {
	cfg := &sasl.Config{
		Lookup: s.lookupAccount, Secret: s.srv.secret, Verify: s.srv.svc.Users.CheckPassword,
		Authzid: func(id int64, authzid string) bool {
			j, err := jid.Parse(authzid)
			return err == nil && j.IsBare() && j.Domain == s.srv.opts.Domain && s.localID(j.Local) == id
		},
	}
	st := s.t.tlsState()
	if st == nil {
		return cfg
	}
	cfg.Secure = true
	if st.Version >= tls.VersionTLS13 {
		if cb, err := scram.NewTLSExporterBinding(st); err == nil {
			cfg.Bindings = append(cfg.Bindings, cb)
		}
	}
	if s.srv.endPoint != nil {
		cfg.Bindings = append(cfg.Bindings, scram.ChannelBinding{Type: scram.ChannelBindingTLSServerEndpoint, Data: s.srv.endPoint})
	}
	return cfg
}

func (s *session) lookupAccount(ctx context.Context, authcid string) (sasl.Account, error) {
	u, err := s.srv.svc.Users.Lookup(ctx, authcid)
	if err != nil {
		if domain.CodeOf(err) == status.ResourceNotFound {
			return sasl.Account{}, store.ErrNotFound
		}
		return sasl.Account{}, err
	}
	return sasl.Account{UserID: u.ID, Credentials: u.Credentials, Active: u.Active}, nil
}

// localID resolves a localpart of this domain to a user id: the numeric
// id, or a login name. 0 when there is no such user.
func (s *session) localID(local string) int64 {
	if id, err := strconv.ParseInt(local, 10, 64); err == nil && id > 0 {
		return id
	}
	if local == "" {
		return 0
	}
	u, err := s.srv.svc.Users.Lookup(s.ctx(), local)
	if err != nil {
		return 0
	}
	return u.ID
}

func (s *session) saslFailure(f *sasl.Failure) {
	el := xmlstream.New(nsSASL, "failure").Add(xmlstream.New(nsSASL, f.Condition))
	if f.Text != "" {
		el.Add(xmlstream.New(nsSASL, "text").AddText(f.Text))
	}
	s.t.write(xmlstream.Append(nil, el, s.t.parentNS()))
}

// authenticate runs one SASL exchange. A failure is reported to the client,
// which may try again; it ends the stream only on a broken connection.
func (s *session) authenticate(auth *xmlstream.Element) (bool, error) {
	now := time.Now()
	if !s.srv.throttle.Allowed(s.ip, now) {
		s.saslFailure(&sasl.Failure{Condition: "temporary-auth-failure", Text: "too many failed attempts; try again later"})
		return false, s.t.flush()
	}
	cfg := s.saslConfig()
	cfg.PlusTried = s.triedPlus
	mech := auth.Attr("mechanism")
	if strings.HasSuffix(mech, "-PLUS") {
		s.triedPlus = true
	}
	ex, err := cfg.Start(mech)
	if err != nil {
		s.saslFailure(err.(*sasl.Failure))
		return false, s.t.flush()
	}
	data, ok := saslData(auth.Text())
	for {
		if !ok {
			s.saslFailure(sasl.ErrIncorrectEncode)
			return false, s.t.flush()
		}
		var reply []byte
		var done bool
		if data == nil { // no initial response: ask for it with an empty challenge
			reply, err = nil, nil
		} else {
			reply, done, err = ex.Step(s.ctx(), data)
		}
		if err != nil {
			f, isFailure := err.(*sasl.Failure)
			if !isFailure {
				s.logger().Error("authentication failed", "err", err)
				f = &sasl.Failure{Condition: "temporary-auth-failure"}
			}
			if f == sasl.ErrNotAuthorized { // a wrong password, not a protocol mismatch
				s.srv.throttle.Failed(s.ip, now)
				s.srv.svc.Metrics.LoginFailed("xmpp")
			}
			s.saslFailure(f)
			return false, s.t.flush()
		}
		if done {
			s.userID = ex.UserID()
			el := xmlstream.New(nsSASL, "success")
			if len(reply) > 0 {
				el.AddText(base64.StdEncoding.EncodeToString(reply))
			}
			s.t.write(xmlstream.Append(nil, el, s.t.parentNS()))
			return true, s.t.flush()
		}
		ch := xmlstream.New(nsSASL, "challenge")
		if len(reply) > 0 {
			ch.AddText(base64.StdEncoding.EncodeToString(reply))
		}
		s.t.write(xmlstream.Append(nil, ch, s.t.parentNS()))
		if err := s.t.flush(); err != nil {
			return false, err
		}
		resp, err := s.t.next()
		if err != nil {
			return false, err
		}
		switch {
		case resp.Is(nsSASL, "response"):
			data, ok = saslData(resp.Text())
			if data == nil {
				data = []byte{}
			}
		case resp.Is(nsSASL, "abort"):
			s.saslFailure(&sasl.Failure{Condition: "aborted"})
			return false, s.t.flush()
		default:
			return false, &xmlstream.StreamError{Condition: "policy-violation", Text: "expected a SASL response"}
		}
	}
}

// saslData decodes SASL payload text: "" is no data (nil), "=" is empty.
func saslData(text string) ([]byte, bool) {
	text = strings.TrimSpace(text)
	switch text {
	case "":
		return nil, true
	case "=":
		return []byte{}, true
	}
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, false
	}
	return b, true
}

// bind binds the client's resource, or one the server makes up. A resource
// already bound by the same user is taken over: the older session ends
// with a conflict stream error (RFC 6120 section 7.7.2.2).
func (s *session) bind(iq, b *xmlstream.Element) error {
	res := strings.TrimSpace(b.ChildText(nsBind, "resource"))
	if res == "" {
		res = "hermod-" + strings.ToLower(randomID()[:8])
	}
	j, err := jid.New(strconv.FormatInt(s.userID, 10), s.srv.opts.Domain, res)
	if err != nil {
		s.t.write(xmlstream.Append(nil, stanzaError(iq, errBadRequest("malformed resource")), s.t.parentNS()))
		return s.t.flush()
	}
	var old *session
	count := 0
	for _, o := range s.srv.svc.Router.Sessions(s.userID) {
		if x, ok := o.(*session); ok {
			count++
			if x.jid.Resource == j.Resource {
				old = x
			}
		}
	}
	if old == nil && s.srv.opts.MaxResources > 0 && count >= s.srv.opts.MaxResources {
		s.t.write(xmlstream.Append(nil, stanzaError(iq, &stanzaErr{"wait", "resource-constraint", "too many resources are online", nil}), s.t.parentNS()))
		return s.t.flush()
	}
	if old != nil {
		old.closeWith(&xmlstream.StreamError{Condition: "conflict", Text: "replaced by a new session"})
	}
	s.jid, s.bare = j, j.Bare().String()
	res2 := xmlstream.New(xmlstream.NSClient, "iq", "type", "result", "id", iq.Attr("id")).
		Add(xmlstream.New(nsBind, "bind").Add(xmlstream.New(nsBind, "jid").AddText(j.String())))
	s.bindSent.Store(true) // before the client can act on it (see closeWith)
	s.t.write(xmlstream.Append(nil, res2, s.t.parentNS()))
	return s.t.flush() // run marks the session bound
}
