package event

import (
	"fmt"
	"maps"
	"slices"

	"hermod/internal/store"
	"hermod/internal/wire"
)

// Payload tags. They are the wire format: never renumber or reuse one.
const (
	tagMessageCreated byte = iota + 1
	tagMessageUpdated
	tagTypingStatus
	tagFriendRequestCreated
	tagFriendRequestRecalled
	tagFriendRequestReplied
	tagRelationshipChanged
	tagRelationshipGroupsChanged
	tagUserInfoUpdated
	tagOnlineStatusUpdated
	tagRelayed
	tagReadDateUpdated
	tagSessionKicked
	tagGroupCreated
	tagGroupUpdated
	tagGroupDeleted
	tagGroupMembersAdded
	tagGroupMembersRemoved
	tagGroupMemberUpdated
	tagGroupBlocklistChanged
	tagGroupInvitationChanged
	tagGroupJoinRequestChanged
	tagSettingsChanged
	tagReactionsChanged
)

// appendPayload appends p's tag and fields. Payloads are pointers, as the
// domain publishes them and the sessions' renderers expect them.
func appendPayload(b []byte, p any) ([]byte, error) {
	switch p := p.(type) {
	case *MessageCreated:
		b = append(b, tagMessageCreated)
		b = appendMessage(b, &p.Message)
	case *MessageUpdated:
		b = append(b, tagMessageUpdated)
		b = appendMessage(b, &p.Message)
		b = wire.AppendBool(b, p.Edited)
		b = wire.AppendBool(b, p.Recalled)
	case *TypingStatus:
		b = append(b, tagTypingStatus)
		b = wire.AppendInt(b, p.FromID)
		b = wire.AppendInt(b, p.ToID)
		b = wire.AppendBool(b, p.IsGroup)
	case *FriendRequestCreated:
		b = append(b, tagFriendRequestCreated)
		b = appendFriendRequest(b, &p.Request)
	case *FriendRequestRecalled:
		b = append(b, tagFriendRequestRecalled)
		b = appendFriendRequest(b, &p.Request)
	case *FriendRequestReplied:
		b = append(b, tagFriendRequestReplied)
		b = appendFriendRequest(b, &p.Request)
	case *RelationshipChanged:
		b = append(b, tagRelationshipChanged)
		b = wire.AppendInt(b, p.OwnerID)
		b = wire.AppendInt(b, p.RelatedID)
		b = wire.AppendBool(b, p.Deleted)
		b = wire.AppendBool(b, p.RelayToRelated)
	case *RelationshipGroupsChanged:
		b = append(b, tagRelationshipGroupsChanged)
		b = wire.AppendInt(b, p.OwnerID)
	case *UserInfoUpdated:
		b = append(b, tagUserInfoUpdated)
		b = appendUser(b, &p.User)
		b = wire.AppendBool(b, p.RelayToRelated)
	case *OnlineStatusUpdated:
		b = append(b, tagOnlineStatusUpdated)
		b = wire.AppendInt(b, p.UserID)
		b = wire.AppendInt(b, int64(p.Status))
		b = wire.AppendBool(b, p.Implicit)
		b = wire.AppendBool(b, p.RelayToRelated)
	case *Relayed:
		b = append(b, tagRelayed)
		b = wire.AppendInt(b, p.FromID)
		b = wire.AppendInt(b, p.ToID)
	case *ReadDateUpdated:
		b = append(b, tagReadDateUpdated)
		b = wire.AppendInt(b, p.OwnerID)
		b = wire.AppendInt(b, p.TargetID)
		b = wire.AppendBool(b, p.IsGroup)
		b = wire.AppendInt(b, p.ReadDate)
	case *SessionKicked:
		b = append(b, tagSessionKicked)
		b = wire.AppendInt(b, p.UserID)
		b = appendInt32s(b, p.DeviceTypes)
		b = wire.AppendInt(b, int64(p.CloseStatus))
	case *GroupCreated:
		b = append(b, tagGroupCreated)
		b = appendGroup(b, &p.Group)
	case *GroupUpdated:
		b = append(b, tagGroupUpdated)
		b = appendGroup(b, &p.Group)
	case *GroupDeleted:
		b = append(b, tagGroupDeleted)
		b = wire.AppendInt(b, p.GroupID)
	case *GroupMembersAdded:
		b = append(b, tagGroupMembersAdded)
		b = wire.AppendInt(b, p.GroupID)
		b = wire.AppendLen(b, len(p.Members), p.Members == nil)
		for i := range p.Members {
			b = appendGroupMember(b, &p.Members[i])
		}
	case *GroupMembersRemoved:
		b = append(b, tagGroupMembersRemoved)
		b = wire.AppendInt(b, p.GroupID)
		b = appendInt64s(b, p.UserIDs)
	case *GroupMemberUpdated:
		b = append(b, tagGroupMemberUpdated)
		b = appendGroupMember(b, &p.Member)
	case *GroupBlocklistChanged:
		b = append(b, tagGroupBlocklistChanged)
		b = wire.AppendInt(b, p.GroupID)
		b = wire.AppendInt(b, p.UserID)
		b = wire.AppendBool(b, p.Blocked)
	case *GroupInvitationChanged:
		b = append(b, tagGroupInvitationChanged)
		b = appendInvitation(b, &p.Invitation)
	case *GroupJoinRequestChanged:
		b = append(b, tagGroupJoinRequestChanged)
		b = appendJoinRequest(b, &p.Request)
	case *SettingsChanged:
		b = append(b, tagSettingsChanged)
		b = wire.AppendInt(b, p.OwnerID)
		b = wire.AppendInt(b, int64(p.Scope))
		b = wire.AppendInt(b, p.TargetID)
		b = wire.AppendLen(b, len(p.Values), p.Values == nil)
		for _, k := range slices.Sorted(maps.Keys(p.Values)) { // the same event, the same bytes
			b = wire.AppendString(b, k)
			b = wire.AppendBytes(b, p.Values[k])
		}
		b = appendStrings(b, p.Deleted)
	case *ReactionsChanged:
		b = append(b, tagReactionsChanged)
		b = wire.AppendInt(b, p.MessageID)
		b = wire.AppendInt(b, p.UserID)
		b = appendInt32s(b, p.Types)
		b = wire.AppendBool(b, p.Removed)
		b = appendInt32s(b, p.Current)
		b = wire.AppendBool(b, p.Partial)
		b = appendMessage(b, &p.Message)
	default:
		return b, fmt.Errorf("%w for payload %T", ErrUnsupported, p)
	}
	return b, nil
}

// readPayload reads what appendPayload wrote; nil after an error.
func readPayload(r *wire.Reader) any {
	tag := r.Byte()
	var p any
	switch tag {
	case tagMessageCreated:
		m := &MessageCreated{}
		readMessage(r, &m.Message)
		p = m
	case tagMessageUpdated:
		m := &MessageUpdated{}
		readMessage(r, &m.Message)
		m.Edited, m.Recalled = r.Bool(), r.Bool()
		p = m
	case tagTypingStatus:
		p = &TypingStatus{FromID: r.Int(), ToID: r.Int(), IsGroup: r.Bool()}
	case tagFriendRequestCreated:
		p = &FriendRequestCreated{Request: readFriendRequest(r)}
	case tagFriendRequestRecalled:
		p = &FriendRequestRecalled{Request: readFriendRequest(r)}
	case tagFriendRequestReplied:
		p = &FriendRequestReplied{Request: readFriendRequest(r)}
	case tagRelationshipChanged:
		p = &RelationshipChanged{OwnerID: r.Int(), RelatedID: r.Int(), Deleted: r.Bool(), RelayToRelated: r.Bool()}
	case tagRelationshipGroupsChanged:
		p = &RelationshipGroupsChanged{OwnerID: r.Int()}
	case tagUserInfoUpdated:
		p = &UserInfoUpdated{User: readUser(r), RelayToRelated: r.Bool()}
	case tagOnlineStatusUpdated:
		p = &OnlineStatusUpdated{UserID: r.Int(), Status: r.Int32(), Implicit: r.Bool(), RelayToRelated: r.Bool()}
	case tagRelayed:
		p = &Relayed{FromID: r.Int(), ToID: r.Int()}
	case tagReadDateUpdated:
		p = &ReadDateUpdated{OwnerID: r.Int(), TargetID: r.Int(), IsGroup: r.Bool(), ReadDate: r.Int()}
	case tagSessionKicked:
		p = &SessionKicked{UserID: r.Int(), DeviceTypes: readInt32s(r), CloseStatus: r.Int32()}
	case tagGroupCreated:
		p = &GroupCreated{Group: readGroup(r)}
	case tagGroupUpdated:
		p = &GroupUpdated{Group: readGroup(r)}
	case tagGroupDeleted:
		p = &GroupDeleted{GroupID: r.Int()}
	case tagGroupMembersAdded:
		g := &GroupMembersAdded{GroupID: r.Int()}
		if n, isNil := r.Len(minGroupMemberSize); !isNil {
			g.Members = make([]store.GroupMember, n)
			for i := range g.Members {
				g.Members[i] = readGroupMember(r)
			}
		}
		p = g
	case tagGroupMembersRemoved:
		p = &GroupMembersRemoved{GroupID: r.Int(), UserIDs: readInt64s(r)}
	case tagGroupMemberUpdated:
		p = &GroupMemberUpdated{Member: readGroupMember(r)}
	case tagGroupBlocklistChanged:
		p = &GroupBlocklistChanged{GroupID: r.Int(), UserID: r.Int(), Blocked: r.Bool()}
	case tagGroupInvitationChanged:
		p = &GroupInvitationChanged{Invitation: readInvitation(r)}
	case tagGroupJoinRequestChanged:
		p = &GroupJoinRequestChanged{Request: readJoinRequest(r)}
	case tagSettingsChanged:
		s := &SettingsChanged{OwnerID: r.Int(), Scope: store.SettingScope(r.Int32()), TargetID: r.Int()}
		if n, isNil := r.Len(2); !isNil { // a name and a value, a byte each at least
			s.Values = make(map[string][]byte, n)
			for range n {
				k := r.Str()
				s.Values[k] = r.Bytes()
			}
		}
		s.Deleted = readStrings(r)
		p = s
	case tagReactionsChanged:
		rc := &ReactionsChanged{
			MessageID: r.Int(), UserID: r.Int(), Types: readInt32s(r), Removed: r.Bool(),
			Current: readInt32s(r), Partial: r.Bool(),
		}
		readMessage(r, &rc.Message)
		p = rc
	default:
		if r.Err() == nil {
			r.Fail(fmt.Errorf("%w for payload tag %d", ErrUnsupported, tag))
		}
	}
	if r.Err() != nil {
		return nil
	}
	return p
}

// Records, field by field in declaration order. Go evaluates the
// operands of a composite literal left to right, which the readers rely
// on.

func appendMessage(b []byte, m *store.Message) []byte {
	b = wire.AppendInt(b, m.ID)
	b = wire.AppendInt(b, m.SenderID)
	b = wire.AppendInt(b, m.RecipientID)
	b = wire.AppendInt(b, m.GroupID)
	b = wire.AppendBool(b, m.IsSystem)
	b = wire.AppendString(b, m.Text)
	b = wire.AppendLen(b, len(m.Records), m.Records == nil)
	for _, rec := range m.Records {
		b = wire.AppendBytes(b, rec)
	}
	b = wire.AppendInt(b, m.DeliveryDate)
	b = wire.AppendInt(b, m.ModificationDate)
	b = wire.AppendInt(b, m.RecallDate)
	b = wire.AppendInt(b, m.PreMessageID)
	b = wire.AppendBytes(b, m.Extensions)
	return wire.AppendString(b, m.ClientID)
}

// readMessage reads into m, in place: a message is the payload of the hot
// path, and copying it whole costs.
func readMessage(r *wire.Reader, m *store.Message) {
	m.ID, m.SenderID, m.RecipientID, m.GroupID = r.Int(), r.Int(), r.Int(), r.Int()
	m.IsSystem, m.Text = r.Bool(), r.Str()
	if n, isNil := r.Len(1); !isNil {
		m.Records = make([][]byte, n)
		for i := range m.Records {
			m.Records[i] = r.Bytes()
		}
	}
	m.DeliveryDate, m.ModificationDate, m.RecallDate, m.PreMessageID = r.Int(), r.Int(), r.Int(), r.Int()
	m.Extensions = r.Bytes()
	m.ClientID = r.Str()
}

func appendFriendRequest(b []byte, f *store.FriendRequest) []byte {
	b = wire.AppendInt(b, f.ID)
	b = wire.AppendInt(b, f.RequesterID)
	b = wire.AppendInt(b, f.RecipientID)
	b = wire.AppendString(b, f.Content)
	b = wire.AppendInt(b, int64(f.Status))
	b = wire.AppendString(b, f.Reason)
	b = wire.AppendInt(b, f.CreationDate)
	b = wire.AppendInt(b, f.ResponseDate)
	return wire.AppendInt(b, f.ExpirationDate)
}

func readFriendRequest(r *wire.Reader) store.FriendRequest {
	return store.FriendRequest{
		ID: r.Int(), RequesterID: r.Int(), RecipientID: r.Int(), Content: r.Str(),
		Status: store.RequestStatus(r.Int32()), Reason: r.Str(),
		CreationDate: r.Int(), ResponseDate: r.Int(), ExpirationDate: r.Int(),
	}
}

// appendUser leaves out the credentials: no renderer needs a user's SCRAM
// keys, and they have no business on the bus between nodes.
func appendUser(b []byte, u *store.User) []byte {
	b = wire.AppendInt(b, u.ID)
	b = wire.AppendString(b, u.LoginName)
	b = wire.AppendString(b, u.Name)
	b = wire.AppendString(b, u.Intro)
	b = wire.AppendString(b, u.ProfilePicture)
	b = wire.AppendInt(b, int64(u.ProfileAccessStrategy))
	b = wire.AppendBytes(b, u.Attributes)
	b = wire.AppendBool(b, u.Active)
	b = wire.AppendInt(b, u.RegistrationDate)
	return wire.AppendInt(b, u.LastUpdatedDate)
}

func readUser(r *wire.Reader) store.User {
	return store.User{
		ID: r.Int(), LoginName: r.Str(), Name: r.Str(), Intro: r.Str(), ProfilePicture: r.Str(),
		ProfileAccessStrategy: r.Int32(), Attributes: r.Bytes(), Active: r.Bool(),
		RegistrationDate: r.Int(), LastUpdatedDate: r.Int(),
	}
}

func appendGroup(b []byte, g *store.Group) []byte {
	b = wire.AppendInt(b, g.ID)
	b = wire.AppendInt(b, g.TypeID)
	b = wire.AppendInt(b, g.CreatorID)
	b = wire.AppendInt(b, g.OwnerID)
	b = wire.AppendString(b, g.Name)
	b = wire.AppendString(b, g.Intro)
	b = wire.AppendString(b, g.Announcement)
	b = wire.AppendInt(b, int64(g.MinScore))
	b = wire.AppendInt(b, g.MuteEndDate)
	b = wire.AppendBool(b, g.Active)
	b = wire.AppendBytes(b, g.Attributes)
	b = wire.AppendInt(b, g.CreationDate)
	b = wire.AppendInt(b, g.LastUpdatedDate)
	return wire.AppendInt(b, g.DeletionDate)
}

func readGroup(r *wire.Reader) store.Group {
	return store.Group{
		ID: r.Int(), TypeID: r.Int(), CreatorID: r.Int(), OwnerID: r.Int(),
		Name: r.Str(), Intro: r.Str(), Announcement: r.Str(), MinScore: r.Int32(),
		MuteEndDate: r.Int(), Active: r.Bool(), Attributes: r.Bytes(),
		CreationDate: r.Int(), LastUpdatedDate: r.Int(), DeletionDate: r.Int(),
	}
}

// minGroupMemberSize is the fewest bytes a member takes: seven fields of
// at least one byte.
const minGroupMemberSize = 7

func appendGroupMember(b []byte, m *store.GroupMember) []byte {
	b = wire.AppendInt(b, m.GroupID)
	b = wire.AppendInt(b, m.UserID)
	b = wire.AppendString(b, m.Name)
	b = wire.AppendInt(b, int64(m.Role))
	b = wire.AppendInt(b, m.JoinDate)
	b = wire.AppendInt(b, m.MuteEndDate)
	return wire.AppendString(b, m.Note)
}

func readGroupMember(r *wire.Reader) store.GroupMember {
	return store.GroupMember{
		GroupID: r.Int(), UserID: r.Int(), Name: r.Str(), Role: r.Int32(),
		JoinDate: r.Int(), MuteEndDate: r.Int(), Note: r.Str(),
	}
}

func appendInvitation(b []byte, v *store.GroupInvitation) []byte {
	b = wire.AppendInt(b, v.ID)
	b = wire.AppendInt(b, v.GroupID)
	b = wire.AppendInt(b, v.InviterID)
	b = wire.AppendInt(b, v.InviteeID)
	b = wire.AppendString(b, v.Content)
	b = wire.AppendInt(b, int64(v.Status))
	b = wire.AppendString(b, v.Reason)
	b = wire.AppendInt(b, v.CreationDate)
	b = wire.AppendInt(b, v.ResponseDate)
	return wire.AppendInt(b, v.ExpirationDate)
}

func readInvitation(r *wire.Reader) store.GroupInvitation {
	return store.GroupInvitation{
		ID: r.Int(), GroupID: r.Int(), InviterID: r.Int(), InviteeID: r.Int(), Content: r.Str(),
		Status: store.RequestStatus(r.Int32()), Reason: r.Str(),
		CreationDate: r.Int(), ResponseDate: r.Int(), ExpirationDate: r.Int(),
	}
}

func appendJoinRequest(b []byte, j *store.GroupJoinRequest) []byte {
	b = wire.AppendInt(b, j.ID)
	b = wire.AppendInt(b, j.GroupID)
	b = wire.AppendInt(b, j.RequesterID)
	b = wire.AppendInt(b, j.ResponderID)
	b = wire.AppendString(b, j.Content)
	b = wire.AppendInt(b, int64(j.Status))
	b = wire.AppendString(b, j.Reason)
	b = wire.AppendInt(b, j.CreationDate)
	b = wire.AppendInt(b, j.ResponseDate)
	return wire.AppendInt(b, j.ExpirationDate)
}

func readJoinRequest(r *wire.Reader) store.GroupJoinRequest {
	return store.GroupJoinRequest{
		ID: r.Int(), GroupID: r.Int(), RequesterID: r.Int(), ResponderID: r.Int(), Content: r.Str(),
		Status: store.RequestStatus(r.Int32()), Reason: r.Str(),
		CreationDate: r.Int(), ResponseDate: r.Int(), ExpirationDate: r.Int(),
	}
}

func appendInt32s(b []byte, vs []int32) []byte {
	b = wire.AppendLen(b, len(vs), vs == nil)
	for _, v := range vs {
		b = wire.AppendInt(b, int64(v))
	}
	return b
}

func readInt32s(r *wire.Reader) []int32 {
	n, isNil := r.Len(1)
	if isNil {
		return nil
	}
	vs := make([]int32, n)
	for i := range vs {
		vs[i] = r.Int32()
	}
	return vs
}

func appendInt64s(b []byte, vs []int64) []byte {
	b = wire.AppendLen(b, len(vs), vs == nil)
	for _, v := range vs {
		b = wire.AppendInt(b, v)
	}
	return b
}

func readInt64s(r *wire.Reader) []int64 {
	n, isNil := r.Len(1)
	if isNil {
		return nil
	}
	vs := make([]int64, n)
	for i := range vs {
		vs[i] = r.Int()
	}
	return vs
}

func appendStrings(b []byte, ss []string) []byte {
	b = wire.AppendLen(b, len(ss), ss == nil)
	for _, s := range ss {
		b = wire.AppendString(b, s)
	}
	return b
}

func readStrings(r *wire.Reader) []string {
	n, isNil := r.Len(1)
	if isNil {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.Str()
	}
	return ss
}
