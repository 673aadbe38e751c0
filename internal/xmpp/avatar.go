package xmpp

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"image"
	_ "image/gif" // avatars' dimensions
	_ "image/jpeg"
	_ "image/png"
	"strconv"
	"strings"
	"sync"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/user"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// Avatars: the user's profile picture, as Turms clients upload it to the
// file store, is their XMPP avatar, in three forms: PEP nodes (XEP-0084),
// the vCard photo (XEP-0054, converted as XEP-0398 says) and the photo
// hash in presence (XEP-0153). An avatar set over XMPP in either form
// becomes the profile picture.
const (
	nsAvatarData     = "urn:xmpp:avatar:data"
	nsAvatarMetadata = "urn:xmpp:avatar:metadata"
	nsVCardUpdate    = "vcard-temp:x:update"
	nsVCardConvert   = "urn:xmpp:pep-vcard-conversion:0"
)

func init() {
	pepProviders[nsAvatarData] = &pepProvider{access: accessOpen, items: avatarDataItems, publish: publishAvatarData}
	pepProviders[nsAvatarMetadata] = &pepProvider{access: accessOpen, items: avatarMetadataItems, publish: publishAvatarMetadata, byProfile: true}
}

// avatar is what the XMPP forms need of a profile picture.
type avatar struct {
	stamp         string // the picture's, when this was derived
	id            string // hex SHA-1 of the data (XEP-0084 and XEP-0153 ids)
	mediaType     string
	data          []byte
	width, height int
}

// avatars caches each user's avatar by the picture's stamp, so that
// presence can carry the hash without reading the file each time.
type avatars struct {
	mu   sync.Mutex
	byID map[int64]*avatar
	// pending holds data published to urn:xmpp:avatar:data until the
	// metadata naming it arrives (XEP-0084 section 4.2), one per user.
	pending map[int64]*avatar
	// announced is each user's avatar id and name as last announced.
	announced map[int64][2]string
}

// avatarOf returns userID's avatar, or nil: a stored picture while the
// profile names one.
func (s *Server) avatarOf(userID int64) *avatar {
	st := s.svc.Storage
	if st == nil {
		return nil
	}
	stamp, ok := st.PictureStamp(userID)
	if !ok {
		return nil
	}
	s.avatars.mu.Lock()
	a := s.avatars.byID[userID]
	s.avatars.mu.Unlock()
	if a != nil && a.stamp == stamp {
		return a.orNil()
	}
	a = &avatar{stamp: stamp}
	if u, err := s.svc.Users.Get(context.Background(), userID); err == nil && u.ProfilePicture != "" {
		if p, err := st.UserPicture(context.Background(), userID); err == nil {
			a.fill(p.Data, p.MediaType)
		}
	}
	s.avatars.mu.Lock()
	s.avatars.byID[userID] = a
	s.avatars.mu.Unlock()
	return a.orNil()
}

// forgetAvatar drops a cached avatar whose picture changed, or whose
// profile stopped naming it.
func (s *Server) forgetAvatar(userID int64) {
	s.avatars.mu.Lock()
	delete(s.avatars.byID, userID)
	s.avatars.mu.Unlock()
}

func (a *avatar) orNil() *avatar {
	if a.id == "" {
		return nil
	}
	return a
}

func (a *avatar) fill(data []byte, mediaType string) {
	sum := sha1.Sum(data)
	a.id, a.data, a.mediaType = hex.EncodeToString(sum[:]), data, mediaType
	if c, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		a.width, a.height = c.Width, c.Height
	}
}

func (a *avatar) metadata() *xmlstream.Element {
	info := xmlstream.New(nsAvatarMetadata, "info", "id", a.id, "bytes", strconv.Itoa(len(a.data)), "type", a.mediaType)
	if a.width > 0 {
		info.SetAttr("width", strconv.Itoa(a.width))
		info.SetAttr("height", strconv.Itoa(a.height))
	}
	return xmlstream.New(nsAvatarMetadata, "metadata").Add(info)
}

func avatarMetadataItems(s *session, owner int64, ids []string, _ int) ([]pepItem, error) {
	a := s.srv.avatarOf(owner)
	if a == nil || (len(ids) > 0 && !contains(ids, a.id)) {
		return nil, nil
	}
	return []pepItem{{id: a.id, payload: xmlstream.Append(nil, a.metadata(), "")}}, nil
}

func avatarDataItems(s *session, owner int64, ids []string, _ int) ([]pepItem, error) {
	a := s.srv.avatarOf(owner)
	if a == nil || (len(ids) > 0 && !contains(ids, a.id)) {
		return nil, nil
	}
	data := xmlstream.New(nsAvatarData, "data").AddText(base64.StdEncoding.EncodeToString(a.data))
	return []pepItem{{id: a.id, payload: xmlstream.Append(nil, data, "")}}, nil
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// publishAvatarData keeps published image data until its metadata comes.
func publishAvatarData(s *session, it pepItem, payload *xmlstream.Element) (pepItem, error) {
	if !payload.Is(nsAvatarData, "data") {
		return it, pubsubErr(errBadRequest("the payload is <data xmlns='urn:xmpp:avatar:data'/>"), "invalid-payload")
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(payload.Text()), ""))
	if err != nil || len(data) == 0 {
		return it, pubsubErr(errBadRequest("the avatar data is not base64"), "invalid-payload")
	}
	a := &avatar{}
	a.fill(data, "")
	if it.id != a.id {
		return it, pubsubErr(errBadRequest("the item id is the SHA-1 of the data, "+a.id), "invalid-payload")
	}
	s.srv.avatars.mu.Lock()
	s.srv.avatars.pending[s.userID] = a
	s.srv.avatars.mu.Unlock()
	return it, nil
}

// publishAvatarMetadata sets the profile picture to the data published
// before under the metadata's id, or clears it for empty metadata
// (XEP-0084 section 4.5).
func publishAvatarMetadata(s *session, it pepItem, payload *xmlstream.Element) (pepItem, error) {
	if !payload.Is(nsAvatarMetadata, "metadata") {
		return it, pubsubErr(errBadRequest("the payload is <metadata xmlns='urn:xmpp:avatar:metadata'/>"), "invalid-payload")
	}
	var info *xmlstream.Element
	for _, el := range payload.Elements() {
		if el.Is(nsAvatarMetadata, "info") && el.Attr("url") == "" {
			info = el // the one whose data is in PEP
			break
		}
	}
	if info == nil {
		if payload.Child(nsAvatarMetadata, "info") != nil {
			return it, errFeatureNotImplemented("only avatars published in urn:xmpp:avatar:data are supported")
		}
		return it, s.setAvatar(nil)
	}
	id := info.Attr("id")
	if cur := s.srv.avatarOf(s.userID); cur != nil && cur.id == id {
		return pepItem{id: id, payload: xmlstream.Append(nil, cur.metadata(), "")}, nil
	}
	s.srv.avatars.mu.Lock()
	a := s.srv.avatars.pending[s.userID]
	if a != nil && a.id == id {
		delete(s.srv.avatars.pending, s.userID)
	}
	s.srv.avatars.mu.Unlock()
	if a == nil || a.id != id {
		return it, errItemNotFound("publish the data to " + nsAvatarData + " first")
	}
	a.mediaType = info.Attr("type")
	if err := s.setAvatar(a); err != nil {
		return it, err
	}
	return pepItem{id: id, payload: xmlstream.Append(nil, a.metadata(), "")}, nil
}

// setAvatar stores an avatar as the profile picture (nil clears it). The
// profile change tells the user's sessions and contacts, Turms and XMPP
// (this resource too: it is a PEP notification to it).
func (s *session) setAvatar(a *avatar) error {
	st := s.srv.svc.Storage
	if st == nil {
		return errFeatureNotImplemented("the file store is disabled, so there are no avatars")
	}
	url := ""
	if a != nil {
		var err error
		if url, err = st.PutUserPicture(s.ctx(), s.userID, a.mediaType, a.data); err != nil {
			return err
		}
	} else if err := st.DeleteUserPicture(s.ctx(), s.userID); err != nil && domain.CodeOf(err) != status.ResourceNotFound {
		return err
	}
	s.srv.forgetAvatar(s.userID)
	return s.srv.svc.Users.UpdateProfile(s.ctx(), domain.Requester{UserID: s.userID}, user.ProfileChange{ProfilePicture: &url}, nil)
}

// stampAvatar puts the XEP-0153 photo hash of userID's avatar into a
// presence: the hash when there is one (replacing the client's, which may
// be stale), nothing otherwise.
func (s *Server) stampAvatar(p *xmlstream.Element, userID int64) *xmlstream.Element {
	a := s.avatarOf(userID)
	if a == nil {
		return p
	}
	out := *p
	out.Children = nil
	for _, c := range p.Children {
		if el, ok := c.(*xmlstream.Element); ok && el.Is(nsVCardUpdate, "x") {
			continue
		}
		out.Children = append(out.Children, c)
	}
	out.Add(xmlstream.New(nsVCardUpdate, "x").Add(xmlstream.New(nsVCardUpdate, "photo").AddText(a.id)))
	return &out
}

// profileDelta says, once per profile change event, whether the avatar
// and the name changed since the last change announced.
func (s *Server) profileDelta(u *store.User) []byte {
	s.forgetAvatar(u.ID)
	id := ""
	if a := s.avatarOf(u.ID); a != nil {
		id = a.id
	}
	s.avatars.mu.Lock()
	defer s.avatars.mu.Unlock()
	prev, known := s.avatars.announced[u.ID]
	s.avatars.announced[u.ID] = [2]string{id, u.Name}
	return []byte{flag(prev[0] != id), flag(!known || prev[1] != u.Name)}
}

func flag(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// renderProfileChange tells a resource of a profile change as PEP
// notifications of the avatar and nickname nodes it follows, and, for a
// contact, as presence with the new photo hash (XEP-0153).
func (s *session) renderProfileChange(ev *event.Event, u *store.User) [][]byte {
	delta := ev.Rendered(event.SlotXMPP, func() []byte { return s.srv.profileDelta(u) })
	avatarChanged, nameChanged := delta[0] == 1, delta[1] == 1
	if !s.available.Load() || (u.ID != s.userID && !s.receivesPresenceOf(u.ID)) {
		return nil
	}
	var out [][]byte
	notice := func(node string, it pepItem) {
		n := &pepNotice{owner: u.ID, node: node, items: []pepItem{it}}
		out = append(out, xmlstream.Append(nil, s.srv.pepEvent(n, s.jid.String(), false), s.t.parentNS()))
	}
	if avatarChanged && s.follows(nsAvatarMetadata) {
		if a := s.srv.avatarOf(u.ID); a != nil {
			notice(nsAvatarMetadata, pepItem{id: a.id, payload: xmlstream.Append(nil, a.metadata(), "")})
		} else {
			notice(nsAvatarMetadata, pepItem{id: "current", payload: xmlstream.Append(nil, xmlstream.New(nsAvatarMetadata, "metadata"), "")})
		}
	}
	if nameChanged && s.follows(nsNick) && u.Name != "" {
		notice(nsNick, nickItem(u.Name))
	}
	if avatarChanged && u.ID != s.userID {
		out = append(out, s.srv.presenceOf(u.ID, s.userID, nil)...)
	}
	return out
}

// avatarModule announces that vCard photos and PEP avatars are one
// (XEP-0398).
func avatarModule() *module {
	return &module{features: []string{nsVCardConvert}, accountFeatures: []string{nsVCardConvert}}
}

// vcardPhoto sets the avatar from a vCard PHOTO with BINVAL (XEP-0398: a
// vCard avatar is the PEP avatar too); an empty PHOTO clears it.
func (s *session) vcardPhoto(photo *xmlstream.Element) error {
	bin := strings.Join(strings.Fields(photo.ChildText(nsVCard, "BINVAL")), "")
	if bin == "" {
		if s.srv.avatarOf(s.userID) == nil {
			return nil
		}
		return s.setAvatar(nil)
	}
	data, err := base64.StdEncoding.DecodeString(bin)
	if err != nil {
		return errBadRequest("the PHOTO's BINVAL is not base64")
	}
	a := &avatar{}
	a.fill(data, photo.ChildText(nsVCard, "TYPE"))
	if cur := s.srv.avatarOf(s.userID); cur != nil && cur.id == a.id {
		return nil
	}
	return s.setAvatar(a)
}
