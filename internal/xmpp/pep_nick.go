package xmpp

import (
	"context"
	"strings"

	"hermod/internal/domain"
	"hermod/internal/domain/user"
	"hermod/internal/xmpp/xmlstream"
)

// nsNick is user nickname (XEP-0172): the PEP node is the profile's name.
const nsNick = "http://jabber.org/protocol/nick"

func init() {
	pepProviders[nsNick] = &pepProvider{access: accessPresence, items: nickItems, publish: publishNick, byProfile: true}
}

func nickItems(s *session, owner int64, ids []string, _ int) ([]pepItem, error) {
	u, err := s.srv.svc.Users.Get(context.Background(), owner)
	if err != nil || u.Name == "" || (len(ids) > 0 && !contains(ids, "current")) {
		return nil, nil
	}
	return []pepItem{nickItem(u.Name)}, nil
}

func nickItem(name string) pepItem {
	return pepItem{id: "current", payload: xmlstream.Append(nil, xmlstream.New(nsNick, "nick").AddText(name), "")}
}

// publishNick sets the profile's name.
func publishNick(s *session, _ pepItem, payload *xmlstream.Element) (pepItem, error) {
	if !payload.Is(nsNick, "nick") {
		return pepItem{}, pubsubErr(errBadRequest("the payload is <nick xmlns='"+nsNick+"'/>"), "invalid-payload")
	}
	name := strings.TrimSpace(payload.Text())
	err := s.srv.svc.Users.UpdateProfile(s.ctx(), domain.Requester{UserID: s.userID}, user.ProfileChange{Name: &name}, nil)
	return nickItem(name), err
}
