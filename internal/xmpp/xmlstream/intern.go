package xmlstream

// intern returns b as a string, without allocating when it is one of the
// names, namespaces and attribute values that most stanzas carry. The
// table is fixed, so that a peer cannot make it grow.
func intern(b []byte) string {
	if s, ok := interned[string(b)]; ok {
		return s
	}
	return string(b)
}

var interned = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		// Stanzas and their common children and attributes.
		"message", "presence", "iq", "body", "subject", "thread", "error", "text",
		"show", "status", "priority", "query", "item", "group", "x", "c",
		"to", "from", "type", "id", "by", "jid", "name", "node", "ver", "hash",
		"code", "stamp", "subscription", "ask", "lang", "xml:lang", "xmlns",
		"active", "composing", "paused", "inactive", "gone",
		"request", "received", "markable", "displayed", "acknowledged",
		"origin-id", "stanza-id", "delay", "store", "no-store", "no-copy",
		"enable", "enabled", "r", "a", "h", "resume", "resumed", "ping",
		"stream:stream", "stream", "open", "close", "handshake",
		// Attribute values.
		"chat", "normal", "groupchat", "headline", "get", "set", "result",
		"unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed",
		"probe", "away", "xa", "dnd", "true", "false", "en", "1.0", "both", "none",
		// Namespaces.
		NSClient, NSComponent, NSStream, NSFraming, NSXML,
		"urn:xmpp:sid:0", "http://jabber.org/protocol/chatstates", "urn:xmpp:receipts",
		"urn:xmpp:chat-markers:0", "urn:xmpp:hints", "urn:xmpp:delay", "urn:xmpp:sm:3",
		"urn:xmpp:ping", "urn:xmpp:carbons:2", "urn:xmpp:forward:0", "urn:xmpp:mam:2",
		"jabber:iq:roster", "jabber:x:data", "http://jabber.org/protocol/caps",
		"http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
		"http://jabber.org/protocol/muc", "http://jabber.org/protocol/muc#user",
		"urn:ietf:params:xml:ns:xmpp-stanzas", "urn:xmpp:message-correct:0",
		"urn:xmpp:reactions:0", "urn:xmpp:csi:0", "eu.siacs.conversations.axolotl",
	} {
		m[s] = s
	}
	return m
}()
