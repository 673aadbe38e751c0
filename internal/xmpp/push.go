package xmpp

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// Push notifications (XEP-0357): a mobile client registers an app server
// (a JID and a pubsub node, with publish-options such as the device's
// token); when a message arrives for the user and no session would see it
// now (none is available, or all are inactive or detached), the server
// publishes a summary to that node, and the app server wakes the phone.
//
// hermod has no server-to-server connections, so an app server is only
// reached when its JID is local: an account of this server, or an external
// component (XEP-0114) it accepts. Registering a remote app server is
// refused with remote-server-not-found.
//
// Registrations are kept per account in the store (under the push
// namespace of private XML, which XEP-0049 requests cannot read or change).
const (
	nsPush        = "urn:xmpp:push:0"
	nsPushSummary = "urn:xmpp:push:summary"
	// pushMaxRegistrations caps an account's app servers (one per device
	// and app, in practice).
	pushMaxRegistrations = 20
)

func pushModule() *module {
	return &module{
		accountFeatures: []string{nsPush},
		iq:              map[string]iqHandler{nsPush: (*session).pushIQ},
	}
}

func init() {
	// The registrations are the server's: private XML requests see none
	// and may not change them.
	privateProviders[nsPush] = &privateProvider{get: func(*session) (*xmlstream.Element, error) { return nil, nil }}
}

// pushReg is one registered app server.
type pushReg struct {
	jid     string
	node    string
	options *xmlstream.Element // the publish-options form, or nil
}

// pushRegistry caches registrations by user (a nil slice once loaded:
// none) and counts the messages each user was notified of since a session
// of theirs was last seen.
type pushRegistry struct {
	mu      sync.Mutex
	byUser  map[int64][]pushReg
	pending map[int64]int
}

func (s *session) pushIQ(iq, p *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if iq.Attr("type") != "set" || to != s.userID {
		return nil, errBadRequest("push is enabled or disabled with an IQ set to your own account")
	}
	j, err := jid.Parse(p.Attr("jid"))
	if err != nil {
		return nil, &stanzaErr{"modify", "jid-malformed", "the app server's jid is not a JID", nil}
	}
	node := p.Attr("node")
	switch p.Local {
	case "enable":
		if node == "" {
			return nil, errBadRequest("enable needs a node")
		}
		_, component := s.srv.componentDomain(j.String())
		if !component && (j.Domain != s.srv.opts.Domain || s.localID(j.Local) == 0) {
			return nil, &stanzaErr{"cancel", "remote-server-not-found", "the app server must be an account or a component of this server (hermod has no server-to-server connections)", nil}
		}
		reg := pushReg{jid: j.String(), node: node}
		if x := p.Child(nsData, "x"); x != nil {
			reg.options = x.Copy()
		}
		return nil, s.srv.updatePush(s.userID, func(regs []pushReg) ([]pushReg, error) {
			regs = removePush(regs, reg.jid, node)
			if len(regs) >= pushMaxRegistrations {
				return nil, &stanzaErr{"wait", "resource-constraint", "too many app servers registered", nil}
			}
			return append(regs, reg), nil
		})
	case "disable":
		return nil, s.srv.updatePush(s.userID, func(regs []pushReg) ([]pushReg, error) {
			return removePush(regs, j.String(), node), nil
		})
	}
	return nil, errBadRequest("expected enable or disable")
}

// removePush removes the registrations of an app server and node ("": all
// its nodes).
func removePush(regs []pushReg, jid, node string) []pushReg {
	out := regs[:0:0]
	for _, r := range regs {
		if r.jid != jid || (node != "" && r.node != node) {
			out = append(out, r)
		}
	}
	return out
}

// pushRegs returns a user's registrations, loading them once.
func (s *Server) pushRegs(userID int64) ([]pushReg, error) {
	r := &s.pushes
	r.mu.Lock()
	regs, ok := r.byUser[userID]
	r.mu.Unlock()
	if ok {
		return regs, nil
	}
	b, err := s.svc.Store.PrivateXML().Get(context.Background(), userID, nsPush)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	regs = nil
	if len(b) > 0 {
		el, err := xmlstream.Parse(b, xmlstream.Limits{MaxStanzaBytes: 1 << 20, MaxDepth: 32})
		if err != nil {
			return nil, err
		}
		for _, e := range el.Elements() {
			reg := pushReg{jid: e.Attr("jid"), node: e.Attr("node"), options: e.Child(nsData, "x")}
			regs = append(regs, reg)
		}
	}
	r.mu.Lock()
	if r.byUser == nil {
		r.byUser = make(map[int64][]pushReg)
	}
	r.byUser[userID] = regs
	r.mu.Unlock()
	return regs, nil
}

// updatePush changes a user's registrations in the store and the cache.
func (s *Server) updatePush(userID int64, change func([]pushReg) ([]pushReg, error)) error {
	regs, err := s.pushRegs(userID)
	if err != nil {
		return err
	}
	regs, err = change(regs)
	if err != nil {
		return err
	}
	doc := xmlstream.New(nsPush, "registrations")
	for _, r := range regs {
		e := xmlstream.New(nsPush, "enable", "jid", r.jid, "node", r.node)
		if r.options != nil {
			e.Add(r.options)
		}
		doc.Add(e)
	}
	if err := s.svc.Store.PrivateXML().Put(context.Background(), userID, nsPush, xmlstream.Append(nil, doc, ""), domain.Now()); err != nil {
		return err
	}
	s.pushes.mu.Lock()
	s.pushes.byUser[userID] = regs
	s.pushes.mu.Unlock()
	if s.opts.Changed != nil {
		s.opts.Changed(TopicPush, userID)
	}
	return nil
}

// TopicPush names a user's push registrations among the things the
// adapter caches (see Options.Changed and Forget).
const TopicPush = "xmpp-push"

// Forget drops what the adapter cached of id under topic, because another
// node changed it.
func (s *Server) Forget(topic string, id int64) {
	if topic == TopicPush {
		s.pushes.mu.Lock()
		delete(s.pushes.byUser, id)
		s.pushes.mu.Unlock()
	}
}

// pushSeen resets the count of messages a user was notified of: a session
// of theirs is back.
func (s *Server) pushSeen(userID int64) {
	s.pushes.mu.Lock()
	delete(s.pushes.pending, userID)
	s.pushes.mu.Unlock()
}

// Observe sees every event after the router delivered it (the server
// wires it behind the message service's publisher): a private message for
// a user no session would show it to now is a push notification.
func (s *Server) Observe(_ context.Context, _ []int64, ev *event.Event) {
	p, ok := ev.Payload.(*event.MessageCreated)
	if !ok {
		return
	}
	m := &p.Message
	if m.IsGroup() || m.IsSystem || m.RecipientID == m.SenderID {
		return
	}
	regs, err := s.pushRegs(m.RecipientID)
	if err != nil {
		s.log.Warn("reading push registrations", "user", m.RecipientID, "err", err)
		return
	}
	if len(regs) == 0 || s.reachable(m.RecipientID) {
		return
	}
	s.pushes.mu.Lock()
	if s.pushes.pending == nil {
		s.pushes.pending = make(map[int64]int)
	}
	s.pushes.pending[m.RecipientID]++
	count := s.pushes.pending[m.RecipientID]
	s.pushes.mu.Unlock()
	for _, r := range regs {
		s.notifyPush(m, r, count)
	}
}

// reachable reports that a session of the user would show a message now:
// any Turms session, or an XMPP session that is available, active and
// attached.
func (s *Server) reachable(userID int64) bool {
	for _, o := range s.svc.Router.Sessions(userID) {
		x, isXMPP := o.(*session)
		if !isXMPP {
			return true
		}
		if x.available.Load() && !x.csi.inactive.Load() && !x.smDetached() {
			return true
		}
	}
	// On other nodes: a Turms session, or an available XMPP resource (its
	// client state is not in the registry).
	_, remote := s.svc.Router.Snapshot(userID)
	for _, r := range remote {
		if _, p, isXMPP := remoteResource(r.Info); !isXMPP || p != nil {
			return true
		}
	}
	return false
}

// notifyPush publishes a summary of the user's pending messages to an app
// server's node.
func (s *Server) notifyPush(m *store.Message, r pushReg, count int) {
	to, err := jid.Parse(r.jid)
	if err != nil {
		return
	}
	form := xmlstream.New(nsData, "x", "type", "submit").
		Add(dataField("FORM_TYPE", nsPushSummary)).
		Add(dataField("message-count", strconv.Itoa(count))).
		Add(dataField("last-message-sender", s.bareJID(m.SenderID)))
	if s.opts.PushBody && m.Text != "" {
		form.Add(dataField("last-message-body", m.Text))
	}
	ps := xmlstream.New(nsPubSub, "pubsub").Add(
		xmlstream.New(nsPubSub, "publish", "node", r.node).Add(
			xmlstream.New(nsPubSub, "item").Add(
				xmlstream.New(nsPush, "notification").Add(form))))
	if r.options != nil {
		ps.Add(xmlstream.New(nsPubSub, "publish-options").Add(r.options))
	}
	iq := xmlstream.New(xmlstream.NSClient, "iq", "type", "set", "from", s.bareJID(m.RecipientID), "to", r.jid,
		"id", "push-"+strconv.FormatInt(m.ID, 10)).Add(ps)
	if d, ok := s.componentDomain(r.jid); ok {
		if c := s.comps.get(d); c == nil || !c.send(iq) {
			s.log.Debug("push app server not connected or not keeping up", "component", d)
		}
		return
	}
	appUser := s.localUser(to.Local)
	if to.Domain != s.opts.Domain || appUser == 0 {
		return
	}
	s.svc.Router.Publish(context.Background(), []int64{appUser}, &event.Event{
		RequesterID: m.RecipientID,
		Payload:     &event.Relayed{FromID: m.RecipientID, ToID: appUser},
		Origin:      &stanzaOrigin{el: iq, toResource: to.Resource},
	})
}

func dataField(name, value string) *xmlstream.Element {
	return xmlstream.New(nsData, "field", "var", name).Add(xmlstream.New(nsData, "value").AddText(value))
}

// localUser resolves a localpart of this domain (numeric id or login
// name) without a session.
func (s *Server) localUser(local string) int64 {
	if id, err := strconv.ParseInt(local, 10, 64); err == nil && id > 0 {
		return id
	}
	if local == "" {
		return 0
	}
	u, err := s.svc.Users.Lookup(context.Background(), local)
	if err != nil {
		return 0
	}
	return u.ID
}
