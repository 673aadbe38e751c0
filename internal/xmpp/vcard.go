package xmpp

import (
	"encoding/base64"
	"strings"

	"hermod/internal/domain/user"
	"hermod/internal/xmpp/xmlstream"
)

const nsVCard = "vcard-temp"

// vcardModule maps vCard-temp (XEP-0054) onto the user profile: FN and
// NICKNAME are the name, DESC the intro, PHOTO the picture: the avatar as
// BINVAL (XEP-0398), or EXTVAL, a URL.
func vcardModule() *module {
	return &module{
		features: []string{nsVCard}, accountFeatures: []string{nsVCard},
		iq: map[string]iqHandler{nsVCard: (*session).vcard},
	}
}

func (s *session) vcard(iq, v *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if iq.Attr("type") == "set" {
		if to != s.userID {
			return nil, errForbidden("only your own vCard can be changed")
		}
		name := strings.TrimSpace(v.ChildText(nsVCard, "FN"))
		if name == "" {
			name = strings.TrimSpace(v.ChildText(nsVCard, "NICKNAME"))
		}
		intro := v.ChildText(nsVCard, "DESC")
		ch := user.ProfileChange{Name: &name, Intro: &intro}
		if photo := v.Child(nsVCard, "PHOTO"); photo != nil {
			if ext := photo.ChildText(nsVCard, "EXTVAL"); ext != "" {
				ch.ProfilePicture = &ext
			} else if err := s.vcardPhoto(photo); err != nil {
				return nil, err
			}
		}
		return nil, s.srv.svc.Users.UpdateProfile(s.ctx(), s.requester(), ch, nil)
	}
	if to == 0 {
		return nil, errItemNotFound("the server has no vCard")
	}
	if to != s.userID {
		if blocked, err := s.srv.svc.Relations.IsBlocked(s.ctx(), to, s.userID); err != nil || blocked {
			return nil, errServiceUnavailable("")
		}
	}
	u, err := s.srv.svc.Users.Get(s.ctx(), to)
	if err != nil {
		return nil, errServiceUnavailable("")
	}
	out := xmlstream.New(nsVCard, "vCard")
	if u.Name != "" {
		out.Add(xmlstream.New(nsVCard, "FN").AddText(u.Name), xmlstream.New(nsVCard, "NICKNAME").AddText(u.Name))
	}
	if u.Intro != "" {
		out.Add(xmlstream.New(nsVCard, "DESC").AddText(u.Intro))
	}
	if a := s.srv.avatarOf(to); a != nil {
		out.Add(xmlstream.New(nsVCard, "PHOTO").Add(
			xmlstream.New(nsVCard, "TYPE").AddText(a.mediaType),
			xmlstream.New(nsVCard, "BINVAL").AddText(base64.StdEncoding.EncodeToString(a.data))))
	} else if u.ProfilePicture != "" {
		out.Add(xmlstream.New(nsVCard, "PHOTO").Add(xmlstream.New(nsVCard, "EXTVAL").AddText(u.ProfilePicture)))
	}
	return out, nil
}
