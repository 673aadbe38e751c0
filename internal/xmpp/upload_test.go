package xmpp_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsUpload     = "urn:xmpp:http:upload:0"
	uploadDomain = "upload." + domain
)

// requestSlot asks the upload service for a slot.
func requestSlot(t *testing.T, c *xmpptest.Client, name string, size int, mediaType string) *xmlstream.Element {
	t.Helper()
	req := xmlstream.New(nsUpload, "request", "filename", name, "size", strconv.Itoa(size))
	if mediaType != "" {
		req.SetAttr("content-type", mediaType)
	}
	r, err := c.IQ("get", uploadDomain, req)
	must(t, err)
	return r
}

// slotURLs returns a slot's PUT and GET URLs, failing on an error.
func slotURLs(t *testing.T, r *xmlstream.Element) (string, string) {
	t.Helper()
	slot := r.Child(nsUpload, "slot")
	if r.Attr("type") != "result" || slot == nil {
		t.Fatalf("no slot: %s", r)
	}
	put, get := slot.Child(nsUpload, "put").Attr("url"), slot.Child(nsUpload, "get").Attr("url")
	if put == "" || get == "" {
		t.Fatalf("a slot without URLs: %s", r)
	}
	return put, get
}

func httpDo(t *testing.T, hc *http.Client, method, u string, body []byte, contentType string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	must(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, b, resp.Header
}

// TestUploadDiscovery finds the upload service as clients do: among the
// server's items, by its identity and feature, with the size limit.
func TestUploadDiscovery(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Storage.MaxFileBytes = 12345 })
	e.user(1001, "Alice", "")
	alice := e.login(1001, "pc")
	r, err := alice.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#items'/>`))
	must(t, err)
	if !strings.Contains(r.String(), `jid="`+uploadDomain+`"`) {
		t.Fatalf("the server's items do not list the upload service: %s", r)
	}
	r, err = alice.IQ("get", uploadDomain, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	info := r.Child("http://jabber.org/protocol/disco#info", "query")
	if id := info.Child("http://jabber.org/protocol/disco#info", "identity"); id.Attr("category") != "store" || id.Attr("type") != "file" {
		t.Fatalf("the upload service's identity: %s", r)
	}
	if !strings.Contains(r.String(), `var="`+nsUpload+`"`) {
		t.Fatalf("the upload service does not announce %s: %s", nsUpload, r)
	}
	fields := map[string]string{}
	for _, f := range info.Child("jabber:x:data", "x").Elements() {
		fields[f.Attr("var")] = f.ChildText("jabber:x:data", "value")
	}
	if fields["FORM_TYPE"] != nsUpload || fields["max-file-size"] != "12345" {
		t.Fatalf("the upload form: %v", fields)
	}
}

// TestUploadWithoutStorage: no file store, no upload service.
func TestUploadWithoutStorage(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Storage.Addr = "" })
	e.user(1001, "Alice", "")
	alice := e.login(1001, "pc")
	r, err := alice.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#items'/>`))
	must(t, err)
	if strings.Contains(r.String(), uploadDomain) {
		t.Fatalf("the server lists an upload service without a file store: %s", r)
	}
	if r := requestSlot(t, alice, "a.txt", 3, ""); r.Attr("type") != "error" {
		t.Fatalf("a slot without a file store: %s", r)
	}
}

// TestUploadSlot uploads a file through a slot and fetches it back as a
// recipient would, with no account: the GET URL is the capability. The
// upload is an attachment of its uploader in the store Turms uses; when
// the uploader deletes it there, the URL stops working.
func TestUploadSlot(t *testing.T) {
	e := newEnv(t)
	e.friends()
	alice := e.login(1001, "pc")
	hc := e.files()
	body := []byte("hello, file store\n")
	put, get := slotURLs(t, requestSlot(t, alice, "notes été.txt", len(body), "text/plain"))

	if code, _, _ := httpDo(t, hc, "GET", get, nil, ""); code != http.StatusNotFound {
		t.Fatalf("GET before the upload: %d", code)
	}
	if code, b, _ := httpDo(t, hc, "PUT", put, body, "text/plain"); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, b)
	}
	code, b, h := httpDo(t, hc, "GET", get, nil, "")
	if code != http.StatusOK || !bytes.Equal(b, body) || h.Get("Content-Type") != "text/plain" {
		t.Fatalf("GET: %d %q %q", code, b, h.Get("Content-Type"))
	}
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET without CORS: %v", h)
	}
	if code, _, _ := httpDo(t, hc, "PUT", put, body, "text/plain"); code != http.StatusConflict {
		t.Fatalf("a second PUT to the slot: %d", code)
	}

	// Tampered URLs.
	u, _ := url.Parse(get)
	qs := u.Query()
	qs.Set("share", strings.Repeat("0", len(qs.Get("share"))))
	u.RawQuery = qs.Encode()
	if code, _, _ := httpDo(t, hc, "GET", u.String(), nil, ""); code != http.StatusForbidden {
		t.Fatalf("GET with a forged signature: %d", code)
	}
	other, _ := slotURLs(t, requestSlot(t, alice, "other.txt", len(body), "text/plain"))
	ou, _ := url.Parse(other)
	pu, _ := url.Parse(put)
	pu.RawQuery = ou.RawQuery // another slot's policy on this path
	if code, _, _ := httpDo(t, hc, "PUT", pu.String(), body, "text/plain"); code != http.StatusForbidden {
		t.Fatalf("PUT with another slot's policy: %d", code)
	}

	// The Turms side sees the attachment, and deleting it revokes the URL.
	carol := e.turms(1001)
	n, err := carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessageAttachmentInfosRequest{QueryMessageAttachmentInfosRequest: &pb.QueryMessageAttachmentInfosRequest{AreSharedByMe: proto.Bool(true)}}})
	must(t, err)
	infos := n.GetData().GetStorageResourceInfos().GetInfos()
	if len(infos) != 1 || infos[0].GetName() != "notes été.txt" || infos[0].GetMediaType() != "text/plain" {
		t.Fatalf("Alice's attachments over Turms: %v", n)
	}
	n, err = carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteResourceRequest{DeleteResourceRequest: &pb.DeleteResourceRequest{
		Type: pb.StorageResourceType_MESSAGE_ATTACHMENT, IdNum: infos[0].IdNum}}})
	if err != nil || n.GetCode() != 1000 {
		t.Fatalf("deleting the attachment: %v %v", n, err)
	}
	if code, _, _ := httpDo(t, hc, "GET", get, nil, ""); code != http.StatusNotFound {
		t.Fatalf("GET after deletion: %d", code)
	}
}

// TestUploadPutRules: the PUT must match the slot.
func TestUploadPutRules(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	alice := e.login(1001, "pc")
	hc := e.files()
	for _, tt := range []struct {
		name      string
		body      string
		slotType  string
		putType   string
		wantCode  int
		wantSaved bool
	}{
		{"exact", "12345", "image/png", "image/png", http.StatusCreated, true},
		{"no type asked", "12345", "", "application/x-anything", http.StatusCreated, true},
		{"type with parameters", "12345", "text/plain", "text/plain; charset=utf-8", http.StatusCreated, true},
		{"shorter", "1234", "", "", http.StatusRequestEntityTooLarge, false},
		{"longer", "123456", "", "", http.StatusRequestEntityTooLarge, false},
		{"other type", "12345", "image/png", "text/html", http.StatusUnsupportedMediaType, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			put, get := slotURLs(t, requestSlot(t, alice, "f.bin", 5, tt.slotType))
			if code, b, _ := httpDo(t, hc, "PUT", put, []byte(tt.body), tt.putType); code != tt.wantCode {
				t.Fatalf("PUT: %d %s, want %d", code, b, tt.wantCode)
			}
			code, b, _ := httpDo(t, hc, "GET", get, nil, "")
			if saved := code == http.StatusOK; saved != tt.wantSaved || (saved && string(b) != tt.body) {
				t.Fatalf("GET: %d %q", code, b)
			}
		})
	}
}

// TestUploadSlotRefusals: size and media type limits, and bad requests.
func TestUploadSlotRefusals(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Storage.MaxFileBytes = 1000
		c.Storage.AllowedMediaTypes = "image/*,text/plain"
	})
	e.user(1001, "Alice", "")
	alice := e.login(1001, "pc")
	for _, tt := range []struct {
		name, file, size, mediaType, want string
	}{
		{"allowed", "a.png", "1000", "image/png", ""},
		{"too large", "a.png", "1001", "image/png", "not-acceptable"},
		{"media type", "a.html", "10", "text/html", "bad-request"},
		{"no media type where types are limited", "a", "10", "", "bad-request"},
		{"no size", "a.png", "", "image/png", "bad-request"},
		{"zero size", "a.png", "0", "image/png", "bad-request"},
		{"negative size", "a.png", "-5", "image/png", "bad-request"},
		{"no name", "", "10", "image/png", "bad-request"},
		{"slash in name", "../a.png", "10", "image/png", "bad-request"},
		{"control character in name", "a\x7f.png", "10", "image/png", "bad-request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := xmlstream.New(nsUpload, "request", "filename", tt.file, "size", tt.size, "content-type", tt.mediaType)
			r, err := alice.IQ("get", uploadDomain, req)
			must(t, err)
			if tt.want == "" {
				slotURLs(t, r)
				return
			}
			errEl := r.Child(xmlstream.NSClient, "error")
			if r.Attr("type") != "error" || errEl.Child("urn:ietf:params:xml:ns:xmpp-stanzas", tt.want) == nil {
				t.Fatalf("want %s: %s", tt.want, r)
			}
			if tt.name == "too large" && errEl.Child(nsUpload, "file-too-large").ChildText(nsUpload, "max-file-size") != "1000" {
				t.Fatalf("the error does not say the limit: %s", r)
			}
		})
	}
	// Other IQs to the service are not served.
	r, err := alice.IQ("get", uploadDomain, q(t, `<query xmlns='jabber:iq:version'/>`))
	must(t, err)
	if r.Attr("type") != "error" || !strings.Contains(r.String(), "service-unavailable") {
		t.Fatalf("a version query to the upload service: %s", r)
	}
}
