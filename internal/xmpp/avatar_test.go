package xmpp_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsAvatarData     = "urn:xmpp:avatar:data"
	nsAvatarMetadata = "urn:xmpp:avatar:metadata"
	nsVCardUpdate    = "vcard-temp:x:update"
	nsNick           = "http://jabber.org/protocol/nick"
)

// files is an HTTP client that reaches the file listener whatever host
// its URLs name (the test domain does not resolve).
func (e *env) files() *http.Client {
	addr := e.srv.FilesAddr().String()
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
}

// pngOf makes a w×h PNG of one color.
func pngOf(t *testing.T, w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return b.Bytes()
}

func sha1Hex(b []byte) string {
	h := sha1.Sum(b)
	return hex.EncodeToString(h[:])
}

// publishAvatar publishes an avatar as XEP-0084 clients do: the data, then
// the metadata.
func publishAvatar(t *testing.T, c *xmpptest.Client, img []byte, w, h int) string {
	t.Helper()
	id := sha1Hex(img)
	if r := publish(t, c, nsAvatarData, id, `<data xmlns='`+nsAvatarData+`'>`+base64.StdEncoding.EncodeToString(img)+`</data>`, nil); r.Attr("type") != "result" {
		t.Fatalf("publishing avatar data: %s", r)
	}
	meta := `<metadata xmlns='` + nsAvatarMetadata + `'><info id='` + id + `' bytes='` + strconv.Itoa(len(img)) +
		`' type='image/png' width='` + strconv.Itoa(w) + `' height='` + strconv.Itoa(h) + `'/></metadata>`
	if r := publish(t, c, nsAvatarMetadata, id, meta, map[string]string{"pubsub#access_model": "open"}); r.Attr("type") != "result" {
		t.Fatalf("publishing avatar metadata: %s", r)
	}
	return id
}

// profile returns a user's profile as a Turms client queries it.
func profile(t *testing.T, c *turmstest.Client, id int64) *pb.UserInfo {
	t.Helper()
	n, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserProfilesRequest{QueryUserProfilesRequest: &pb.QueryUserProfilesRequest{UserIds: []int64{id}}}})
	must(t, err)
	infos := n.GetData().GetUserInfosWithVersion().GetUserInfos()
	if len(infos) != 1 {
		t.Fatalf("profile of %d: %v", id, n)
	}
	return infos[0]
}

func (e *env) httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := e.files().Get(url)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

func isMetadataEvent(from string) func(*xmlstream.Element) bool {
	return isEvent(from, nsAvatarMetadata)
}

func photoHash(el *xmlstream.Element) string {
	return el.Child(nsVCardUpdate, "x").ChildText(nsVCardUpdate, "photo")
}

// TestAvatarPublishedOverXMPPIsTheProfilePicture: an XEP-0084 avatar
// becomes the profile picture Turms clients download; contacts are told by
// PEP and by the photo hash in presence (XEP-0153), and the vCard shows it
// (XEP-0398).
func TestAvatarPublishedOverXMPPIsTheProfilePicture(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.login(1001, "laptop")
	withCaps(t, a, []string{nsAvatarMetadata + "+notify"}, true)
	b := e.login(1002, "phone")
	withCaps(t, b, []string{nsAvatarMetadata + "+notify", nsNick + "+notify"}, true)
	img := pngOf(t, 3, 2, color.RGBA{200, 10, 10, 255})
	id := publishAvatar(t, a, img, 3, 2)

	ev := expect(t, b, isMetadataEvent(jidOf(1001)))
	info := eventPayload(ev).Child(nsAvatarMetadata, "info")
	if info.Attr("id") != id || info.Attr("bytes") != strconv.Itoa(len(img)) || info.Attr("width") != "3" || info.Attr("type") != "image/png" {
		t.Fatalf("metadata event: %s", ev)
	}
	expect(t, a, isMetadataEvent(jidOf(1001))) // the publisher's own resource too
	p := expect(t, b, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == jidOf(1001)+"/laptop" && photoHash(el) == id
	})
	_ = p

	r := fetchItems(t, b, jidOf(1001), nsAvatarData)
	data := r.Child(nsPubSub, "pubsub").Child(nsPubSub, "items").Child(nsPubSub, "item").ChildText(nsAvatarData, "data")
	if got, _ := base64.StdEncoding.DecodeString(data); !bytes.Equal(got, img) {
		t.Fatalf("avatar data: %s", r)
	}

	tb := e.turms(1002)
	url := profile(t, tb, 1001).GetProfilePicture()
	if url == "" || !bytes.Equal(e.httpGet(t, url), img) {
		t.Fatalf("the Turms profile picture %q is not the avatar", url)
	}

	v, err := b.IQ("get", jidOf(1001), xmlstream.New("vcard-temp", "vCard"))
	must(t, err)
	photo := v.Child("vcard-temp", "vCard").Child("vcard-temp", "PHOTO")
	if got, _ := base64.StdEncoding.DecodeString(photo.ChildText("vcard-temp", "BINVAL")); !bytes.Equal(got, img) || photo.ChildText("vcard-temp", "TYPE") != "image/png" {
		t.Fatalf("vCard photo: %s", v)
	}

	// Metadata naming data never published is refused.
	bad := `<metadata xmlns='` + nsAvatarMetadata + `'><info id='0000' bytes='1' type='image/png'/></metadata>`
	if r := publish(t, a, nsAvatarMetadata, "0000", bad, nil); errorCondition(r) != "item-not-found" {
		t.Fatalf("metadata without data: %s", r)
	}
	if r := publish(t, a, nsAvatarData, "0000", `<data xmlns='`+nsAvatarData+`'>`+b64("x")+`</data>`, nil); errorCondition(r) != "bad-request invalid-payload" {
		t.Fatalf("data under a wrong id: %s", r)
	}

	// Empty metadata disables the avatar: the profile picture goes.
	if r := publish(t, a, nsAvatarMetadata, "current", `<metadata xmlns='`+nsAvatarMetadata+`'/>`, nil); r.Attr("type") != "result" {
		t.Fatalf("disabling: %s", r)
	}
	ev = expect(t, b, isMetadataEvent(jidOf(1001)))
	if eventPayload(ev).Child(nsAvatarMetadata, "info") != nil {
		t.Fatalf("disabled avatar event: %s", ev)
	}
	if got := profile(t, tb, 1001).GetProfilePicture(); got != "" {
		t.Fatalf("profile picture after disabling: %q", got)
	}
}

// uploadPicture sets a user's profile picture as a Turms client does:
// upload info, a multipart POST, then the profile's URL.
func (e *env) uploadPicture(t *testing.T, c *turmstest.Client, img []byte) {
	t.Helper()
	n, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{
		Type: pb.StorageResourceType_USER_PROFILE_PICTURE, MediaType: proto.String("image/png"),
	}}})
	must(t, err)
	strs := n.GetData().GetStringsWithVersion().GetStrings()
	info := map[string]string{}
	for i := 0; i+1 < len(strs); i += 2 {
		info[strs[i]] = strs[i+1]
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range info {
		if k != "url" && k != "id" {
			w.WriteField(k, v)
		}
	}
	w.WriteField("key", info["id"])
	w.WriteField("Content-Type", "image/png")
	fw, _ := w.CreateFormFile("file", "me.png")
	fw.Write(img)
	w.Close()
	resp, err := e.files().Post(info["url"], w.FormDataContentType(), &body)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	url := info["url"] + "/" + info["id"]
	if _, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{ProfilePicture: proto.String(url)}}}); err != nil {
		t.Fatal(err)
	}
}

// TestTurmsProfilePictureIsTheXMPPAvatar: a picture a Turms client uploads
// reaches XMPP contacts as a PEP avatar and a photo hash, and a Turms name
// change as a nickname (XEP-0172).
func TestTurmsProfilePictureIsTheXMPPAvatar(t *testing.T) {
	e := newEnv(t)
	e.friends()
	ta := e.turms(1001)
	b := e.login(1002, "phone")
	withCaps(t, b, []string{nsAvatarMetadata + "+notify", nsNick + "+notify"}, true)
	img := pngOf(t, 4, 4, color.RGBA{0, 0, 255, 255})
	e.uploadPicture(t, ta, img)

	ev := expect(t, b, isMetadataEvent(jidOf(1001)))
	id := eventPayload(ev).Child(nsAvatarMetadata, "info").Attr("id")
	if id != sha1Hex(img) {
		t.Fatalf("metadata id %s, want the picture's SHA-1 %s", id, sha1Hex(img))
	}
	expect(t, b, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == jidOf(1001)+"/turms" && photoHash(el) == id
	})
	r := fetchItems(t, b, jidOf(1001), nsAvatarData)
	data := r.Child(nsPubSub, "pubsub").Child(nsPubSub, "items").Child(nsPubSub, "item").ChildText(nsAvatarData, "data")
	if got, _ := base64.StdEncoding.DecodeString(data); !bytes.Equal(got, img) {
		t.Fatalf("avatar data: %s", r)
	}
	v, err := b.IQ("get", jidOf(1001), xmlstream.New("vcard-temp", "vCard"))
	must(t, err)
	if got, _ := base64.StdEncoding.DecodeString(v.Child("vcard-temp", "vCard").Child("vcard-temp", "PHOTO").ChildText("vcard-temp", "BINVAL")); !bytes.Equal(got, img) {
		t.Fatalf("the vCard photo of a Turms user's picture: %s", v)
	}

	if _, err := ta.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{Name: proto.String("Alicia")}}}); err != nil {
		t.Fatal(err)
	}
	// (Alice's nick came at login as the node's last item.)
	expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), nsNick)(el) && eventPayload(el).Text() == "Alice"
	})
	expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), nsNick)(el) && eventPayload(el).Text() == "Alicia"
	})

	// A Turms client that did not ask is not told of a related user's
	// profile change (Turms's default).
	tb := e.turms(1002)
	if _, err := ta.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{Name: proto.String("Alice")}}}); err != nil {
		t.Fatal(err)
	}
	expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), nsNick)(el) && eventPayload(el).Text() == "Alice"
	})
	if n, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserProfilesRequest{QueryUserProfilesRequest: &pb.QueryUserProfilesRequest{UserIds: []int64{1001}}}}); err != nil || n.GetData() == nil {
		t.Fatalf("profile: %v %v", n, err)
	}
	select {
	case n := <-tb.Pushes:
		if n.GetRelayedRequest().GetUpdateUserRequest() != nil {
			t.Fatalf("a related Turms user was told of a profile change: %v", n)
		}
	default:
	}
}

// TestNickAndVCardPhotoOverXMPP: a nickname published over PEP is the
// profile name; a vCard photo (XEP-0153 clients) is the avatar too.
func TestNickAndVCardPhotoOverXMPP(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	b := e.login(1002, "phone")
	withCaps(t, b, []string{nsAvatarMetadata + "+notify", nsNick + "+notify"}, true)
	if r := publish(t, a, nsNick, "current", `<nick xmlns='`+nsNick+`'>Ally</nick>`, nil); r.Attr("type") != "result" {
		t.Fatalf("nick: %s", r)
	}
	expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), nsNick)(el) && eventPayload(el).Text() == "Alice"
	}) // at login
	expect(t, b, func(el *xmlstream.Element) bool {
		return isEvent(jidOf(1001), nsNick)(el) && eventPayload(el).Text() == "Ally"
	})
	if u, _ := e.srv.Users().Get(context.Background(), 1001); u.Name != "Ally" {
		t.Fatalf("profile name %q", u.Name)
	}

	img := pngOf(t, 2, 2, color.RGBA{0, 255, 0, 255})
	vc := `<vCard xmlns='vcard-temp'><FN>Ally</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>` + base64.StdEncoding.EncodeToString(img) + `</BINVAL></PHOTO></vCard>`
	if r, _ := a.IQ("set", "", q(t, vc)); r.Attr("type") != "result" {
		t.Fatalf("vCard set: %s", r)
	}
	ev := expect(t, b, isMetadataEvent(jidOf(1001)))
	if id := eventPayload(ev).Child(nsAvatarMetadata, "info").Attr("id"); id != sha1Hex(img) {
		t.Fatalf("metadata after a vCard photo: %s", ev)
	}
	u, _ := e.srv.Users().Get(context.Background(), 1001)
	if !bytes.Equal(e.httpGet(t, u.ProfilePicture), img) {
		t.Fatalf("profile picture %q", u.ProfilePicture)
	}
}

// TestAvatarWithoutFileStore: with the file store disabled there are no
// avatars, and publishing one says so.
func TestAvatarWithoutFileStore(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Storage.Addr = "" })
	e.friends()
	a := e.online(1001, "laptop")
	img := pngOf(t, 1, 1, color.Black)
	id := sha1Hex(img)
	publish(t, a, nsAvatarData, id, `<data xmlns='`+nsAvatarData+`'>`+base64.StdEncoding.EncodeToString(img)+`</data>`, nil)
	meta := `<metadata xmlns='` + nsAvatarMetadata + `'><info id='` + id + `' bytes='1' type='image/png'/></metadata>`
	if r := publish(t, a, nsAvatarMetadata, id, meta, nil); errorCondition(r) != "feature-not-implemented" {
		t.Fatalf("an avatar without a file store: %s", r)
	}
	r := fetchItems(t, a, "", nsAvatarMetadata)
	if r.Attr("type") != "result" || len(r.Child(nsPubSub, "pubsub").Child(nsPubSub, "items").Elements()) != 0 {
		t.Fatalf("metadata without a file store: %s", r)
	}
}
