package xmpp_test

import (
	"bytes"
	"encoding/base64"
	"image/color"
	"mime/multipart"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// uploadGroupPicture sets a group's picture as a Turms client does.
func (e *env) uploadGroupPicture(t *testing.T, c *turmstest.Client, groupID int64, img []byte) {
	t.Helper()
	n, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{
		Type: pb.StorageResourceType_GROUP_PROFILE_PICTURE, IdNum: proto.Int64(groupID), MediaType: proto.String("image/png"),
	}}})
	must(t, err)
	if n.GetCode() != 1000 {
		t.Fatalf("upload info: %v", n)
	}
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
	fw, _ := w.CreateFormFile("file", "group.png")
	fw.Write(img)
	w.Close()
	resp, err := e.files().Post(info["url"], w.FormDataContentType(), &body)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
}

// TestMUCRoomAvatar: the group's picture, uploaded by a Turms client, is
// the room's vCard photo and its hash is in the room's disco information.
func TestMUCRoomAvatar(t *testing.T) {
	e := newEnv(t)
	e.friends()
	gid, room := e.group(1001, "Team", nil, 1002)
	bob := e.login(1002, "pc")
	r, err := bob.IQ("get", room, q(t, `<vCard xmlns='vcard-temp'/>`))
	must(t, err)
	if r.Attr("type") != "result" || r.Child("vcard-temp", "vCard").Child("vcard-temp", "PHOTO") != nil {
		t.Fatalf("the vCard of a room without a picture: %s", r)
	}
	img := pngOf(t, 3, 3, color.RGBA{0, 255, 0, 255})
	e.uploadGroupPicture(t, e.turms(1001), gid, img)

	r, err = bob.IQ("get", room, q(t, `<vCard xmlns='vcard-temp'/>`))
	must(t, err)
	photo := r.Child("vcard-temp", "vCard").Child("vcard-temp", "PHOTO")
	if photo == nil || photo.ChildText("vcard-temp", "BINVAL") != base64.StdEncoding.EncodeToString(img) ||
		photo.ChildText("vcard-temp", "TYPE") != "image/png" {
		t.Fatalf("the room's photo: %s", r)
	}
	r, err = bob.IQ("get", room, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	found := false
	for _, f := range r.Child(nsDiscoInfo, "query").Child("jabber:x:data", "x").Elements() {
		if f.Attr("var") == "muc#roominfo_avatarhash" {
			found = f.ChildText("jabber:x:data", "value") == sha1Hex(img)
		}
	}
	if !found {
		t.Errorf("no avatar hash %s in %s", sha1Hex(img), r)
	}
	r, err = bob.IQ("set", room, q(t, `<vCard xmlns='vcard-temp'/>`))
	must(t, err)
	if r.Attr("type") != "error" {
		t.Errorf("setting a room's vCard: %s", r)
	}
}
