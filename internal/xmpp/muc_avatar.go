package xmpp

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"

	"hermod/internal/domain/group"
	"hermod/internal/xmpp/xmlstream"
)

// A room's avatar is its group's picture (from the file store, as Turms
// clients upload it): the room's vCard photo (vcard-temp on the room's
// JID, as XEP-0486 has clients fetch it) and its hash in the room's disco
// information (muc#roominfo_avatarhash).

func init() {
	mucRoomIQ[nsVCard] = (*session).roomVCard
}

func (s *session) roomVCard(iq, _ *xmlstream.Element, _ string, v *group.View) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" {
		return nil, errNotAllowed("a room's picture is its group's: upload it as the group's picture")
	}
	out := xmlstream.New(nsVCard, "vCard")
	if v.Group.Name != "" {
		out.Add(xmlstream.New(nsVCard, "FN").AddText(v.Group.Name))
	}
	if v.Group.Intro != "" {
		out.Add(xmlstream.New(nsVCard, "DESC").AddText(v.Group.Intro))
	}
	if data, mediaType := s.roomPicture(v.Group.ID); data != nil {
		out.Add(xmlstream.New(nsVCard, "PHOTO").Add(
			xmlstream.New(nsVCard, "TYPE").AddText(mediaType),
			xmlstream.New(nsVCard, "BINVAL").AddText(base64.StdEncoding.EncodeToString(data))))
	}
	return out, nil
}

// roomPicture returns the group's picture, nil when it has none or no
// file store is configured.
func (s *session) roomPicture(groupID int64) ([]byte, string) {
	st := s.srv.svc.Storage
	if st == nil {
		return nil, ""
	}
	p, err := st.GroupPicture(s.ctx(), groupID)
	if err != nil {
		return nil, ""
	}
	return p.Data, p.MediaType
}

// roomAvatarHash is the SHA-1 of the room's picture in hex, "" for none.
func (s *session) roomAvatarHash(groupID int64) string {
	data, _ := s.roomPicture(groupID)
	if data == nil {
		return ""
	}
	h := sha1.Sum(data)
	return hex.EncodeToString(h[:])
}
