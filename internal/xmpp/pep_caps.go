package xmpp

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"slices"
	"strings"
	"sync"
	"time"

	"hermod/internal/xmpp/xmlstream"
)

// Entity capabilities (XEP-0115): the server announces a hash of its own
// disco#info in stream features; a client's presence carries the hash of
// its own, and the server asks a client what that hash stands for once
// per hash (any client with the same software answers the same), to learn
// which PEP nodes it follows ("<node>+notify" features, XEP-0163 section 4.2).
const (
	nsCaps   = "http://jabber.org/protocol/caps"
	capsNode = "urn:hermod:caps"
	// maxCapsCache bounds the hashes remembered; beyond it each session's
	// answer serves that session alone.
	maxCapsCache = 4096
	// capsPatience is how long others wait for one client's answer before
	// the next client with the same hash is asked instead.
	capsPatience = 30 * time.Second
)

// capsEntry is what one caps hash stands for: the nodes its clients
// follow, once known; until then, the sessions waiting for the answer.
type capsEntry struct {
	follows map[string]bool
	known   bool
	asker   *session
	askedAt time.Time
	waiters []*session
}

// capsCache maps "hash ver" to what clients with those caps follow.
type capsCache struct {
	mu      sync.Mutex
	entries map[string]*capsEntry
}

// capsHashes are the hash functions a client may name (XEP-0115 section 5).
var capsHashes = map[string]func() hash.Hash{"sha-1": sha1.New, "sha-256": sha256.New, "sha-512": sha512.New}

// capsString builds the verification string of a disco#info result
// (XEP-0115 section 5.1): identities, features and extended forms, sorted.
func capsString(info *xmlstream.Element) string {
	var b strings.Builder
	var ids []string
	var features []string
	type form struct {
		typ    string
		fields []string
	}
	var forms []form
	for _, el := range info.Elements() {
		switch {
		case el.Is(nsDiscoInfo, "identity"):
			ids = append(ids, el.Attr("category")+"/"+el.Attr("type")+"/"+el.Lang()+"/"+el.Attr("name"))
		case el.Is(nsDiscoInfo, "feature"):
			features = append(features, el.Attr("var"))
		case el.Is(nsData, "x"):
			var f form
			for _, fl := range el.Elements() {
				if !fl.Is(nsData, "field") {
					continue
				}
				var vals []string
				for _, v := range fl.Elements() {
					if v.Is(nsData, "value") {
						vals = append(vals, v.Text())
					}
				}
				if fl.Attr("var") == "FORM_TYPE" {
					if len(vals) > 0 {
						f.typ = vals[0]
					}
					continue
				}
				slices.Sort(vals)
				f.fields = append(f.fields, fl.Attr("var")+"<"+strings.Join(vals, "<"))
			}
			if f.typ != "" {
				slices.Sort(f.fields)
				forms = append(forms, f)
			}
		}
	}
	slices.Sort(ids)
	slices.Sort(features)
	slices.SortFunc(forms, func(a, b form) int { return strings.Compare(a.typ, b.typ) })
	for _, id := range ids {
		b.WriteString(id + "<")
	}
	for _, f := range features {
		b.WriteString(f + "<")
	}
	for _, f := range forms {
		b.WriteString(f.typ + "<")
		for _, fl := range f.fields {
			b.WriteString(fl + "<")
		}
	}
	return b.String()
}

func capsVer(algo func() hash.Hash, info *xmlstream.Element) string {
	h := algo()
	h.Write([]byte(capsString(info)))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// serverCaps returns the <c/> of the server's stream features, computed
// from its disco#info.
func (s *Server) serverCaps() *xmlstream.Element {
	return xmlstream.New(nsCaps, "c", "hash", "sha-1", "node", capsNode, "ver", s.capsVer)
}

// learnCaps reads the caps of an available presence: known ones set what
// the resource follows at once; unknown ones are asked for.
func (s *session) learnCaps(p *xmlstream.Element) {
	c := p.Child(nsCaps, "c")
	if c == nil || capsHashes[c.Attr("hash")] == nil || c.Attr("ver") == "" || c.Attr("node") == "" {
		return // no caps, or legacy caps without a hash: no notifications
	}
	key := c.Attr("hash") + " " + c.Attr("ver")
	if key == s.capsKey && s.notify.Load() != nil {
		return // known already (a resource left waiting asks again)
	}
	s.capsKey = key
	cc := &s.srv.caps
	cc.mu.Lock()
	e := cc.entries[key]
	switch {
	case e == nil:
		if len(cc.entries) < maxCapsCache {
			cc.entries[key] = &capsEntry{asker: s, askedAt: time.Now()}
		}
		cc.mu.Unlock()
		s.askCaps(c.Attr("node")+"#"+c.Attr("ver"), key)
	case e.known:
		cc.mu.Unlock()
		s.follow(e.follows)
	case time.Since(e.askedAt) > capsPatience:
		// The client asked first does not answer: ask this one, and let
		// the waiters have its answer.
		e.asker, e.askedAt = s, time.Now()
		cc.mu.Unlock()
		s.askCaps(c.Attr("node")+"#"+c.Attr("ver"), key)
	default:
		e.waiters = append(e.waiters, s)
		cc.mu.Unlock()
	}
}

// askCaps sends the client a disco#info query for its caps node.
func (s *session) askCaps(node, key string) {
	id := "caps-" + s.newID()
	if s.capsAsked == nil {
		s.capsAsked = map[string]string{}
	}
	s.capsAsked[id] = key
	s.send(xmlstream.New(xmlstream.NSClient, "iq", "type", "get", "id", id, "from", s.srv.opts.Domain, "to", s.jid.String()).
		Add(xmlstream.New(nsDiscoInfo, "query", "node", node)))
}

// capsAnswer takes the client's answer to askCaps; false when iq answers
// something else.
func (s *session) capsAnswer(iq *xmlstream.Element) bool {
	key, ok := s.capsAsked[iq.Attr("id")]
	if !ok {
		return false
	}
	delete(s.capsAsked, iq.Attr("id"))
	q := iq.Child(nsDiscoInfo, "query")
	algo, ver, _ := strings.Cut(key, " ")
	valid := iq.Attr("type") == "result" && q != nil && capsVer(capsHashes[algo], q) == ver
	follows := map[string]bool{}
	if q != nil && iq.Attr("type") == "result" {
		for _, f := range q.Elements() {
			if node, ok := strings.CutSuffix(f.Attr("var"), "+notify"); ok && f.Is(nsDiscoInfo, "feature") {
				follows[node] = true
			}
		}
	}
	cc := &s.srv.caps
	cc.mu.Lock()
	var waiters []*session
	if e := cc.entries[key]; e != nil && e.asker == s {
		if valid {
			e.known, e.follows, e.asker = true, follows, nil
		} else {
			delete(cc.entries, key) // a wrong hash is not remembered
		}
		waiters, e.waiters = e.waiters, nil
	}
	cc.mu.Unlock()
	if iq.Attr("type") == "result" && s.capsKey == key {
		s.follow(follows)
	}
	if valid {
		for _, w := range waiters {
			w.follow(follows)
		}
	}
	return true
}

// forgetCaps drops a question the closing session will not answer.
func (s *session) forgetCaps() {
	cc := &s.srv.caps
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for key, e := range cc.entries {
		if e.asker == s {
			delete(cc.entries, key)
		}
	}
}

// follow sets the nodes this resource follows and sends their last items.
func (s *session) follow(nodes map[string]bool) {
	s.notify.Store(&nodes)
	s.sendLastItems()
}
