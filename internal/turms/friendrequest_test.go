package turms_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

func friendReq(to int64) *pb.TurmsRequest {
	return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{
		CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{RecipientId: to, Content: "hi"}}}
}

func reply(id int64, a pb.ResponseAction) *pb.TurmsRequest {
	return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{
		UpdateFriendRequestRequest: &pb.UpdateFriendRequestRequest{RequestId: id, ResponseAction: a, Reason: proto.String("because")}}}
}

func recall(id int64) *pb.TurmsRequest {
	return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteFriendRequestRequest{
		DeleteFriendRequestRequest: &pb.DeleteFriendRequestRequest{RequestId: id}}}
}

// sentStatus returns the status of the request id among c's sent requests.
func sentStatus(t *testing.T, c *turmstest.Client, id int64) pb.RequestStatus {
	t.Helper()
	n := mustCode(t, c, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryFriendRequestsRequest{
		QueryFriendRequestsRequest: &pb.QueryFriendRequestsRequest{AreSentByMe: true}}})
	for _, fr := range n.GetData().GetUserFriendRequestsWithVersion().GetUserFriendRequests() {
		if fr.GetId() == id {
			return fr.GetRequestStatus()
		}
	}
	t.Fatalf("request %d not among the sent ones", id)
	return 0
}

func TestFriendRequestReplies(t *testing.T) {
	e := newEnv(t)
	for _, id := range []int64{1001, 1002, 1003} {
		e.addUser(id, "u")
	}
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	carol := e.login(1003, false, pb.DeviceType_DESKTOP)

	toBob := mustCode(t, alice, codeOK, friendReq(1002)).GetData().GetLong()
	toCarol := mustCode(t, alice, codeOK, friendReq(1003)).GetData().GetLong()
	mustCode(t, bob, codeOK, reply(toBob, pb.ResponseAction_DECLINE))
	got := relayed(t, alice, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateFriendRequestRequest() != nil
	})
	if r := got.GetRelayedRequest().GetUpdateFriendRequestRequest(); r.GetResponseAction() != pb.ResponseAction_DECLINE || r.GetReason() != "because" {
		t.Fatalf("relayed decline: %v", r)
	}
	mustCode(t, carol, codeOK, reply(toCarol, pb.ResponseAction_IGNORE))
	if st := sentStatus(t, alice, toBob); st != pb.RequestStatus_DECLINED {
		t.Fatalf("declined request is %v", st)
	}
	if st := sentStatus(t, alice, toCarol); st != pb.RequestStatus_IGNORED {
		t.Fatalf("ignored request is %v", st)
	}
	// By default (Turms's), a declined or ignored request cannot be sent again.
	mustCode(t, alice, 2600, friendReq(1002))
	mustCode(t, alice, 2600, friendReq(1003))
	// No friendship came of them.
	mustCode(t, alice, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelationshipsRequest{
		QueryRelationshipsRequest: &pb.QueryRelationshipsRequest{}}})
	// Recalling is off by default.
	toBob2 := mustCode(t, carol, codeOK, friendReq(1002)).GetData().GetLong()
	mustCode(t, carol, 2603, recall(toBob2))
	mustCode(t, carol, 1102, friendReq(1003)) // to oneself: ILLEGAL_ARGUMENT
}

func TestFriendRequestExpiryAndRecall(t *testing.T) {
	e := newEnv(t, func(o *envOptions) {
		o.relation.FriendRequestTTLMillis = 50
		o.relation.AllowRecall = true
		o.relation.AllowResendAfterDecline = true
	})
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)

	first := mustCode(t, alice, codeOK, friendReq(1002)).GetData().GetLong()
	time.Sleep(60 * time.Millisecond) // past the 50 ms lifetime
	if st := sentStatus(t, alice, first); st != pb.RequestStatus_EXPIRED {
		t.Fatalf("old request is %v", st)
	}
	mustCode(t, bob, 2605, reply(first, pb.ResponseAction_ACCEPT))
	mustCode(t, alice, 2602, recall(first))

	second := mustCode(t, alice, codeOK, friendReq(1002)).GetData().GetLong()
	mustCode(t, bob, 2604, recall(second))
	mustCode(t, alice, codeOK, recall(second))
	got := relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetDeleteFriendRequestRequest() != nil
	})
	if got.GetRelayedRequest().GetDeleteFriendRequestRequest().GetRequestId() != second {
		t.Fatalf("relayed recall: %v", got)
	}
	if st := sentStatus(t, alice, second); st != pb.RequestStatus_CANCELED {
		t.Fatalf("recalled request is %v", st)
	}
	mustCode(t, bob, 2605, reply(second, pb.ResponseAction_ACCEPT))
}
