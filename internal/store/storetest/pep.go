package storetest

import (
	"testing"

	"hermod/internal/store"
)

func testPEP(t *testing.T, st store.Store) {
	r := st.PEP()
	item := func(node, id, payload string, at int64) *store.PEPItem {
		return &store.PEPItem{OwnerID: 1, Node: node, ItemID: id, Payload: []byte(payload), PublisherID: 1, PublishedDate: at}
	}
	ids := func(its []store.PEPItem) []string {
		out := []string{}
		for _, it := range its {
			out = append(out, it.ItemID)
		}
		return out
	}
	wantErr(t, r.PublishItem(ctx, item("n", "a", "<x/>", 1)), store.ErrNotFound)
	n := &store.PEPNode{OwnerID: 1, Node: "n", AccessModel: "presence", MaxItems: 3, Config: []byte(`{"t":1}`), CreationDate: 5}
	must(t, r.PutNode(ctx, n))
	got, err := r.Node(ctx, 1, "n")
	must(t, err)
	diff(t, "node", got, n)
	_, err = r.Node(ctx, 2, "n")
	wantErr(t, err, store.ErrNotFound)

	for i, id := range []string{"a", "b", "c", "d"} {
		must(t, r.PublishItem(ctx, item("n", id, "<"+id+"/>", int64(10+i))))
	}
	all, err := r.Items(ctx, 1, "n", nil, 0)
	must(t, err)
	diff(t, "items kept (max 3), newest first", ids(all), []string{"d", "c", "b"})
	diff(t, "newest item", all[0], *item("n", "d", "<d/>", 13))

	must(t, r.PublishItem(ctx, item("n", "b", "<b2/>", 20))) // republished: now the newest
	all, _ = r.Items(ctx, 1, "n", nil, 0)
	diff(t, "after republishing b", ids(all), []string{"b", "d", "c"})
	if string(all[0].Payload) != "<b2/>" {
		t.Fatalf("republished payload %q", all[0].Payload)
	}
	last, _ := r.Items(ctx, 1, "n", nil, 1)
	diff(t, "last item", ids(last), []string{"b"})
	some, _ := r.Items(ctx, 1, "n", []string{"c", "zz", "d"}, 0)
	diff(t, "items by id", ids(some), []string{"d", "c"})

	n.MaxItems, n.AccessModel = 1, "open"
	must(t, r.PutNode(ctx, n))
	all, _ = r.Items(ctx, 1, "n", nil, 0)
	diff(t, "trimmed by reconfiguration", ids(all), []string{"b"})
	got, _ = r.Node(ctx, 1, "n")
	if got.AccessModel != "open" || got.MaxItems != 1 || got.CreationDate != 5 {
		t.Fatalf("reconfigured node: %+v", got)
	}

	wantErr(t, r.RetractItem(ctx, 1, "n", "zz"), store.ErrNotFound)
	must(t, r.RetractItem(ctx, 1, "n", "b"))
	must(t, r.PutNode(ctx, &store.PEPNode{OwnerID: 1, Node: "m", AccessModel: "whitelist", MaxItems: 10}))
	must(t, r.PutNode(ctx, &store.PEPNode{OwnerID: 2, Node: "n", AccessModel: "open", MaxItems: 10}))
	for _, id := range []string{"x", "y"} {
		must(t, r.PublishItem(ctx, item("m", id, "<p/>", 30)))
	}
	nodes, err := r.Nodes(ctx, 1)
	must(t, err)
	if len(nodes) != 2 || nodes[0].Node != "m" || nodes[1].Node != "n" {
		t.Fatalf("nodes: %+v", nodes)
	}
	purged, err := r.PurgeItems(ctx, 1, "m")
	must(t, err)
	if purged != 2 {
		t.Fatalf("purged %d", purged)
	}
	must(t, r.PublishItem(ctx, item("m", "z", "<p/>", 31)))
	must(t, r.DeleteNode(ctx, 1, "m"))
	wantErr(t, r.DeleteNode(ctx, 1, "m"), store.ErrNotFound)
	must(t, r.PutNode(ctx, &store.PEPNode{OwnerID: 1, Node: "m", AccessModel: "open", MaxItems: 10}))
	left, _ := r.Items(ctx, 1, "m", nil, 0)
	if len(left) != 0 {
		t.Fatalf("a recreated node has old items: %v", ids(left))
	}
}

func testPrivateXML(t *testing.T, st store.Store) {
	r := st.PrivateXML()
	_, err := r.Get(ctx, 1, "urn:x")
	wantErr(t, err, store.ErrNotFound)
	must(t, r.Put(ctx, 1, "urn:x", []byte(`<a xmlns="urn:x">1</a>`), 5))
	must(t, r.Put(ctx, 1, "urn:x", []byte(`<a xmlns="urn:x">2</a>`), 6))
	must(t, r.Put(ctx, 2, "urn:x", []byte(`<a xmlns="urn:x">other</a>`), 6))
	got, err := r.Get(ctx, 1, "urn:x")
	must(t, err)
	if string(got) != `<a xmlns="urn:x">2</a>` {
		t.Fatalf("private XML %q", got)
	}
	_, err = r.Get(ctx, 1, "urn:y")
	wantErr(t, err, store.ErrNotFound)
}
