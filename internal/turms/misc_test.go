package turms_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

func str(s string) *pb.Value { return &pb.Value{Kind: &pb.Value_StringValue{StringValue: s}} }

func TestUserSettings(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	a := e.login(1001, false, pb.DeviceType_DESKTOP)
	a2 := e.login(1001, true, pb.DeviceType_ANDROID)

	mustCode(t, a, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserSettingsRequest{QueryUserSettingsRequest: &pb.QueryUserSettingsRequest{}}})
	mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserSettingsRequest{UpdateUserSettingsRequest: &pb.UpdateUserSettingsRequest{
		Settings: map[string]*pb.Value{"theme": str("dark"), "lang": str("fr")},
	}}})
	relayed(t, a2, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetUpdateUserSettingsRequest() != nil })
	n := mustCode(t, a2, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserSettingsRequest{QueryUserSettingsRequest: &pb.QueryUserSettingsRequest{}}})
	us := n.GetData().GetUserSettings()
	if us.GetSettings()["theme"].GetStringValue() != "dark" || len(us.GetSettings()) != 2 {
		t.Fatalf("settings: %v", us)
	}
	mustCode(t, a, codeUpToDate, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserSettingsRequest{QueryUserSettingsRequest: &pb.QueryUserSettingsRequest{
		LastUpdatedDateStart: proto.Int64(us.GetLastUpdatedDate()),
	}}})
	mustCode(t, a, codeInvalidRequest+2, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserSettingsRequest{UpdateUserSettingsRequest: &pb.UpdateUserSettingsRequest{}}})
	mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteUserSettingsRequest{DeleteUserSettingsRequest: &pb.DeleteUserSettingsRequest{Names: []string{"lang"}}}})
	relayed(t, a2, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetDeleteUserSettingsRequest() != nil })
	n = mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserSettingsRequest{QueryUserSettingsRequest: &pb.QueryUserSettingsRequest{}}})
	if len(n.GetData().GetUserSettings().GetSettings()) != 1 {
		t.Fatal("a deleted setting survived")
	}
}

func TestConversationSettings(t *testing.T) {
	e := newEnv(t)
	for id := int64(1001); id <= 1003; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	a := e.login(1001, false, pb.DeviceType_DESKTOP)
	a2 := e.login(1001, true, pb.DeviceType_ANDROID)
	gid := newGroup(t, a, 0)
	upd := func(userID, groupID *int64) *pb.TurmsRequest {
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationSettingsRequest{UpdateConversationSettingsRequest: &pb.UpdateConversationSettingsRequest{
			UserId: userID, GroupId: groupID, Settings: map[string]*pb.Value{"pinned": {Kind: &pb.Value_BoolValue{BoolValue: true}}},
		}}}
	}
	mustCode(t, a, 4200, upd(proto.Int64(1002), nil))
	mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1002}}})
	mustCode(t, a, codeOK, upd(proto.Int64(1002), nil))
	relayed(t, a2, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateConversationSettingsRequest() != nil
	})
	mustCode(t, a, codeOK, upd(nil, proto.Int64(gid)))
	b := e.login(1002, false, pb.DeviceType_DESKTOP)
	mustCode(t, b, 4201, upd(nil, proto.Int64(gid)))

	n := mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryConversationSettingsRequest{QueryConversationSettingsRequest: &pb.QueryConversationSettingsRequest{}}})
	list := n.GetData().GetConversationSettingsList().GetConversationSettingsList()
	if len(list) != 2 || list[0].GetUserId() != 1002 || list[1].GetGroupId() != gid || !list[1].GetSettings()["pinned"].GetBoolValue() {
		t.Fatalf("conversation settings: %v", list)
	}
	mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteConversationSettingsRequest{DeleteConversationSettingsRequest: &pb.DeleteConversationSettingsRequest{
		GroupIds: []int64{gid},
	}}})
	relayed(t, a2, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetDeleteConversationSettingsRequest() != nil
	})
	n = mustCode(t, a, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryConversationSettingsRequest{QueryConversationSettingsRequest: &pb.QueryConversationSettingsRequest{}}})
	if len(n.GetData().GetConversationSettingsList().GetConversationSettingsList()) != 1 {
		t.Fatal("group settings survived their deletion")
	}
	mustCode(t, b, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryConversationSettingsRequest{QueryConversationSettingsRequest: &pb.QueryConversationSettingsRequest{}}})
}

func TestMessageReactions(t *testing.T) {
	e := newEnv(t)
	for id := int64(1001); id <= 1004; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	e.addType(7, openType)
	a := e.login(1001, false, pb.DeviceType_DESKTOP)
	b := e.login(1002, false, pb.DeviceType_DESKTOP)
	c := e.login(1003, false, pb.DeviceType_DESKTOP)
	stranger := e.login(1004, false, pb.DeviceType_DESKTOP)
	react := func(id int64, remove bool, types ...int32) *pb.TurmsRequest {
		if remove {
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteMessageReactionsRequest{DeleteMessageReactionsRequest: &pb.DeleteMessageReactionsRequest{MessageId: id, ReactionTypes: types}}}
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{MessageId: id, ReactionTypes: types}}}
	}

	// Private: the peer reacts, the sender hears; strangers cannot.
	pm := mustCode(t, a, codeOK, msgReq(1002, "react to me")).GetData().GetLong()
	mustCode(t, b, codeOK, react(pm, false, 1, 2))
	relayed(t, a, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageReactionsRequest().GetMessageId() == pm
	})
	mustCode(t, stranger, 1302, react(pm, false, 1))
	n := mustCode(t, b, codeOK, reqOf(&pb.QueryMessagesRequest{AreGroupMessages: proto.Bool(false), Ids: []int64{pm}}))
	rg := n.GetData().GetMessages().GetMessages()[0].GetReactionGroups()
	if len(rg) != 2 || rg[0].GetReactionType() != 1 || rg[0].GetReactionCount() != 1 || rg[0].GetUserInfos()[0].GetId() != 1002 {
		t.Fatalf("reaction groups: %v", rg)
	}

	// Group: members react and every member hears.
	gid := newGroup(t, a, 7, 1002, 1003)
	gm := mustCode(t, a, codeOK, groupMsg(gid, "group news")).GetData().GetLong()
	mustCode(t, b, codeOK, react(gm, false, 5))
	mustCode(t, c, codeOK, react(gm, false, 5))
	relayed(t, a, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageReactionsRequest().GetMessageId() == gm
	})
	mustCode(t, stranger, 1302, react(gm, false, 5))
	mustCode(t, c, codeOK, react(gm, true, 5))
	relayed(t, b, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetDeleteMessageReactionsRequest().GetMessageId() == gm
	})
	n = mustCode(t, a, codeOK, reqOf(&pb.QueryMessagesRequest{AreGroupMessages: proto.Bool(true), FromIds: []int64{gid}}))
	if rg := n.GetData().GetMessages().GetMessages()[0].GetReactionGroups(); len(rg) != 1 || rg[0].GetReactionCount() != 1 {
		t.Fatalf("group reaction groups: %v", rg)
	}
}

func TestNearbyUsers(t *testing.T) {
	e := newEnv(t)
	for id := int64(1001); id <= 1004; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	clients := map[int64]*turmstest.Client{}
	for id := int64(1001); id <= 1004; id++ {
		clients[id] = e.login(id, false, pb.DeviceType_DESKTOP)
	}
	loc := func(lat, lon float32) *pb.TurmsRequest {
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserLocationRequest{UpdateUserLocationRequest: &pb.UpdateUserLocationRequest{Latitude: lat, Longitude: lon}}}
	}
	// Paris, 1 km away, 5 km away, and Lyon.
	mustCode(t, clients[1001], codeOK, loc(48.8566, 2.3522))
	mustCode(t, clients[1002], codeOK, loc(48.8656, 2.3522))
	mustCode(t, clients[1003], codeOK, loc(48.9016, 2.3522))
	mustCode(t, clients[1004], codeOK, loc(45.7640, 4.8357))
	mustCode(t, clients[1001], 1102, loc(91, 0))

	q := &pb.QueryNearbyUsersRequest{Latitude: 48.8566, Longitude: 2.3522, WithDistance: proto.Bool(true), WithUserInfo: proto.Bool(true)}
	n := mustCode(t, clients[1001], codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryNearbyUsersRequest{QueryNearbyUsersRequest: q}})
	got := n.GetData().GetNearbyUsers().GetNearbyUsers()
	if len(got) != 2 || got[0].GetUserId() != 1002 || got[1].GetUserId() != 1003 || got[0].GetDistance() < 900 || got[0].GetDistance() > 1100 || got[0].GetInfo().GetName() != "u1002" {
		t.Fatalf("nearby: %v", got)
	}
	q.MaxDistance, q.MaxCount = proto.Int32(2000), nil
	n = mustCode(t, clients[1001], codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryNearbyUsersRequest{QueryNearbyUsersRequest: q}})
	if len(n.GetData().GetNearbyUsers().GetNearbyUsers()) != 1 {
		t.Fatal("radius not applied")
	}
	q.MaxDistance, q.MaxCount = nil, proto.Int32(1)
	n = mustCode(t, clients[1001], codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryNearbyUsersRequest{QueryNearbyUsersRequest: q}})
	if len(n.GetData().GetNearbyUsers().GetNearbyUsers()) != 1 {
		t.Fatal("count not applied")
	}
	q.Latitude = -33.8688 // Sydney: nobody
	mustCode(t, clients[1001], codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryNearbyUsersRequest{QueryNearbyUsersRequest: q}})

	off := newEnv(t, func(o *envOptions) { o.nearby.Enabled = false })
	off.addUser(1001, "a")
	mustCode(t, off.login(1001, false, pb.DeviceType_DESKTOP), 2200, loc(1, 1))
}
