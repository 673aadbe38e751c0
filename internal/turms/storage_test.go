package turms_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

func toMap(strs []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(strs); i += 2 {
		m[strs[i]] = strs[i+1]
	}
	return m
}

func uploadInfo(t *testing.T, c *turmstest.Client, typ pb.StorageResourceType, idNum *int64, mediaType string) map[string]string {
	t.Helper()
	n := mustCode(t, c, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{
		Type: typ, IdNum: idNum, MediaType: proto.String(mediaType), Name: proto.String("f"),
	}}})
	return toMap(n.GetData().GetStringsWithVersion().GetStrings())
}

// post uploads data as the Turms client SDKs do: a multipart form with the
// fields of the upload info, "key", "Content-Type" and "file".
func post(t *testing.T, info map[string]string, mediaType string, data []byte) int {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range info {
		if k != "url" && k != "id" {
			w.WriteField(k, v)
		}
	}
	w.WriteField("key", info["id"])
	w.WriteField("Content-Type", mediaType)
	fw, _ := w.CreateFormFile("file", "f")
	fw.Write(data)
	w.Close()
	resp, err := http.Post(info["url"], w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func downloadURL(t *testing.T, c *turmstest.Client, want int32, typ pb.StorageResourceType, idNum int64) string {
	t.Helper()
	n := mustCode(t, c, want, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceDownloadInfoRequest{QueryResourceDownloadInfoRequest: &pb.QueryResourceDownloadInfoRequest{
		Type: typ, IdNum: proto.Int64(idNum),
	}}})
	return toMap(n.GetData().GetStringsWithVersion().GetStrings())["url"]
}

func TestStorage(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.storage.MaxPictureBytes = 1000 })
	defer http.DefaultClient.CloseIdleConnections()
	for id := int64(1001); id <= 1003; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	carol := e.login(1003, false, pb.DeviceType_DESKTOP)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)

	// Profile pictures: images within the size limit, public to fetch.
	info := uploadInfo(t, alice, pb.StorageResourceType_USER_PROFILE_PICTURE, nil, "image/png")
	if info["id"] != "1001" || !strings.HasPrefix(info["url"], e.filesURL+"/user-profile-picture") {
		t.Fatalf("upload info: %v", info)
	}
	if code := post(t, info, "image/png", png); code != http.StatusOK {
		t.Fatalf("upload: %d", code)
	}
	if code, b := get(t, e.filesURL+"/user-profile-picture/1001"); code != 200 || !bytes.Equal(b, png) {
		t.Fatalf("download: %d %d bytes", code, len(b))
	}
	if code := post(t, info, "image/png", bytes.Repeat([]byte{1}, 2000)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %d", code)
	}
	mustCode(t, alice, 1102, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{
		Type: pb.StorageResourceType_USER_PROFILE_PICTURE, MediaType: proto.String("text/html"),
	}}})
	forged := map[string]string{"url": info["url"], "id": "1002", "policy": info["policy"], "signature": "00"}
	if code := post(t, forged, "image/png", png); code != http.StatusForbidden {
		t.Fatalf("forged upload: %d", code)
	}

	// Group pictures follow the group's info rules.
	gid := newGroup(t, alice, 0)
	mustCode(t, bob, 3002, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{
		Type: pb.StorageResourceType_GROUP_PROFILE_PICTURE, IdNum: proto.Int64(gid),
	}}})
	ginfo := uploadInfo(t, alice, pb.StorageResourceType_GROUP_PROFILE_PICTURE, proto.Int64(gid), "image/png")
	if code := post(t, ginfo, "image/png", png); code != 200 {
		t.Fatalf("group picture upload: %d", code)
	}

	// A private attachment: the peer may fetch it through a signed URL,
	// others only once it is shared with them.
	ainfo := uploadInfo(t, alice, pb.StorageResourceType_MESSAGE_ATTACHMENT, proto.Int64(1002), "text/plain")
	if code := post(t, ainfo, "text/plain", []byte("hello file")); code != 200 {
		t.Fatalf("attachment upload: %d", code)
	}
	id := int64(0)
	for _, c := range ainfo["id"] {
		id = id*10 + int64(c-'0')
	}
	url := downloadURL(t, bob, codeOK, pb.StorageResourceType_MESSAGE_ATTACHMENT, id)
	if code, b := get(t, url); code != 200 || string(b) != "hello file" {
		t.Fatalf("attachment download: %d %q", code, b)
	}
	if code, _ := get(t, strings.Split(url, "?")[0]); code != http.StatusForbidden {
		t.Fatalf("unsigned attachment download: %d", code)
	}
	downloadURL(t, carol, 6107, pb.StorageResourceType_MESSAGE_ATTACHMENT, id)
	share := func(c *turmstest.Client, want int32, withUser int64) {
		mustCode(t, c, want, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageAttachmentInfoRequest{UpdateMessageAttachmentInfoRequest: &pb.UpdateMessageAttachmentInfoRequest{
			AttachmentIdNum: proto.Int64(id), UserIdToShareWith: proto.Int64(withUser),
		}}})
	}
	share(bob, 6102, 1003)
	share(alice, codeOK, 1003)
	downloadURL(t, carol, codeOK, pb.StorageResourceType_MESSAGE_ATTACHMENT, id)

	// Attachment infos: what I shared, and what was shared with me.
	n := mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessageAttachmentInfosRequest{QueryMessageAttachmentInfosRequest: &pb.QueryMessageAttachmentInfosRequest{
		AreSharedByMe: proto.Bool(true),
	}}})
	if infos := n.GetData().GetStorageResourceInfos().GetInfos(); len(infos) != 1 || infos[0].GetIdNum() != id || infos[0].GetMediaType() != "text/plain" {
		t.Fatalf("shared by me: %v", infos)
	}
	n = mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessageAttachmentInfosRequest{QueryMessageAttachmentInfosRequest: &pb.QueryMessageAttachmentInfosRequest{}}})
	if infos := n.GetData().GetStorageResourceInfos().GetInfos(); len(infos) != 1 || infos[0].GetUploaderId() != 1001 {
		t.Fatalf("shared with me: %v", infos)
	}
	mustCode(t, carol, 6131, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessageAttachmentInfosRequest{QueryMessageAttachmentInfosRequest: &pb.QueryMessageAttachmentInfosRequest{
		GroupIds: []int64{gid},
	}}})

	// Group attachments are for members.
	mustCode(t, carol, 6101, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{
		Type: pb.StorageResourceType_MESSAGE_ATTACHMENT, IdNum: proto.Int64(-gid),
	}}})
	uploadInfo(t, alice, pb.StorageResourceType_MESSAGE_ATTACHMENT, proto.Int64(-gid), "text/plain")

	// Deletion: only the uploader of a private attachment.
	del := func(c *turmstest.Client, want int32) {
		mustCode(t, c, want, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteResourceRequest{DeleteResourceRequest: &pb.DeleteResourceRequest{
			Type: pb.StorageResourceType_MESSAGE_ATTACHMENT, IdNum: proto.Int64(id),
		}}})
	}
	del(bob, 6106)
	del(alice, codeOK)
	if code, _ := get(t, url); code != http.StatusNotFound {
		t.Fatalf("deleted attachment: %d", code)
	}

	off := newEnv(t, func(o *envOptions) { o.noStorage = true })
	off.addUser(1001, "a")
	mustCode(t, off.login(1001, false, pb.DeviceType_DESKTOP), 6000, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryResourceUploadInfoRequest{QueryResourceUploadInfoRequest: &pb.QueryResourceUploadInfoRequest{}}})
}
