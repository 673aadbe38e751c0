package xmpp_test

import (
	"context"
	"strings"
	"testing"

	hdomain "hermod/internal/domain"
	"hermod/internal/xmpp/xmlstream"
)

const nsBookmarks = "urn:xmpp:bookmarks:1"

// TestMUCBookmarks: the user's groups are their bookmarks, with autojoin,
// in the XEP-0402 node, the XEP-0048 PEP node and private XML; a client
// that follows bookmarks hears of a group the user created or was removed
// from.
func TestMUCBookmarks(t *testing.T) {
	e := newEnv(t)
	e.friends()
	gid, roomA := e.group(1002, "Alpha", nil, 1001)
	alice := e.online(1001, "pc")
	phone := e.login(1001, "phone")
	withCaps(t, phone, []string{nsDiscoInfo, nsBookmarks + "+notify"}, true)

	r := fetchItems(t, alice, "", nsBookmarks)
	items := r.Child(nsPubSub, "pubsub").Child(nsPubSub, "items").Elements()
	if len(items) != 1 || items[0].Attr("id") != roomA {
		t.Fatalf("bookmarks: %s", r)
	}
	if c := items[0].Child(nsBookmarks, "conference"); c.Attr("autojoin") != "true" || c.Attr("name") != "Alpha" || c.ChildText(nsBookmarks, "nick") != "Alice" {
		t.Errorf("bookmark: %s", items[0])
	}

	// Alice creates a room on her computer: her phone learns the bookmark.
	join(t, alice, "team@"+mucDomain, "alice", "")
	ev := expect(t, phone, func(el *xmlstream.Element) bool {
		if !isEvent(jidOf(1001), nsBookmarks)(el) {
			return false
		}
		it := el.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "items").Child(nsPubSubEvent, "item")
		return it != nil && it.Attr("id") == "team@"+mucDomain
	})
	if c := eventPayload(ev); c.Attr("autojoin") != "true" || c.Attr("name") != "team" {
		t.Errorf("the new bookmark: %s", ev)
	}

	// The XEP-0048 views list both groups.
	legacy := fetchItems(t, alice, "", "storage:bookmarks").String()
	priv, err := alice.IQ("get", "", q(t, `<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>`))
	must(t, err)
	for _, view := range []string{legacy, priv.String()} {
		for _, room := range []string{roomA, "team@" + mucDomain} {
			if !strings.Contains(view, `jid="`+room+`"`) || !strings.Contains(view, `autojoin="true"`) {
				t.Errorf("XEP-0048 view lacks %s: %s", room, view)
			}
		}
	}

	// Publishing: a group of hers is accepted; a room she is not in is not.
	if r := publish(t, alice, nsBookmarks, roomA, `<conference xmlns='`+nsBookmarks+`' autojoin='false'/>`, nil); r.Attr("type") != "result" {
		t.Errorf("publishing a bookmark of her group: %s", r)
	}
	if r := publish(t, alice, nsBookmarks, "elsewhere@"+mucDomain, `<conference xmlns='`+nsBookmarks+`'/>`, nil); r.Attr("type") != "error" {
		t.Errorf("publishing a bookmark of no group of hers: %s", r)
	}

	// Bob removes Alice from Alpha: her phone's bookmark goes.
	if err := e.srv.Groups().RemoveMembers(context.Background(), hdomain.Requester{UserID: 1002}, gid, []int64{1001}, nil, false, nil); err != nil {
		t.Fatal(err)
	}
	expect(t, phone, func(el *xmlstream.Element) bool {
		items := el.Child(nsPubSubEvent, "event").Child(nsPubSubEvent, "items")
		retract := items.Child(nsPubSubEvent, "retract")
		return items != nil && retract != nil && items.Attr("node") == nsBookmarks && retract.Attr("id") == roomA
	})
	r = fetchItems(t, alice, "", nsBookmarks)
	if strings.Contains(r.String(), roomA) {
		t.Errorf("a group she left is still bookmarked: %s", r)
	}
}
