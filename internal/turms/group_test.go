package turms_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// Request builders for the group tests.
func reqOf(kind any) *pb.TurmsRequest {
	r := &pb.TurmsRequest{}
	switch k := kind.(type) {
	case *pb.CreateGroupRequest:
		r.Kind = &pb.TurmsRequest_CreateGroupRequest{CreateGroupRequest: k}
	case *pb.DeleteGroupRequest:
		r.Kind = &pb.TurmsRequest_DeleteGroupRequest{DeleteGroupRequest: k}
	case *pb.UpdateGroupRequest:
		r.Kind = &pb.TurmsRequest_UpdateGroupRequest{UpdateGroupRequest: k}
	case *pb.QueryGroupsRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupsRequest{QueryGroupsRequest: k}
	case *pb.QueryJoinedGroupIdsRequest:
		r.Kind = &pb.TurmsRequest_QueryJoinedGroupIdsRequest{QueryJoinedGroupIdsRequest: k}
	case *pb.QueryJoinedGroupInfosRequest:
		r.Kind = &pb.TurmsRequest_QueryJoinedGroupInfosRequest{QueryJoinedGroupInfosRequest: k}
	case *pb.CreateGroupMembersRequest:
		r.Kind = &pb.TurmsRequest_CreateGroupMembersRequest{CreateGroupMembersRequest: k}
	case *pb.DeleteGroupMembersRequest:
		r.Kind = &pb.TurmsRequest_DeleteGroupMembersRequest{DeleteGroupMembersRequest: k}
	case *pb.UpdateGroupMemberRequest:
		r.Kind = &pb.TurmsRequest_UpdateGroupMemberRequest{UpdateGroupMemberRequest: k}
	case *pb.QueryGroupMembersRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupMembersRequest{QueryGroupMembersRequest: k}
	case *pb.CreateMessageRequest:
		r.Kind = &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: k}
	case *pb.UpdateMessageRequest:
		r.Kind = &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: k}
	case *pb.QueryMessagesRequest:
		r.Kind = &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: k}
	case *pb.UpdateTypingStatusRequest:
		r.Kind = &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: k}
	case *pb.UpdateConversationRequest:
		r.Kind = &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: k}
	case *pb.QueryConversationsRequest:
		r.Kind = &pb.TurmsRequest_QueryConversationsRequest{QueryConversationsRequest: k}
	case *pb.CreateGroupBlockedUserRequest:
		r.Kind = &pb.TurmsRequest_CreateGroupBlockedUserRequest{CreateGroupBlockedUserRequest: k}
	case *pb.DeleteGroupBlockedUserRequest:
		r.Kind = &pb.TurmsRequest_DeleteGroupBlockedUserRequest{DeleteGroupBlockedUserRequest: k}
	case *pb.QueryGroupBlockedUserIdsRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupBlockedUserIdsRequest{QueryGroupBlockedUserIdsRequest: k}
	case *pb.QueryGroupBlockedUserInfosRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupBlockedUserInfosRequest{QueryGroupBlockedUserInfosRequest: k}
	case *pb.CreateGroupInvitationRequest:
		r.Kind = &pb.TurmsRequest_CreateGroupInvitationRequest{CreateGroupInvitationRequest: k}
	case *pb.DeleteGroupInvitationRequest:
		r.Kind = &pb.TurmsRequest_DeleteGroupInvitationRequest{DeleteGroupInvitationRequest: k}
	case *pb.UpdateGroupInvitationRequest:
		r.Kind = &pb.TurmsRequest_UpdateGroupInvitationRequest{UpdateGroupInvitationRequest: k}
	case *pb.QueryGroupInvitationsRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupInvitationsRequest{QueryGroupInvitationsRequest: k}
	case *pb.CreateGroupJoinRequestRequest:
		r.Kind = &pb.TurmsRequest_CreateGroupJoinRequestRequest{CreateGroupJoinRequestRequest: k}
	case *pb.DeleteGroupJoinRequestRequest:
		r.Kind = &pb.TurmsRequest_DeleteGroupJoinRequestRequest{DeleteGroupJoinRequestRequest: k}
	case *pb.UpdateGroupJoinRequestRequest:
		r.Kind = &pb.TurmsRequest_UpdateGroupJoinRequestRequest{UpdateGroupJoinRequestRequest: k}
	case *pb.QueryGroupJoinRequestsRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupJoinRequestsRequest{QueryGroupJoinRequestsRequest: k}
	case *pb.CreateGroupJoinQuestionsRequest:
		r.Kind = &pb.TurmsRequest_CreateGroupJoinQuestionsRequest{CreateGroupJoinQuestionsRequest: k}
	case *pb.DeleteGroupJoinQuestionsRequest:
		r.Kind = &pb.TurmsRequest_DeleteGroupJoinQuestionsRequest{DeleteGroupJoinQuestionsRequest: k}
	case *pb.UpdateGroupJoinQuestionRequest:
		r.Kind = &pb.TurmsRequest_UpdateGroupJoinQuestionRequest{UpdateGroupJoinQuestionRequest: k}
	case *pb.QueryGroupJoinQuestionsRequest:
		r.Kind = &pb.TurmsRequest_QueryGroupJoinQuestionsRequest{QueryGroupJoinQuestionsRequest: k}
	case *pb.CheckGroupJoinQuestionsAnswersRequest:
		r.Kind = &pb.TurmsRequest_CheckGroupJoinQuestionsAnswersRequest{CheckGroupJoinQuestionsAnswersRequest: k}
	default:
		panic("reqOf: unknown kind")
	}
	return r
}

// addType creates a group type as an administrator would; tweak changes
// the default type's rules.
func (e *env) addType(id int64, tweak func(*store.GroupType)) {
	e.t.Helper()
	t := group.DefaultType()
	t.ID, t.Name = id, "type"+itoa(id)
	if tweak != nil {
		tweak(&t)
	}
	if _, err := e.groups.AddType(context.Background(), t); err != nil {
		e.t.Fatal(err)
	}
}

// openType lets owners and managers add members without an invitation.
func openType(t *store.GroupType) { t.InvitationStrategy = group.InviteOwnerManager }

// newGroup creates a group of type typeID owned by owner and adds members.
func newGroup(t *testing.T, owner *turmstest.Client, typeID int64, members ...int64) int64 {
	t.Helper()
	n := mustCode(t, owner, codeOK, reqOf(&pb.CreateGroupRequest{Name: "g", TypeId: proto.Int64(typeID)}))
	gid := n.GetData().GetLong()
	if len(members) > 0 {
		mustCode(t, owner, codeOK, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: members}))
	}
	return gid
}

func groupMsg(gid int64, text string) *pb.TurmsRequest {
	return reqOf(&pb.CreateMessageRequest{GroupId: proto.Int64(gid), Text: proto.String(text)})
}

func future() int64 { return time.Now().Add(time.Hour).UnixMilli() }

func TestGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	for id, name := range map[int64]string{1001: "Alice", 1002: "Bob", 1003: "Carol", 1004: "Dave"} {
		e.addUser(id, name)
	}
	e.addType(7, openType)
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	alicePhone := e.login(1001, true, pb.DeviceType_ANDROID)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	carol := e.login(1003, true, pb.DeviceType_BROWSER)
	dave := e.login(1004, false, pb.DeviceType_DESKTOP)

	// Create: the creator's other sessions hear of it; unknown types are refused.
	mustCode(t, alice, 3101, reqOf(&pb.CreateGroupRequest{Name: "x", TypeId: proto.Int64(99)}))
	gid := newGroup(t, alice, 7)
	relayed(t, alicePhone, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetCreateGroupRequest() != nil })

	// The default type needs invitations; the open type lets the owner add.
	def := newGroup(t, alice, 0)
	mustCode(t, alice, 3400, reqOf(&pb.CreateGroupMembersRequest{GroupId: def, UserIds: []int64{1002}}))
	mustCode(t, alice, codeOK, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: []int64{1002, 1003}}))
	n := relayed(t, bob, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetCreateGroupMembersRequest() != nil })
	if n.GetRelayedRequest().GetCreateGroupMembersRequest().GetGroupId() != gid {
		t.Fatalf("relayed member add: %v", n)
	}
	mustCode(t, bob, 3406, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: []int64{1004}}))
	mustCode(t, alice, 1102, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: []int64{1004}, Role: pb.GroupMemberRole_OWNER.Enum()}))

	// Joined groups, with versions.
	n = mustCode(t, bob, codeOK, reqOf(&pb.QueryJoinedGroupIdsRequest{}))
	lw := n.GetData().GetLongsWithVersion()
	if len(lw.GetLongs()) != 1 || lw.GetLongs()[0] != gid {
		t.Fatalf("Bob's groups: %v", lw)
	}
	mustCode(t, bob, codeUpToDate, reqOf(&pb.QueryJoinedGroupIdsRequest{LastUpdatedDate: proto.Int64(lw.GetLastUpdatedDate())}))
	n = mustCode(t, bob, codeOK, reqOf(&pb.QueryJoinedGroupInfosRequest{}))
	if gs := n.GetData().GetGroupsWithVersion().GetGroups(); len(gs) != 1 || gs[0].GetOwnerId() != 1001 {
		t.Fatalf("Bob's group infos: %v", gs)
	}
	mustCode(t, dave, codeNoContent, reqOf(&pb.QueryJoinedGroupIdsRequest{}))
	n = mustCode(t, dave, codeOK, reqOf(&pb.QueryGroupsRequest{GroupIds: []int64{gid}}))
	g := n.GetData().GetGroupsWithVersion().GetGroups()[0]
	mustCode(t, dave, codeUpToDate, reqOf(&pb.QueryGroupsRequest{GroupIds: []int64{gid}, LastUpdatedDate: proto.Int64(g.GetLastUpdatedDate())}))
	mustCode(t, dave, 7200, reqOf(&pb.QueryGroupsRequest{Name: proto.String("g")}))

	// Members, with online status; only members may look.
	n = mustCode(t, carol, codeOK, reqOf(&pb.QueryGroupMembersRequest{GroupId: gid, WithStatus: proto.Bool(true)}))
	ms := n.GetData().GetGroupMembersWithVersion().GetGroupMembers()
	if len(ms) != 3 || ms[0].GetUserId() != 1001 || ms[0].GetRole() != pb.GroupMemberRole_OWNER ||
		ms[0].GetUserStatus() != pb.UserStatus_AVAILABLE || len(ms[0].GetUsingDeviceTypes()) != 2 {
		t.Fatalf("members: %v", ms)
	}
	mustCode(t, dave, 3421, reqOf(&pb.QueryGroupMembersRequest{GroupId: gid}))

	// Update: owner and managers change the info (the default strategy); members hear.
	mustCode(t, bob, 3002, reqOf(&pb.UpdateGroupRequest{GroupId: gid, Name: proto.String("bob's")}))
	mustCode(t, alice, codeOK, reqOf(&pb.UpdateGroupRequest{GroupId: gid, Name: proto.String("friends"), Announcement: proto.String("hi")}))
	relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateGroupRequest().GetName() == "friends"
	})
	mustCode(t, alice, 3102, reqOf(&pb.UpdateGroupRequest{GroupId: gid, TypeId: proto.Int64(0)}))

	// Messages reach every member session and the sender's other sessions.
	n = mustCode(t, bob, codeOK, groupMsg(gid, "hello group"))
	msgID := n.GetData().GetLong()
	for _, c := range []*turmstest.Client{alice, alicePhone, carol} {
		got := relayed(t, c, isMessage("hello group"))
		if got.GetRelayedRequest().GetCreateMessageRequest().GetGroupId() != gid || got.GetRequesterId() != 1002 {
			t.Fatalf("relayed group message: %v", got)
		}
	}
	mustCode(t, dave, 5009, groupMsg(gid, "let me in"))
	mustCode(t, alice, 5006, groupMsg(123456, "nobody"))

	// Query, edit, typing and read dates in the group.
	n = mustCode(t, carol, codeOK, reqOf(&pb.QueryMessagesRequest{AreGroupMessages: proto.Bool(true), FromIds: []int64{gid}}))
	if msgs := n.GetData().GetMessages().GetMessages(); len(msgs) != 1 || msgs[0].GetGroupId() != gid || msgs[0].GetText() != "hello group" {
		t.Fatalf("group messages: %v", msgs)
	}
	mustCode(t, dave, 5300, reqOf(&pb.QueryMessagesRequest{AreGroupMessages: proto.Bool(true), FromIds: []int64{gid}}))
	mustCode(t, carol, codeNotSenderEdit, reqOf(&pb.UpdateMessageRequest{MessageId: msgID, Text: proto.String("mine now")}))
	mustCode(t, bob, codeOK, reqOf(&pb.UpdateMessageRequest{MessageId: msgID, Text: proto.String("hello, group")}))
	relayed(t, carol, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateMessageRequest().GetText() == "hello, group"
	})
	mustCode(t, carol, codeOK, reqOf(&pb.UpdateTypingStatusRequest{IsGroupMessage: true, ToId: gid}))
	relayed(t, alice, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateTypingStatusRequest().GetToId() == gid
	})
	mustCode(t, dave, 4101, reqOf(&pb.UpdateTypingStatusRequest{IsGroupMessage: true, ToId: gid}))
	mustCode(t, carol, codeOK, reqOf(&pb.UpdateConversationRequest{GroupId: proto.Int64(gid)}))
	mustCode(t, dave, 4003, reqOf(&pb.UpdateConversationRequest{GroupId: proto.Int64(gid)}))
	n = mustCode(t, carol, codeOK, reqOf(&pb.QueryConversationsRequest{GroupIds: []int64{gid}}))
	gc := n.GetData().GetConversations().GetGroupConversations()
	if len(gc) != 1 || gc[0].GetMemberIdToReadDate()[1003] == 0 || gc[0].GetMemberIdToReadDate()[1002] == 0 {
		t.Fatalf("group conversations: %v", gc)
	}

	// Mutes: a muted member, then a muted group.
	mustCode(t, bob, 3417, reqOf(&pb.UpdateGroupMemberRequest{GroupId: gid, MemberId: 1003, MuteEndDate: proto.Int64(future())}))
	mustCode(t, alice, codeOK, reqOf(&pb.UpdateGroupMemberRequest{GroupId: gid, MemberId: 1002, MuteEndDate: proto.Int64(future())}))
	mustCode(t, bob, 5008, groupMsg(gid, "muted"))
	mustCode(t, alice, codeOK, reqOf(&pb.UpdateGroupRequest{GroupId: gid, MuteEndDate: proto.Int64(future())}))
	mustCode(t, carol, 5005, groupMsg(gid, "group muted"))
	mustCode(t, alice, codeOK, reqOf(&pb.UpdateGroupRequest{GroupId: gid, MuteEndDate: proto.Int64(1)}))
	mustCode(t, carol, codeOK, groupMsg(gid, "unmuted"))

	// Member info: self updates allowed by the type; roles by the owner only.
	mustCode(t, carol, codeOK, reqOf(&pb.UpdateGroupMemberRequest{GroupId: gid, MemberId: 1003, Name: proto.String("C")}))
	mustCode(t, carol, 3413, reqOf(&pb.UpdateGroupMemberRequest{GroupId: gid, MemberId: 1002, Name: proto.String("B")}))
	mustCode(t, bob, 3410, reqOf(&pb.UpdateGroupMemberRequest{GroupId: gid, MemberId: 1003, Role: pb.GroupMemberRole_MANAGER.Enum()}))
	mustCode(t, alice, codeOK, reqOf(&pb.UpdateGroupMemberRequest{GroupId: gid, MemberId: 1003, Role: pb.GroupMemberRole_MANAGER.Enum()}))

	// Removal: managers remove members, never the owner; the removed hear.
	mustCode(t, carol, 3409, reqOf(&pb.DeleteGroupMembersRequest{GroupId: gid, MemberIds: []int64{1001}}))
	mustCode(t, bob, 3408, reqOf(&pb.DeleteGroupMembersRequest{GroupId: gid, MemberIds: []int64{1003}}))
	mustCode(t, carol, codeOK, reqOf(&pb.DeleteGroupMembersRequest{GroupId: gid, MemberIds: []int64{1002}}))
	relayed(t, bob, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetDeleteGroupMembersRequest() != nil })

	// The owner quits only with a successor.
	mustCode(t, alice, 3204, reqOf(&pb.DeleteGroupMembersRequest{GroupId: gid, MemberIds: []int64{1001}}))
	mustCode(t, alice, 3203, reqOf(&pb.DeleteGroupMembersRequest{GroupId: gid, MemberIds: []int64{1001}, SuccessorId: proto.Int64(1004)}))
	mustCode(t, alice, codeOK, reqOf(&pb.DeleteGroupMembersRequest{GroupId: gid, MemberIds: []int64{1001}, SuccessorId: proto.Int64(1003)}))
	n = mustCode(t, carol, codeOK, reqOf(&pb.QueryGroupsRequest{GroupIds: []int64{gid}}))
	if g := n.GetData().GetGroupsWithVersion().GetGroups()[0]; g.GetOwnerId() != 1003 {
		t.Fatalf("owner after transfer: %v", g)
	}
	mustCode(t, alice, codeNoContent, reqOf(&pb.QueryGroupMembersRequest{GroupId: def, MemberIds: []int64{1004}}))

	// Transfer by UpdateGroup, then delete: only the owner.
	mustCode(t, carol, 3201, reqOf(&pb.UpdateGroupRequest{GroupId: def, SuccessorId: proto.Int64(1003)}))
	mustCode(t, alice, 3202, reqOf(&pb.DeleteGroupRequest{GroupId: gid}))
	mustCode(t, carol, codeOK, reqOf(&pb.DeleteGroupRequest{GroupId: gid}))
	mustCode(t, carol, codeNoContent, reqOf(&pb.QueryJoinedGroupIdsRequest{}))
	mustCode(t, carol, 5006, groupMsg(gid, "gone"))
}

func TestGroupTypeRules(t *testing.T) {
	e := newEnv(t)
	for id := int64(1001); id <= 1004; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	e.addType(10, func(t *store.GroupType) { openType(t); t.SizeLimit = 2 })
	e.addType(11, func(t *store.GroupType) { openType(t); t.MessageEditable = false; t.EnableReadReceipt = false })
	e.addType(12, func(t *store.GroupType) { openType(t); t.GuestSpeakable = true })
	e.addType(13, func(t *store.GroupType) {
		openType(t)
		t.InfoUpdateStrategy = group.UpdateAll
		t.SelfInfoUpdatable = false
	})
	owner := e.login(1001, false, pb.DeviceType_DESKTOP)
	member := e.login(1002, false, pb.DeviceType_DESKTOP)
	stranger := e.login(1004, false, pb.DeviceType_DESKTOP)

	small := newGroup(t, owner, 10, 1002)
	mustCode(t, owner, 3403, reqOf(&pb.CreateGroupMembersRequest{GroupId: small, UserIds: []int64{1003}}))

	strict := newGroup(t, owner, 11, 1002)
	id := mustCode(t, member, codeOK, groupMsg(strict, "x")).GetData().GetLong()
	mustCode(t, member, 5103, reqOf(&pb.UpdateMessageRequest{MessageId: id, Text: proto.String("y")}))
	mustCode(t, member, 4001, reqOf(&pb.UpdateConversationRequest{GroupId: proto.Int64(strict)}))

	open := newGroup(t, owner, 12)
	mustCode(t, stranger, codeOK, groupMsg(open, "a guest speaks"))
	relayed(t, owner, isMessage("a guest speaks"))

	flat := newGroup(t, owner, 13, 1002)
	mustCode(t, member, codeOK, reqOf(&pb.UpdateGroupRequest{GroupId: flat, Intro: proto.String("anyone may")}))
	mustCode(t, member, 3413, reqOf(&pb.UpdateGroupMemberRequest{GroupId: flat, MemberId: 1002, Name: proto.String("me")}))
}
