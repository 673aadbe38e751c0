package turms_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func TestGroupBlocklist(t *testing.T) {
	e := newEnv(t)
	for id := int64(1001); id <= 1003; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	e.addType(7, func(t *store.GroupType) { openType(t); t.JoinStrategy = group.JoinMembershipRequest })
	owner := e.login(1001, false, pb.DeviceType_DESKTOP)
	ownerPhone := e.login(1001, true, pb.DeviceType_IOS)
	member := e.login(1002, false, pb.DeviceType_DESKTOP)
	other := e.login(1003, false, pb.DeviceType_DESKTOP)
	gid := newGroup(t, owner, 7, 1002)

	mustCode(t, member, 3500, reqOf(&pb.CreateGroupBlockedUserRequest{GroupId: gid, UserId: 1003}))
	mustCode(t, owner, codeOK, reqOf(&pb.CreateGroupBlockedUserRequest{GroupId: gid, UserId: 1003}))
	relayed(t, ownerPhone, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateGroupBlockedUserRequest() != nil
	})
	// Blocking a member removes them, and the removed member hears it.
	mustCode(t, owner, codeOK, reqOf(&pb.CreateGroupBlockedUserRequest{GroupId: gid, UserId: 1002}))
	relayed(t, member, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetDeleteGroupMembersRequest() != nil })
	mustCode(t, member, 5009, groupMsg(gid, "still here?"))

	n := mustCode(t, owner, codeOK, reqOf(&pb.QueryGroupBlockedUserIdsRequest{GroupId: gid}))
	lw := n.GetData().GetLongsWithVersion()
	if len(lw.GetLongs()) != 2 {
		t.Fatalf("blocked ids: %v", lw)
	}
	mustCode(t, owner, codeUpToDate, reqOf(&pb.QueryGroupBlockedUserIdsRequest{GroupId: gid, LastUpdatedDate: proto.Int64(lw.GetLastUpdatedDate())}))
	n = mustCode(t, owner, codeOK, reqOf(&pb.QueryGroupBlockedUserInfosRequest{GroupId: gid}))
	if infos := n.GetData().GetUserInfosWithVersion().GetUserInfos(); len(infos) != 2 || infos[0].GetName() != "u1002" {
		t.Fatalf("blocked infos: %v", infos)
	}

	// A blocked user cannot join, even where asking is enough.
	mustCode(t, other, 3404, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: []int64{1003}}))
	mustCode(t, member, 3501, reqOf(&pb.DeleteGroupBlockedUserRequest{GroupId: gid, UserId: 1003}))
	mustCode(t, owner, codeOK, reqOf(&pb.DeleteGroupBlockedUserRequest{GroupId: gid, UserId: 1003}))
	mustCode(t, other, codeOK, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: []int64{1003}}))
	mustCode(t, other, codeOK, groupMsg(gid, "joined by asking"))
}

func TestGroupInvitations(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.groups.Enrollment.AllowRecallInvitation = true })
	for id := int64(1001); id <= 1004; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	owner := e.login(1001, false, pb.DeviceType_DESKTOP)
	invitee := e.login(1002, false, pb.DeviceType_DESKTOP)
	third := e.login(1003, false, pb.DeviceType_DESKTOP)
	gid := newGroup(t, owner, 0) // the default type: invitations that need accepting

	mustCode(t, third, 3705, reqOf(&pb.CreateGroupInvitationRequest{GroupId: gid, InviteeId: 1004}))
	mustCode(t, owner, 3700, reqOf(&pb.CreateGroupInvitationRequest{GroupId: gid, InviteeId: 1001}))
	n := mustCode(t, owner, codeOK, reqOf(&pb.CreateGroupInvitationRequest{GroupId: gid, InviteeId: 1002, Content: "join us"}))
	invID := n.GetData().GetLong()
	got := relayed(t, invitee, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateGroupInvitationRequest() != nil
	})
	if got.GetRelayedRequest().GetCreateGroupInvitationRequest().GetContent() != "join us" {
		t.Fatalf("relayed invitation: %v", got)
	}
	n = mustCode(t, invitee, codeOK, reqOf(&pb.QueryGroupInvitationsRequest{}))
	invs := n.GetData().GetGroupInvitationsWithVersion()
	if len(invs.GetGroupInvitations()) != 1 || invs.GetGroupInvitations()[0].GetId() != invID || invs.GetGroupInvitations()[0].GetStatus() != pb.RequestStatus_PENDING {
		t.Fatalf("received invitations: %v", invs)
	}
	mustCode(t, invitee, codeUpToDate, reqOf(&pb.QueryGroupInvitationsRequest{LastUpdatedDate: proto.Int64(invs.GetLastUpdatedDate())}))
	mustCode(t, invitee, 3712, reqOf(&pb.QueryGroupInvitationsRequest{GroupId: proto.Int64(gid)}))
	mustCode(t, owner, codeOK, reqOf(&pb.QueryGroupInvitationsRequest{GroupId: proto.Int64(gid)}))

	// Only the invitee answers; accepting joins.
	mustCode(t, third, 3711, reqOf(&pb.UpdateGroupInvitationRequest{InvitationId: invID, ResponseAction: pb.ResponseAction_ACCEPT}))
	mustCode(t, invitee, codeOK, reqOf(&pb.UpdateGroupInvitationRequest{InvitationId: invID, ResponseAction: pb.ResponseAction_ACCEPT}))
	relayed(t, owner, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateGroupInvitationRequest() != nil
	})
	mustCode(t, invitee, 3710, reqOf(&pb.UpdateGroupInvitationRequest{InvitationId: invID, ResponseAction: pb.ResponseAction_DECLINE}))
	mustCode(t, invitee, codeOK, groupMsg(gid, "thanks"))

	// Members may invite in the default type; a pending invitation can be recalled.
	n = mustCode(t, invitee, codeOK, reqOf(&pb.CreateGroupInvitationRequest{GroupId: gid, InviteeId: 1003}))
	inv2 := n.GetData().GetLong()
	mustCode(t, third, 3708, reqOf(&pb.DeleteGroupInvitationRequest{InvitationId: inv2}))
	mustCode(t, owner, codeOK, reqOf(&pb.DeleteGroupInvitationRequest{InvitationId: inv2}))
	relayed(t, third, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetDeleteGroupInvitationRequest() != nil
	})
	mustCode(t, owner, 3709, reqOf(&pb.DeleteGroupInvitationRequest{InvitationId: inv2}))

	// Recalling is off by default.
	e2 := newEnv(t)
	e2.addUser(1001, "a")
	c := e2.login(1001, false, pb.DeviceType_DESKTOP)
	mustCode(t, c, 3706, reqOf(&pb.DeleteGroupInvitationRequest{InvitationId: 1}))
}

func TestGroupJoinRequests(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.groups.Enrollment.AllowRecallJoinRequest = true })
	for id := int64(1001); id <= 1003; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	e.addType(8, func(t *store.GroupType) { t.JoinStrategy = group.JoinRequest })
	owner := e.login(1001, false, pb.DeviceType_DESKTOP)
	asker := e.login(1002, false, pb.DeviceType_DESKTOP)
	third := e.login(1003, false, pb.DeviceType_DESKTOP)
	gid := newGroup(t, owner, 8)
	byInvitation := newGroup(t, owner, 0)

	mustCode(t, asker, 3607, reqOf(&pb.CreateGroupJoinRequestRequest{GroupId: byInvitation}))
	mustCode(t, owner, 3601, reqOf(&pb.CreateGroupJoinRequestRequest{GroupId: gid}))
	mustCode(t, asker, 3424, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: []int64{1002}}))
	n := mustCode(t, asker, codeOK, reqOf(&pb.CreateGroupJoinRequestRequest{GroupId: gid, Content: "let me in"}))
	reqID := n.GetData().GetLong()
	relayed(t, owner, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateGroupJoinRequestRequest() != nil
	})
	mustCode(t, asker, 3603, reqOf(&pb.QueryGroupJoinRequestsRequest{GroupId: proto.Int64(gid)}))
	n = mustCode(t, owner, codeOK, reqOf(&pb.QueryGroupJoinRequestsRequest{GroupId: proto.Int64(gid)}))
	if jrs := n.GetData().GetGroupJoinRequestsWithVersion().GetGroupJoinRequests(); len(jrs) != 1 || jrs[0].GetRequesterId() != 1002 {
		t.Fatalf("join requests: %v", jrs)
	}
	mustCode(t, asker, codeOK, reqOf(&pb.QueryGroupJoinRequestsRequest{}))

	mustCode(t, asker, 3611, reqOf(&pb.UpdateGroupJoinRequestRequest{RequestId: reqID, ResponseAction: pb.ResponseAction_ACCEPT}))
	mustCode(t, owner, codeOK, reqOf(&pb.UpdateGroupJoinRequestRequest{RequestId: reqID, ResponseAction: pb.ResponseAction_ACCEPT}))
	relayed(t, asker, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateGroupJoinRequestRequest() != nil
	})
	mustCode(t, owner, 3610, reqOf(&pb.UpdateGroupJoinRequestRequest{RequestId: reqID, ResponseAction: pb.ResponseAction_ACCEPT}))
	mustCode(t, asker, codeOK, groupMsg(gid, "in"))

	// Recall: only the sender, only while pending.
	n = mustCode(t, third, codeOK, reqOf(&pb.CreateGroupJoinRequestRequest{GroupId: gid}))
	r2 := n.GetData().GetLong()
	mustCode(t, asker, 3602, reqOf(&pb.DeleteGroupJoinRequestRequest{RequestId: r2}))
	mustCode(t, third, codeOK, reqOf(&pb.DeleteGroupJoinRequestRequest{RequestId: r2}))
	mustCode(t, third, 3604, reqOf(&pb.DeleteGroupJoinRequestRequest{RequestId: r2}))
}

func TestGroupJoinQuestions(t *testing.T) {
	e := newEnv(t)
	for id := int64(1001); id <= 1003; id++ {
		e.addUser(id, "u"+itoa(id))
	}
	e.addType(9, func(t *store.GroupType) { t.JoinStrategy = group.JoinQuestion })
	owner := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	carol := e.login(1003, false, pb.DeviceType_DESKTOP)
	gid := newGroup(t, owner, 9)
	mustCode(t, owner, codeOK, reqOf(&pb.UpdateGroupRequest{GroupId: gid, MinScore: proto.Int32(10)}))
	byInvitation := newGroup(t, owner, 0)

	q := func(text string, score int32, answers ...string) *pb.GroupJoinQuestion {
		return &pb.GroupJoinQuestion{Question: proto.String(text), Answers: answers, Score: proto.Int32(score)}
	}
	mustCode(t, owner, 3306, reqOf(&pb.CreateGroupJoinQuestionsRequest{GroupId: byInvitation, Questions: []*pb.GroupJoinQuestion{q("a?", 1, "a")}}))
	mustCode(t, bob, 3300, reqOf(&pb.CreateGroupJoinQuestionsRequest{GroupId: gid, Questions: []*pb.GroupJoinQuestion{q("a?", 1, "a")}}))
	n := mustCode(t, owner, codeOK, reqOf(&pb.CreateGroupJoinQuestionsRequest{GroupId: gid, Questions: []*pb.GroupJoinQuestion{
		q("capital of France?", 5, "Paris", "paris"), q("2+2?", 5, "4"), q("color of the sky?", 1, "blue"),
	}}))
	ids := n.GetData().GetLongsWithVersion().GetLongs()
	if len(ids) != 3 {
		t.Fatalf("question ids: %v", ids)
	}
	mustCode(t, bob, 3302, reqOf(&pb.UpdateGroupJoinQuestionRequest{QuestionId: ids[2], Score: proto.Int32(9)}))
	mustCode(t, owner, codeOK, reqOf(&pb.UpdateGroupJoinQuestionRequest{QuestionId: ids[2], Score: proto.Int32(2)}))

	// Anyone sees the questions; only admins see the answers.
	n = mustCode(t, bob, codeOK, reqOf(&pb.QueryGroupJoinQuestionsRequest{GroupId: gid}))
	qs := n.GetData().GetGroupJoinQuestionsWithVersion()
	if len(qs.GetGroupJoinQuestions()) != 3 || len(qs.GetGroupJoinQuestions()[0].GetAnswers()) != 0 {
		t.Fatalf("questions: %v", qs)
	}
	mustCode(t, bob, codeUpToDate, reqOf(&pb.QueryGroupJoinQuestionsRequest{GroupId: gid, LastUpdatedDate: proto.Int64(qs.GetLastUpdatedDate())}))
	mustCode(t, bob, 3303, reqOf(&pb.QueryGroupJoinQuestionsRequest{GroupId: gid, WithAnswers: true}))
	n = mustCode(t, owner, codeOK, reqOf(&pb.QueryGroupJoinQuestionsRequest{GroupId: gid, WithAnswers: true}))
	if a := n.GetData().GetGroupJoinQuestionsWithVersion().GetGroupJoinQuestions()[0].GetAnswers(); len(a) != 2 {
		t.Fatalf("answers: %v", a)
	}

	// Too low a score does not join; enough does.
	check := func(answers map[int64]string) *pb.TurmsRequest {
		return reqOf(&pb.CheckGroupJoinQuestionsAnswersRequest{QuestionIdToAnswer: answers})
	}
	n = mustCode(t, bob, codeOK, check(map[int64]string{ids[0]: "Paris", ids[1]: "5", ids[2]: "blue"}))
	if r := n.GetData().GetGroupJoinQuestionAnswerResult(); r.GetScore() != 7 || r.GetJoined() || len(r.GetQuestionIds()) != 2 {
		t.Fatalf("low score: %v", r)
	}
	n = mustCode(t, bob, codeOK, check(map[int64]string{ids[0]: "paris", ids[1]: "4"}))
	if r := n.GetData().GetGroupJoinQuestionAnswerResult(); r.GetScore() != 10 || !r.GetJoined() {
		t.Fatalf("passing score: %v", r)
	}
	relayed(t, owner, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateGroupMembersRequest().GetGroupId() == gid
	})
	mustCode(t, bob, 3309, check(map[int64]string{ids[0]: "Paris"}))
	mustCode(t, carol, 3310, check(map[int64]string{424242: "x"}))

	mustCode(t, bob, 3301, reqOf(&pb.DeleteGroupJoinQuestionsRequest{GroupId: gid, QuestionIds: ids[:1]}))
	mustCode(t, owner, codeOK, reqOf(&pb.DeleteGroupJoinQuestionsRequest{GroupId: gid, QuestionIds: ids[:1]}))
	n = mustCode(t, owner, codeOK, reqOf(&pb.QueryGroupJoinQuestionsRequest{GroupId: gid}))
	if len(n.GetData().GetGroupJoinQuestionsWithVersion().GetGroupJoinQuestions()) != 2 {
		t.Fatal("a question survived its deletion")
	}
}
