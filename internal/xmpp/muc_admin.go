package xmpp

import (
	"hermod/internal/domain/group"
	"hermod/internal/xmpp/xmlstream"
)

// roomIQHandler answers an IQ to a room the user may see.
type roomIQHandler func(s *session, iq, payload *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error)

// mucRoomIQ are the namespaces rooms answer besides disco and ping.
var mucRoomIQ = map[string]roomIQHandler{}
