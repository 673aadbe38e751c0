package xmpp

import (
	"errors"
	"slices"
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// PEP (XEP-0163): every account is a publish-subscribe service (XEP-0060)
// of its own. The owner publishes items to nodes (auto-created, configured
// by publish-options); contacts whose client announces "<node>+notify" in
// its entity capabilities get each item as it is published, and the last
// one when they come online. Nodes and items live in the store, except
// nodes served by a pepProvider from elsewhere (the profile picture, the
// name, the user's groups).
const (
	nsPubSub       = "http://jabber.org/protocol/pubsub"
	nsPubSubOwner  = nsPubSub + "#owner"
	nsPubSubEvent  = nsPubSub + "#event"
	nsPubSubErrors = nsPubSub + "#errors"
	nsData         = "jabber:x:data"
)

// Access models (XEP-0060 section 4.5) PEP nodes may have.
const (
	accessOpen      = "open"
	accessPresence  = "presence"
	accessRoster    = "roster"
	accessWhitelist = "whitelist"
)

func pepModule() *module {
	var features []string
	for _, f := range []string{
		"access-open", "access-presence", "access-roster", "access-whitelist", "auto-create", "auto-subscribe",
		"config-node", "create-and-configure", "create-nodes", "delete-items", "delete-nodes", "filtered-notifications",
		"item-ids", "last-published", "persistent-items", "publish", "publish-options", "purge-nodes",
		"retract-items", "retrieve-default", "retrieve-items",
	} {
		features = append(features, nsPubSub+"#"+f)
	}
	return &module{
		accountFeatures:   append(features, nsPubSub),
		accountIdentities: [][2]string{{"pubsub", "pep"}},
		iq:                map[string]iqHandler{nsPubSub: (*session).pubsub, nsPubSubOwner: (*session).pubsubOwner},
	}
}

// pepItem is one item of a node: its id and its payload, serialized.
type pepItem struct {
	id      string
	payload []byte
}

// pepProvider serves a node whose items are kept elsewhere than in the PEP
// store: the profile picture as an avatar, the name as a nickname, the
// user's groups as bookmarks. The node exists for every account.
type pepProvider struct {
	// access is the node's access model.
	access string
	// items returns owner's items, newest first: those with the ids, or
	// all when ids is empty, at most max when max > 0. s is the viewer's
	// session, whose access the caller has checked.
	items func(s *session, owner int64, ids []string, max int) ([]pepItem, error)
	// publish takes an item the owner publishes and returns it as stored
	// (its id may change); nil makes the node read-only. Notifications are
	// the caller's.
	publish func(s *session, it pepItem, payload *xmlstream.Element) (pepItem, error)
	// retract removes an item; nil refuses.
	retract func(s *session, id string) error
	// byProfile marks nodes derived from the profile: their followers are
	// told by the profile change a publish makes (which Turms clients
	// make too), not by the publish.
	byProfile bool
}

// pepProviders are the provided nodes by name. Files register theirs in
// init.
var pepProviders = map[string]*pepProvider{}

// node is a node as handlers see it: in the store, or provided.
type node struct {
	owner    int64
	name     string
	cfg      nodeConfig
	provider *pepProvider
	exists   bool
}

// node looks up a node of owner; exists is false when it is neither
// provided nor stored.
func (s *session) node(owner int64, name string) (*node, error) {
	if p := pepProviders[name]; p != nil {
		cfg := defaultNodeConfig()
		cfg.Access, cfg.MaxItems = p.access, s.srv.opts.PEPMaxItems
		return &node{owner: owner, name: name, cfg: cfg, provider: p, exists: true}, nil
	}
	n, err := s.srv.svc.Store.PEP().Node(s.ctx(), owner, name)
	if errors.Is(err, store.ErrNotFound) {
		return &node{owner: owner, name: name, cfg: defaultNodeConfig()}, nil
	}
	if err != nil {
		return nil, err
	}
	return &node{owner: owner, name: name, cfg: configOf(n), exists: true}, nil
}

// items returns a node's items, newest first.
func (s *session) items(n *node, ids []string, max int) ([]pepItem, error) {
	if n.provider != nil {
		return n.provider.items(s, n.owner, ids, max)
	}
	stored, err := s.srv.svc.Store.PEP().Items(s.ctx(), n.owner, n.name, ids, max)
	if err != nil {
		return nil, err
	}
	out := make([]pepItem, len(stored))
	for i, it := range stored {
		out[i] = pepItem{id: it.ItemID, payload: it.Payload}
	}
	return out, nil
}

// pubsubErr is a stanza error with a pubsub#errors condition.
func pubsubErr(e *stanzaErr, cond string, attrs ...string) *stanzaErr {
	e.app = xmlstream.New(nsPubSubErrors, cond, attrs...)
	return e
}

// mayRead checks that this session's user may read owner's node of the
// given access model.
func (s *session) mayRead(owner int64, access string) error {
	if owner == s.userID {
		return nil
	}
	switch access {
	case accessOpen:
		if blocked, err := s.srv.svc.Relations.IsBlocked(s.ctx(), owner, s.userID); err != nil || blocked {
			return errItemNotFound("")
		}
		return nil
	case accessPresence:
		if s.receivesPresenceOf(owner) {
			return nil
		}
		return pubsubErr(&stanzaErr{"auth", "not-authorized", "", nil}, "presence-subscription-required")
	case accessRoster:
		if s.receivesPresenceOf(owner) {
			return nil
		}
		return pubsubErr(&stanzaErr{"auth", "not-authorized", "", nil}, "not-in-roster-group")
	}
	return pubsubErr(errNotAllowed(""), "closed-node")
}

func (s *session) pubsub(iq, ps *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to == 0 {
		return nil, errFeatureNotImplemented("PEP nodes are on account addresses; this server has no pubsub service")
	}
	children := ps.Elements()
	if len(children) == 0 {
		return nil, errBadRequest("an empty pubsub request")
	}
	first := children[0]
	if first.Space != nsPubSub {
		return nil, errBadRequest("")
	}
	if iq.Attr("type") == "get" {
		switch first.Local {
		case "items":
			return s.pepItems(to, first)
		case "subscriptions", "affiliations":
			return xmlstream.New(nsPubSub, "pubsub").Add(xmlstream.New(nsPubSub, first.Local)), nil
		}
		return nil, pubsubErr(errFeatureNotImplemented(""), "unsupported", "feature", first.Local)
	}
	if to != s.userID {
		return nil, errForbidden("only the account's owner publishes to its nodes")
	}
	switch first.Local {
	case "publish":
		var opts *xmlstream.Element
		if po := ps.Child(nsPubSub, "publish-options"); po != nil {
			opts = po.Child(nsData, "x")
		}
		return s.pepPublish(first, opts)
	case "retract":
		return nil, s.pepRetract(first)
	case "create":
		var form *xmlstream.Element
		if c := ps.Child(nsPubSub, "configure"); c != nil {
			form = c.Child(nsData, "x")
		}
		return nil, s.pepCreate(first.Attr("node"), form)
	case "subscribe", "unsubscribe", "options":
		// Contacts are subscribed by their presence subscription and their
		// client's +notify interests (XEP-0163 section 4).
		return nil, pubsubErr(errFeatureNotImplemented("PEP subscriptions follow presence and entity capabilities"), "unsupported", "feature", "subscribe")
	}
	return nil, pubsubErr(errFeatureNotImplemented(""), "unsupported", "feature", first.Local)
}

func nodeRequired() *stanzaErr {
	return pubsubErr(errBadRequest("a node is required"), "nodeid-required")
}

// pepItems answers a request for items (XEP-0060 section 6.5).
func (s *session) pepItems(owner int64, req *xmlstream.Element) (*xmlstream.Element, error) {
	name := req.Attr("node")
	if name == "" {
		return nil, nodeRequired()
	}
	if owner != s.userID {
		if _, err := s.srv.svc.Users.Get(s.ctx(), owner); err != nil {
			return nil, errItemNotFound("")
		}
	}
	n, err := s.node(owner, name)
	if err != nil {
		return nil, err
	}
	if !n.exists {
		return nil, errItemNotFound("no such node")
	}
	if err := s.mayRead(owner, n.cfg.Access); err != nil {
		return nil, err
	}
	var ids []string
	for _, it := range req.Elements() {
		if it.Is(nsPubSub, "item") && it.Attr("id") != "" {
			ids = append(ids, it.Attr("id"))
		}
	}
	max := 0
	if m := req.Attr("max_items"); m != "" {
		if max, err = strconv.Atoi(m); err != nil || max < 1 {
			return nil, errBadRequest("max_items is a positive number")
		}
	}
	its, err := s.items(n, ids, max)
	if err != nil {
		return nil, err
	}
	out := xmlstream.New(nsPubSub, "items", "node", name)
	for _, it := range slices.Backward(its) { // oldest first, as published
		out.Add(itemElement(nsPubSub, it))
	}
	return xmlstream.New(nsPubSub, "pubsub").Add(out), nil
}

func itemElement(ns string, it pepItem) *xmlstream.Element {
	el := xmlstream.New(ns, "item", "id", it.id)
	if len(it.payload) > 0 {
		el.Children = append(el.Children, xmlstream.Raw(it.payload))
	}
	return el
}

// pepPublish publishes one item (XEP-0060 section 7.1), creating the node
// on first use with the publish-options as its configuration, or checking
// them as preconditions of an existing node (section 7.1.5).
func (s *session) pepPublish(pub, opts *xmlstream.Element) (*xmlstream.Element, error) {
	name := pub.Attr("node")
	if name == "" {
		return nil, nodeRequired()
	}
	items := pub.Elements()
	if len(items) != 1 || !items[0].Is(nsPubSub, "item") {
		return nil, pubsubErr(errBadRequest("publish exactly one item"), "invalid-payload")
	}
	payloads := items[0].Elements()
	if len(payloads) != 1 {
		return nil, pubsubErr(errBadRequest("an item has exactly one payload element"), "invalid-payload")
	}
	payload := xmlstream.Append(nil, payloads[0], "")
	if len(payload) > s.srv.opts.PEPMaxItemBytes && pepProviders[name] == nil {
		return nil, pubsubErr(errNotAcceptable("the item exceeds "+strconv.Itoa(s.srv.opts.PEPMaxItemBytes)+" bytes"), "payload-too-big")
	}
	it := pepItem{id: items[0].Attr("id"), payload: payload}
	if it.id == "" {
		it.id = randomID()
	}
	n, err := s.node(s.userID, name)
	if err != nil {
		return nil, err
	}
	if opts != nil {
		if err := checkForm(opts, nsPubSub+"#publish-options"); err != nil {
			return nil, err
		}
	}
	switch {
	case n.provider != nil:
		// A provided node's configuration is the server's: publish-options
		// are not preconditions here, so that clients asking for another
		// access model still set their avatar or nickname.
		if n.provider.publish == nil {
			return nil, errForbidden("this node is read-only")
		}
		if it, err = n.provider.publish(s, it, payloads[0]); err != nil {
			return nil, err
		}
	default:
		if !n.exists {
			if err := s.mayCreateNode(); err != nil {
				return nil, err
			}
			if opts != nil {
				if err := n.cfg.apply(opts, s.srv.opts.PEPMaxItems); err != nil {
					return nil, err
				}
			}
			if err := s.putNode(n); err != nil {
				return nil, err
			}
		} else if opts != nil && !n.cfg.satisfies(opts, s.srv.opts.PEPMaxItems) {
			return nil, preconditionNotMet()
		}
		err := s.srv.svc.Store.PEP().PublishItem(s.ctx(), &store.PEPItem{
			OwnerID: s.userID, Node: name, ItemID: it.id, Payload: it.payload, PublisherID: s.userID, PublishedDate: domain.Now(),
		})
		if err != nil {
			return nil, err
		}
	}
	if n.provider == nil || !n.provider.byProfile {
		s.srv.notifyPEP(s.userID, &pepNotice{owner: s.userID, node: name, access: n.cfg.Access, items: []pepItem{it}})
	}
	return xmlstream.New(nsPubSub, "pubsub").Add(
		xmlstream.New(nsPubSub, "publish", "node", name).Add(xmlstream.New(nsPubSub, "item", "id", it.id))), nil
}

func preconditionNotMet() *stanzaErr {
	return pubsubErr(&stanzaErr{"cancel", "conflict", "the node's configuration differs from the publish-options", nil}, "precondition-not-met")
}

// mayCreateNode checks the account's node limit.
func (s *session) mayCreateNode() error {
	nodes, err := s.srv.svc.Store.PEP().Nodes(s.ctx(), s.userID)
	if err != nil {
		return err
	}
	if len(nodes) >= s.srv.opts.PEPMaxNodes {
		return &stanzaErr{"wait", "resource-constraint", "an account has at most " + strconv.Itoa(s.srv.opts.PEPMaxNodes) + " nodes", nil}
	}
	return nil
}

func (s *session) putNode(n *node) error {
	return s.srv.svc.Store.PEP().PutNode(s.ctx(), &store.PEPNode{
		OwnerID: n.owner, Node: n.name, AccessModel: n.cfg.Access, MaxItems: n.cfg.MaxItems,
		Config: n.cfg.encode(), CreationDate: domain.Now(),
	})
}

// pepCreate creates a node (XEP-0060 section 8.1), configured by form.
func (s *session) pepCreate(name string, form *xmlstream.Element) error {
	if name == "" {
		return nodeRequired()
	}
	n, err := s.node(s.userID, name)
	if err != nil {
		return err
	}
	if n.exists {
		return &stanzaErr{"cancel", "conflict", "the node exists", nil}
	}
	if err := s.mayCreateNode(); err != nil {
		return err
	}
	if form != nil {
		if err := checkForm(form, nsPubSub+"#node_config"); err != nil {
			return err
		}
		if err := n.cfg.apply(form, s.srv.opts.PEPMaxItems); err != nil {
			return err
		}
	}
	return s.putNode(n)
}

// pepRetract deletes an item (XEP-0060 section 7.2) and tells the
// node's followers when asked to or configured so.
func (s *session) pepRetract(r *xmlstream.Element) error {
	name := r.Attr("node")
	if name == "" {
		return nodeRequired()
	}
	it := r.Child(nsPubSub, "item")
	if it == nil || it.Attr("id") == "" {
		return pubsubErr(errBadRequest("retract names an item"), "item-required")
	}
	n, err := s.node(s.userID, name)
	if err != nil {
		return err
	}
	switch {
	case !n.exists:
		return errItemNotFound("no such node")
	case n.provider != nil:
		if n.provider.retract == nil {
			return errForbidden("this node's items cannot be retracted")
		}
		err = n.provider.retract(s, it.Attr("id"))
	default:
		err = s.srv.svc.Store.PEP().RetractItem(s.ctx(), s.userID, name, it.Attr("id"))
		if errors.Is(err, store.ErrNotFound) {
			return errItemNotFound("no such item")
		}
	}
	if err != nil {
		return err
	}
	if notify := r.Attr("notify"); notify == "1" || notify == "true" || n.cfg.NotifyRetract {
		s.srv.notifyPEP(s.userID, &pepNotice{owner: s.userID, node: name, access: n.cfg.Access, retracted: []string{it.Attr("id")}})
	}
	return nil
}

// pubsubOwner answers the owner's requests (XEP-0060 section 8):
// configuration, default configuration, deletion and purging.
func (s *session) pubsubOwner(iq, ps *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != s.userID {
		return nil, errForbidden("only the account's owner manages its nodes")
	}
	first := ps.FirstElement()
	if first == nil || first.Space != nsPubSubOwner {
		return nil, errBadRequest("")
	}
	get := iq.Attr("type") == "get"
	if first.Local == "default" && get {
		return xmlstream.New(nsPubSubOwner, "pubsub").Add(
			xmlstream.New(nsPubSubOwner, "default").Add(defaultNodeConfig().form(s.srv.opts.PEPMaxItems))), nil
	}
	name := first.Attr("node")
	if name == "" {
		return nil, nodeRequired()
	}
	n, err := s.node(s.userID, name)
	if err != nil {
		return nil, err
	}
	if !n.exists {
		return nil, errItemNotFound("no such node")
	}
	switch {
	case first.Local == "configure" && get:
		return xmlstream.New(nsPubSubOwner, "pubsub").Add(
			xmlstream.New(nsPubSubOwner, "configure", "node", name).Add(n.cfg.form(s.srv.opts.PEPMaxItems))), nil
	case n.provider != nil && !get:
		return nil, errNotAllowed("this node is kept by the server and cannot be changed")
	case first.Local == "configure" && !get:
		form := first.Child(nsData, "x")
		if form == nil {
			return nil, errBadRequest("a configuration form is required")
		}
		if form.Attr("type") == "cancel" {
			return nil, nil
		}
		if err := checkForm(form, nsPubSub+"#node_config"); err != nil {
			return nil, err
		}
		if err := n.cfg.apply(form, s.srv.opts.PEPMaxItems); err != nil {
			return nil, err
		}
		return nil, s.putNode(n)
	case first.Local == "delete" && !get:
		if err := s.srv.svc.Store.PEP().DeleteNode(s.ctx(), s.userID, name); err != nil {
			return nil, err
		}
		s.srv.notifyPEP(s.userID, &pepNotice{owner: s.userID, node: name, access: n.cfg.Access, deleted: true})
		return nil, nil
	case first.Local == "purge" && !get:
		if _, err := s.srv.svc.Store.PEP().PurgeItems(s.ctx(), s.userID, name); err != nil {
			return nil, err
		}
		s.srv.notifyPEP(s.userID, &pepNotice{owner: s.userID, node: name, access: n.cfg.Access, purged: true})
		return nil, nil
	}
	return nil, pubsubErr(errFeatureNotImplemented(""), "unsupported", "feature", first.Local)
}
