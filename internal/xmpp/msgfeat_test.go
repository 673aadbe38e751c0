package xmpp_test

import (
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// Message features between XMPP and Turms clients: corrections are edits,
// retractions recalls, reactions reactions, displayed markers read dates.

const (
	nsCorrect   = "urn:xmpp:message-correct:0"
	nsRetract   = "urn:xmpp:message-retract:1"
	nsReactions = "urn:xmpp:reactions:0"
	nsMarkers   = "urn:xmpp:chat-markers:0"
)

// chat sends a chat message with id (also its origin-id) and the extra
// payload XML.
func chat(t *testing.T, c *xmpptest.Client, to int64, id, body, extra string) {
	t.Helper()
	x := `<message to='` + jidOf(to) + `' type='chat' id='` + id + `'>`
	if body != "" {
		x += `<body>` + body + `</body>`
	}
	x += `<origin-id xmlns='urn:xmpp:sid:0' id='` + id + `'/>` + extra + `</message>`
	must(t, c.SendString(x))
}

// turmsChat sends a private message from a Turms client and returns its id.
func turmsChat(t *testing.T, c *turmstest.Client, to int64, text string) int64 {
	t.Helper()
	resp, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
		RecipientId: proto.Int64(to), Text: proto.String(text),
	}}})
	if err != nil || resp.GetCode() != 1000 {
		t.Fatalf("Turms send: %v %v", resp, err)
	}
	return resp.GetData().GetLong()
}

// turmsOK sends a request from a Turms client and wants it accepted.
func turmsOK(t *testing.T, c *turmstest.Client, req *pb.TurmsRequest) {
	t.Helper()
	resp, err := c.Send(req)
	if err != nil || resp.GetCode() != 1000 {
		t.Fatalf("Turms request %v: %v %v", req, resp, err)
	}
}

// turmsMessageID waits for the Turms client to receive the message with
// text and returns its id.
func turmsMessageID(t *testing.T, c *turmstest.Client, text string) int64 {
	t.Helper()
	n, err := c.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageRequest().GetText() == text
	})
	if err != nil {
		t.Fatal(err)
	}
	return n.GetRelayedRequest().GetCreateMessageRequest().GetMessageId()
}

func push(t *testing.T, c *turmstest.Client, match func(*pb.TurmsRequest) bool) *pb.TurmsRequest {
	t.Helper()
	n, err := c.NextPush(func(n *pb.TurmsNotification) bool { return match(n.GetRelayedRequest()) })
	if err != nil {
		t.Fatal(err)
	}
	return n.GetRelayedRequest()
}

// hasBody matches a message from from (any resource of it: a message sent
// as its recipient comes online may arrive with the offline ones, from the
// bare JID) with body.
func hasBody(from, body string) func(*xmlstream.Element) bool {
	bare, _, _ := strings.Cut(from, "/")
	return func(el *xmlstream.Element) bool {
		f, _, _ := strings.Cut(el.Attr("from"), "/")
		return el.Local == "message" && f == bare && el.ChildText(xmlstream.NSClient, "body") == body
	}
}

// withChild matches a message that has the child.
func withChild(space, local string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("type") != "error" && el.Child(space, local) != nil
	}
}

// expectError waits for the error reply to the stanza with id.
func expectError(t *testing.T, c *xmpptest.Client, id, condition string) {
	t.Helper()
	el := expect(t, c, xmpptest.Is("message", "id", id, "type", "error"))
	if got := errorCondition(el); got != condition {
		t.Fatalf("error %q, want %q: %s", got, condition, el)
	}
}

func TestXMPPCorrectionIsATurmsEdit(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	tb := e.turms(1002)

	chat(t, a, 1002, "m1", "helo", "")
	expect(t, b, hasBody(a.JID, "helo"))
	id := turmsMessageID(t, tb, "helo")

	chat(t, a, 1002, "m2", "hello", `<replace xmlns='`+nsCorrect+`' id='m1'/>`)
	got := expect(t, b, withChild(nsCorrect, "replace"))
	if got.Child(nsCorrect, "replace").Attr("id") != "m1" || got.ChildText(xmlstream.NSClient, "body") != "hello" {
		t.Fatalf("the XMPP peer got %s", got)
	}
	um := push(t, tb, func(r *pb.TurmsRequest) bool { return r.GetUpdateMessageRequest() != nil }).GetUpdateMessageRequest()
	if um.GetMessageId() != id || um.GetText() != "hello" || um.RecallDate != nil {
		t.Fatalf("Turms got %v, want an edit of %d", um, id)
	}
	// The archive has the corrected text, and no message of its own for
	// the correction.
	q, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		FromIds: []int64{1001}, AreGroupMessages: proto.Bool(false),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ms := q.GetData().GetMessages().GetMessages()
	if len(ms) != 1 || ms[0].GetId() != id || ms[0].GetText() != "hello" {
		t.Fatalf("archive: %v", ms)
	}

	// Referring by the stanza-id (the message id) works too.
	chat(t, a, 1002, "m3", "hello!", `<replace xmlns='`+nsCorrect+`' id='`+strconv.FormatInt(id, 10)+`'/>`)
	if um := push(t, tb, func(r *pb.TurmsRequest) bool { return r.GetUpdateMessageRequest() != nil }).GetUpdateMessageRequest(); um.GetText() != "hello!" {
		t.Fatalf("Turms got %v", um)
	}

	// Only the sender corrects; an unknown message is an error.
	chat(t, b, 1001, "b1", "hijack", `<replace xmlns='`+nsCorrect+`' id='m1'/>`)
	expectError(t, b, "b1", "not-allowed")
	chat(t, a, 1002, "a9", "what", `<replace xmlns='`+nsCorrect+`' id='nope'/>`)
	expectError(t, a, "a9", "item-not-found")
}

func TestTurmsEditIsAnXMPPCorrection(t *testing.T) {
	e := newEnv(t)
	e.friends()
	b := e.online(1002, "phone")
	ta := e.turms(1001)

	id := turmsChat(t, ta, 1002, "teh text")
	ref := strconv.FormatInt(id, 10)
	m := expect(t, b, hasBody(jidOf(1001), "teh text"))
	if m.Attr("id") != ref {
		t.Fatalf("a Turms message's id is its message id: %s", m)
	}
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, Text: proto.String("the text"),
	}}})
	c := expect(t, b, withChild(nsCorrect, "replace"))
	if c.Child(nsCorrect, "replace").Attr("id") != ref || c.ChildText(xmlstream.NSClient, "body") != "the text" || c.Attr("from") != jidOf(1001) {
		t.Fatalf("XMPP got %s, want a correction of %s", c, ref)
	}
}

// A message an XMPP client sent is named by that client's id when a Turms
// session of the same user changes it.
func TestTurmsChangesNameTheXMPPClientsID(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	ta := e.turms(1001)

	chat(t, a, 1002, "from-xmpp", "v1", "")
	expect(t, b, hasBody(a.JID, "v1"))
	id := turmsMessageID(t, ta, "v1") // the sender's other sessions hear of it
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, Text: proto.String("v2"),
	}}})
	c := expect(t, b, withChild(nsCorrect, "replace"))
	if c.Child(nsCorrect, "replace").Attr("id") != "from-xmpp" || c.ChildText(xmlstream.NSClient, "body") != "v2" {
		t.Fatalf("XMPP got %s", c)
	}
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	r := expect(t, b, withChild(nsRetract, "retract"))
	if r.Child(nsRetract, "retract").Attr("id") != "from-xmpp" {
		t.Fatalf("XMPP got %s", r)
	}
}

func TestXMPPRetractionIsATurmsRecall(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	tb := e.turms(1002)

	chat(t, a, 1002, "oops", "wrong chat", "")
	expect(t, b, hasBody(a.JID, "wrong chat"))
	id := turmsMessageID(t, tb, "wrong chat")

	const retraction = `<retract xmlns='` + nsRetract + `' id='oops'/>` +
		`<fallback xmlns='urn:xmpp:fallback:0' for='` + nsRetract + `'/><store xmlns='urn:xmpp:hints'/>`
	chat(t, b, 1001, "r0", "/me retracted a message", `<retract xmlns='`+nsRetract+`' id='oops'/>`)
	expectError(t, b, "r0", "not-allowed") // only the sender retracts

	chat(t, a, 1002, "r1", "/me retracted a message", retraction)
	got := expect(t, b, withChild(nsRetract, "retract"))
	if got.Child(nsRetract, "retract").Attr("id") != "oops" || got.Attr("from") != a.JID {
		t.Fatalf("the XMPP peer got %s", got)
	}
	um := push(t, tb, func(r *pb.TurmsRequest) bool { return r.GetUpdateMessageRequest() != nil }).GetUpdateMessageRequest()
	if um.GetMessageId() != id || um.RecallDate == nil {
		t.Fatalf("Turms got %v, want a recall of %d", um, id)
	}
	// The fallback body is no message: the archive has neither it nor the
	// recalled message.
	q, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		FromIds: []int64{1001}, AreGroupMessages: proto.Bool(false), AreSystemMessages: proto.Bool(false),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := q.GetData().GetMessages().GetMessages(); len(ms) != 0 {
		t.Fatalf("archive after the retraction: %v", ms)
	}
	chat(t, a, 1002, "r2", "again", `<retract xmlns='`+nsRetract+`' id='gone'/>`)
	expectError(t, a, "r2", "item-not-found")
}

func TestXMPPRetractionAfterTheRecallWindow(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Messages.RecallWindow = -time.Millisecond // every message is past it
	})
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	chat(t, a, 1002, "late", "too late to take back", "")
	expect(t, b, hasBody(a.JID, "too late to take back"))
	chat(t, a, 1002, "r1", "", `<retract xmlns='`+nsRetract+`' id='late'/>`)
	el := expect(t, a, xmpptest.Is("message", "id", "r1", "type", "error"))
	if errorCondition(el) != "not-allowed" || el.Child(xmlstream.NSClient, "error").ChildText("urn:ietf:params:xml:ns:xmpp-stanzas", "text") == "" {
		t.Fatalf("error %s", el)
	}
}

func TestTurmsRecallRetractsTheXMPPMessage(t *testing.T) {
	e := newEnv(t)
	e.friends()
	b := e.online(1002, "phone")
	ta := e.turms(1001)

	id := turmsChat(t, ta, 1002, "regret")
	expect(t, b, hasBody(jidOf(1001), "regret"))
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	r := expect(t, b, xmpptest.Is("message", "from", jidOf(1001)))
	if r.Child(nsRetract, "retract").Attr("id") != strconv.FormatInt(id, 10) ||
		r.Child("urn:xmpp:fallback:0", "fallback").Attr("for") != nsRetract || r.ChildText(xmlstream.NSClient, "body") == "" {
		t.Fatalf("XMPP got %s, want the retraction of %d with a fallback", r, id)
	}
	// The recall's system message is not shown as a message of its own:
	// the next message is the next one sent.
	turmsChat(t, ta, 1002, "next")
	if n := expect(t, b, xmpptest.Is("message")); n.ChildText(xmlstream.NSClient, "body") != "next" {
		t.Fatalf("after the retraction, XMPP got %s", n)
	}
}

// reactions builds an XEP-0444 reactions payload.
func reactions(id string, emoji ...string) string {
	x := `<reactions xmlns='` + nsReactions + `' id='` + id + `'>`
	for _, r := range emoji {
		x += `<reaction>` + r + `</reaction>`
	}
	return x + `</reactions><store xmlns='urn:xmpp:hints'/>`
}

func reactionsOf(el *xmlstream.Element) []string {
	var out []string
	for _, r := range el.Child(nsReactions, "reactions").Elements() {
		out = append(out, r.Text())
	}
	slices.Sort(out)
	return out
}

func TestXMPPReactionsAreTurmsReactions(t *testing.T) {
	e := newEnv(t)
	e.friends()
	b := e.online(1002, "phone")
	ta := e.turms(1001)
	id := turmsChat(t, ta, 1002, "react to me")
	ref := strconv.FormatInt(id, 10)
	expect(t, b, hasBody(jidOf(1001), "react to me"))

	reactionPush := func() *pb.TurmsRequest {
		return push(t, ta, func(r *pb.TurmsRequest) bool {
			return r.GetCreateMessageReactionsRequest() != nil || r.GetDeleteMessageReactionsRequest() != nil
		})
	}
	sorted := func(ts []int32) []int32 { ts = slices.Clone(ts); slices.Sort(ts); return ts }
	const thumbs, heart, joy = 0x1F44D, 0x2764, 0x1F602

	// XEP-0444 states the whole set; Turms hears what was added...
	chat(t, b, 1001, "x1", "", reactions(ref, "👍", "❤️"))
	r := reactionPush()
	if c := r.GetCreateMessageReactionsRequest(); c.GetMessageId() != id || !slices.Equal(sorted(c.GetReactionTypes()), []int32{heart, thumbs}) {
		t.Fatalf("Turms got %v", r)
	}
	// ...what was taken back...
	chat(t, b, 1001, "x2", "", reactions(ref, "👍"))
	r = reactionPush()
	if d := r.GetDeleteMessageReactionsRequest(); d.GetMessageId() != id || !slices.Equal(d.GetReactionTypes(), []int32{heart}) {
		t.Fatalf("Turms got %v", r)
	}
	// ...and both at once.
	chat(t, b, 1001, "x3", "", reactions(ref, "😂"))
	r = reactionPush()
	if d := r.GetDeleteMessageReactionsRequest(); !slices.Equal(d.GetReactionTypes(), []int32{thumbs}) {
		t.Fatalf("Turms got %v", r)
	}
	r = reactionPush()
	if c := r.GetCreateMessageReactionsRequest(); !slices.Equal(c.GetReactionTypes(), []int32{joy}) {
		t.Fatalf("Turms got %v", r)
	}
	// Queried messages carry the reactions.
	q, err := e.turms(1002).Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		Ids: []int64{id}, AreGroupMessages: proto.Bool(false),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ms := q.GetData().GetMessages().GetMessages()
	if len(ms) != 1 || len(ms[0].GetReactionGroups()) != 1 || ms[0].GetReactionGroups()[0].GetReactionType() != joy {
		t.Fatalf("queried: %v", ms)
	}

	// An unknown message is an error.
	chat(t, b, 1001, "x4", "", reactions("nope", "👍"))
	expectError(t, b, "x4", "item-not-found")
}

func TestTurmsReactionsAreXMPPReactions(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	tb := e.turms(1002)

	chat(t, a, 1001+1, "hello-1", "hello", "")
	expect(t, b, hasBody(a.JID, "hello"))
	id := turmsMessageID(t, tb, "hello")

	react := func(remove bool, types ...int32) {
		t.Helper()
		req := &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
			MessageId: id, ReactionTypes: types,
		}}}
		if remove {
			req = &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteMessageReactionsRequest{DeleteMessageReactionsRequest: &pb.DeleteMessageReactionsRequest{
				MessageId: id, ReactionTypes: types,
			}}}
		}
		turmsOK(t, tb, req)
	}
	react(false, 0x1F525, 0x2764) // 🔥 ❤
	got := expect(t, a, withChild(nsReactions, "reactions"))
	if got.Attr("from") != jidOf(1002) || got.Child(nsReactions, "reactions").Attr("id") != "hello-1" ||
		!slices.Equal(reactionsOf(got), []string{"❤️", "🔥"}) {
		t.Fatalf("XMPP got %s, want Bob's 🔥 and ❤️ on hello-1", got)
	}
	react(true, 0x1F525)
	got = expect(t, a, withChild(nsReactions, "reactions"))
	if !slices.Equal(reactionsOf(got), []string{"❤️"}) {
		t.Fatalf("XMPP got %s, want the whole set: ❤️", got)
	}
	react(true, 0x2764)
	got = expect(t, a, withChild(nsReactions, "reactions"))
	if len(reactionsOf(got)) != 0 {
		t.Fatalf("XMPP got %s, want an empty set", got)
	}
}

func TestXMPPReactionsBetweenXMPPClientsTravelAsSent(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	chat(t, a, 1002, "a1", "hi", "")
	expect(t, b, hasBody(a.JID, "hi"))
	// ❤️‍🔥 has no Turms number: it still reaches the XMPP peer.
	chat(t, b, 1001, "x1", "", reactions("a1", "👍🏽", "❤️‍🔥"))
	got := expect(t, a, withChild(nsReactions, "reactions"))
	if got.Attr("id") != "x1" || !slices.Equal(reactionsOf(got), []string{"❤️‍🔥", "👍🏽"}) {
		t.Fatalf("XMPP got %s", got)
	}
	chat(t, b, 1001, "x2", "", reactions("a1", "👍🏽", "❤️‍🔥"))
	if got := expect(t, a, withChild(nsReactions, "reactions")); got.Attr("id") != "x2" {
		t.Fatalf("an unchanged set travels too: %s", got)
	}
}

func notifyReadDates(c *config.Config) { c.Messages.NotifyContactOfReadDate = true }

func TestXMPPDisplayedMarkerIsATurmsReadDate(t *testing.T) {
	e := newEnv(t, notifyReadDates)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	ta := e.turms(1001)

	chat(t, a, 1002, "m1", "read me", `<markable xmlns='`+nsMarkers+`'/>`)
	expect(t, b, hasBody(a.JID, "read me"))
	id := turmsMessageID(t, ta, "read me")
	tb := e.turms(1002)
	q, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		Ids: []int64{id}, AreGroupMessages: proto.Bool(false),
	}}})
	if err != nil || len(q.GetData().GetMessages().GetMessages()) != 1 {
		t.Fatalf("query: %v %v", q, err)
	}
	delivered := q.GetData().GetMessages().GetMessages()[0].GetDeliveryDate()

	must(t, b.SendString(`<message to='`+jidOf(1001)+`' type='chat' id='d1'><displayed xmlns='`+nsMarkers+`' id='m1'/></message>`))
	// XMPP peers get the marker as it was sent...
	got := expect(t, a, withChild(nsMarkers, "displayed"))
	if got.Attr("from") != b.JID || got.Child(nsMarkers, "displayed").Attr("id") != "m1" {
		t.Fatalf("XMPP got %s", got)
	}
	// ...Turms clients a read date: up to the message displayed.
	uc := push(t, ta, func(r *pb.TurmsRequest) bool { return r.GetUpdateConversationRequest() != nil }).GetUpdateConversationRequest()
	if uc.GetUserId() != 1001 || uc.GetReadDate() != delivered {
		t.Fatalf("Turms got %v, want Bob's read date %d of the conversation with 1001", uc, delivered)
	}
	c, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryConversationsRequest{QueryConversationsRequest: &pb.QueryConversationsRequest{
		UserIds: []int64{1001},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if pcs := c.GetData().GetConversations().GetPrivateConversations(); len(pcs) != 1 || pcs[0].GetReadDate() != delivered {
		t.Fatalf("Bob's conversations: %v", c)
	}
}

func TestTurmsReadDateIsAnXMPPDisplayedMarker(t *testing.T) {
	e := newEnv(t, notifyReadDates)
	e.friends()
	a := e.online(1001, "laptop")
	tb := e.turms(1002)

	chat(t, a, 1002, "first", "one", `<markable xmlns='`+nsMarkers+`'/>`)
	turmsMessageID(t, tb, "one")
	chat(t, a, 1002, "second", "two", `<markable xmlns='`+nsMarkers+`'/>`)
	turmsMessageID(t, tb, "two")
	turmsOK(t, tb, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: &pb.UpdateConversationRequest{
		UserId: proto.Int64(1001), ReadDate: time.Now().UnixMilli(),
	}}})
	got := expect(t, a, withChild(nsMarkers, "displayed"))
	if got.Attr("from") != jidOf(1002) || got.Child(nsMarkers, "displayed").Attr("id") != "second" {
		t.Fatalf("XMPP got %s, want Bob's displayed marker for the last message, 'second'", got)
	}
}

// Clients that implement XEP-0424 before 0.4 (slixmpp among them) fasten
// the retraction to the message.
func TestXMPPRetractionByFastening(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	tb := e.turms(1002)
	chat(t, a, 1002, "old-style", "take it back", "")
	id := turmsMessageID(t, tb, "take it back")
	chat(t, a, 1002, "r1", "retracted", `<apply-to xmlns='urn:xmpp:fasten:0' id='old-style'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>`)
	um := push(t, tb, func(r *pb.TurmsRequest) bool { return r.GetUpdateMessageRequest() != nil }).GetUpdateMessageRequest()
	if um.GetMessageId() != id || um.RecallDate == nil {
		t.Fatalf("Turms got %v, want a recall of %d", um, id)
	}
}

// A recall made while the recipient had no available resource reaches
// their next one as a retraction, after the offline messages.
func TestRecallWhileAwayIsRetractedOnReturn(t *testing.T) {
	e := newEnv(t)
	e.friends()
	b := e.online(1002, "phone")
	ta := e.turms(1001)
	seen := turmsChat(t, ta, 1002, "seen before leaving")
	expect(t, b, hasBody(jidOf(1001), "seen before leaving"))

	must(t, b.SendString(`<presence type='unavailable'/>`))
	if _, err := b.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil {
		t.Fatal(err) // the presence was handled before the ping
	}
	unseen := turmsChat(t, ta, 1002, "never seen") // sent and recalled while away
	for _, id := range []int64{seen, unseen} {
		turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
			MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
		}}})
	}
	turmsChat(t, ta, 1002, "after")
	must(t, b.SendString(`<presence/>`))
	after := expect(t, b, hasBody(jidOf(1001), "after"))
	if after.Child("urn:xmpp:delay", "delay") == nil {
		t.Fatalf("offline message %s", after)
	}
	r := expect(t, b, withChild(nsRetract, "retract"))
	if r.Child(nsRetract, "retract").Attr("id") != strconv.FormatInt(seen, 10) || r.Child("urn:xmpp:delay", "delay") == nil {
		t.Fatalf("got %s, want the delayed retraction of %d", r, seen)
	}
	// The message recalled before it was delivered is neither delivered
	// nor retracted: the next stanza is a live one.
	turmsChat(t, ta, 1002, "live")
	if n := expect(t, b, xmpptest.Is("message")); n.ChildText(xmlstream.NSClient, "body") != "live" {
		t.Fatalf("after the retraction, got %s", n)
	}
}

// XMPP clients learn from a Turms user's resource what reaches Turms
// clients: its presence has caps, and disco#info answers for it.
func TestTurmsResourceAnnouncesMessageFeatures(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.login(1001, "laptop")
	e.turms(1002)
	must(t, a.SendString(`<presence/>`))
	p := expect(t, a, xmpptest.Is("presence", "from", jidOf(1002)+"/turms"))
	c := p.Child("http://jabber.org/protocol/caps", "c")
	if c == nil || c.Attr("hash") != "sha-1" {
		t.Fatalf("Turms presence without caps: %s", p)
	}
	r, err := a.IQ("get", jidOf(1002)+"/turms", xmlstream.New("http://jabber.org/protocol/disco#info", "query", "node", c.Attr("node")+"#"+c.Attr("ver")))
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("disco#info: %v %v", r, err)
	}
	var features []string
	ver := "client/phone//Turms<"
	for _, f := range r.Child("http://jabber.org/protocol/disco#info", "query").Elements() {
		if f.Local == "feature" {
			features = append(features, f.Attr("var"))
		}
	}
	slices.Sort(features)
	for _, f := range features {
		ver += f + "<"
	}
	sum := sha1.Sum([]byte(ver))
	if base64.StdEncoding.EncodeToString(sum[:]) != c.Attr("ver") {
		t.Fatalf("caps ver %s does not hash %q", c.Attr("ver"), ver)
	}
	for _, want := range []string{nsCorrect, nsRetract, nsReactions, nsMarkers, "http://jabber.org/protocol/chatstates"} {
		if !slices.Contains(features, want) {
			t.Errorf("the Turms resource does not announce %s: %v", want, features)
		}
	}
}

// The archive keeps a corrected message as corrected, payloads included:
// a recipient who was away gets the corrected message, once, under the id
// of the original.
func TestCorrectedMessageFromTheArchive(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	enc := func(payload string) string {
		return `<encrypted xmlns='eu.siacs.conversations.axolotl'><payload>` + payload + `</payload></encrypted>`
	}
	chat(t, a, 1002, "m1", "encrypted v1", enc("CIPHER-1"))
	chat(t, a, 1002, "m2", "encrypted v2", enc("CIPHER-2")+`<replace xmlns='`+nsCorrect+`' id='m1'/>`)
	if _, err := a.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil {
		t.Fatal(err) // both were handled before the ping
	}
	b := e.online(1002, "phone")
	got := expect(t, b, xmpptest.Is("message", "from", jidOf(1001)))
	if got.Attr("id") != "m1" || got.ChildText(xmlstream.NSClient, "body") != "encrypted v2" ||
		got.Child("eu.siacs.conversations.axolotl", "encrypted").ChildText("eu.siacs.conversations.axolotl", "payload") != "CIPHER-2" ||
		got.Child("urn:xmpp:sid:0", "origin-id").Attr("id") != "m1" || got.Child(nsCorrect, "replace") != nil {
		t.Fatalf("from the archive: %s", got)
	}
	chat(t, a, 1002, "m3", "next", "")
	if n := expect(t, b, xmpptest.Is("message", "from", a.JID)); n.Attr("id") != "m3" {
		t.Fatalf("after the corrected message, got %s", n)
	}
}

// A Turms user's typing ends in <paused/> when no typing status follows
// within xmpp.typing_pause, in a chat and in a room.
func TestTurmsTypingPauses(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.TypingPause = time.Millisecond })
	e.friends()
	e.user(1003, "Carol", "")
	e.befriend(1001, 1003)
	gid, room := e.group(1001, "Team", nil, 1003)
	a := e.online(1001, "pc")
	join(t, a, room, "alice", `<history maxstanzas='0'/>`)
	carol := e.turms(1003)
	state := func(from, typ string) func(*xmlstream.Element) bool {
		return func(el *xmlstream.Element) bool {
			return el.Local == "message" && el.Attr("from") == from && el.Attr("type") == typ && el.Child("http://jabber.org/protocol/chatstates", "") != nil
		}
	}
	for _, tc := range []struct {
		name, from, typ string
		req             *pb.UpdateTypingStatusRequest
	}{
		{"chat", jidOf(1003), "chat", &pb.UpdateTypingStatusRequest{ToId: 1001}},
		{"room", room + "/Carol", "groupchat", &pb.UpdateTypingStatusRequest{ToId: gid, IsGroupMessage: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			turmsOK(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: tc.req}})
			for _, want := range []string{"composing", "paused"} {
				got := expect(t, a, state(tc.from, tc.typ))
				if got.Child("http://jabber.org/protocol/chatstates", want) == nil {
					t.Fatalf("got %s, want %s", got, want)
				}
			}
		})
	}
}

// The archive keeps retractions (XEP-0424): MAM shows the recall of a
// message, not the message, whichever protocol recalled it.
func TestMAMKeepsRetractions(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	ta := e.turms(1001)
	chat(t, a, 1002, "o1", "oops", "")
	chat(t, a, 1002, "r1", "/me retracted", `<retract xmlns='`+nsRetract+`' id='o1'/>`)
	chat(t, a, 1002, "k1", "kept", "")
	if _, err := a.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil {
		t.Fatal(err) // Alice's messages were handled before the ping
	}
	id := turmsChat(t, ta, 1002, "regret")
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	b := e.online(1002, "phone")
	p := mamQuery(t, b, "", []string{"with", jidOf(1001)}, "")
	var got []string
	for _, m := range p.msgs {
		if r := m.Child(nsRetract, "retract"); r != nil {
			got = append(got, "retract "+r.Attr("id"))
			if m.Attr("from") != jidOf(1001) || m.Child(nsSID, "stanza-id") == nil {
				t.Errorf("archived retraction %s", m)
			}
			continue
		}
		got = append(got, m.ChildText(xmlstream.NSClient, "body"))
	}
	want := []string{"retract o1", "kept", "retract " + strconv.FormatInt(id, 10)}
	if !slices.Equal(got, want) {
		t.Fatalf("Bob's archive with Alice: %q, want %q", got, want)
	}
}

// messages.max_reactions_per_user caps a user's reactions to a message,
// however they are sent.
func TestReactionLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Messages.MaxReactionsPerUser = 2 })
	e.friends()
	b := e.online(1002, "phone")
	ta := e.turms(1001)
	id := turmsChat(t, ta, 1002, "react")
	expect(t, b, hasBody(jidOf(1001), "react"))
	ref := strconv.FormatInt(id, 10)
	chat(t, b, 1001, "x1", "", reactions(ref, "👍", "😂", "🎉"))
	expectError(t, b, "x1", "bad-request")
	chat(t, b, 1001, "x2", "", reactions(ref, "👍", "👍", "😂")) // a repeat counts once
	push(t, ta, func(r *pb.TurmsRequest) bool { return r.GetCreateMessageReactionsRequest() != nil })

	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
		MessageId: id, ReactionTypes: []int32{0x1F44D, 0x1F602},
	}}})
	resp, err := ta.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
		MessageId: id, ReactionTypes: []int32{0x1F389},
	}}})
	if err != nil || resp.GetCode() == 1000 {
		t.Fatalf("a third reaction on Turms: %v %v", resp, err)
	}
}
