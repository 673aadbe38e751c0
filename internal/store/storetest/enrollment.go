package storetest

import (
	"testing"

	"hermod/internal/store"
)

func testGroupEnrollment(t *testing.T, st store.Store) {
	bl := st.GroupBlocklist()
	must(t, bl.Add(ctx, &store.GroupBlockedUser{GroupID: 1, UserID: 5, BlockDate: 10, RequesterID: 2}))
	wantErr(t, bl.Add(ctx, &store.GroupBlockedUser{GroupID: 1, UserID: 5, BlockDate: 11}), store.ErrConflict)
	if b, _ := bl.IsBlocked(ctx, 1, 5); !b {
		t.Fatal("not blocked")
	}
	if b, _ := bl.IsBlocked(ctx, 2, 5); b {
		t.Fatal("blocked in another group")
	}
	list, err := bl.List(ctx, 1)
	must(t, err)
	diff(t, "blocklist", list, []store.GroupBlockedUser{{GroupID: 1, UserID: 5, BlockDate: 10, RequesterID: 2}})
	must(t, bl.Remove(ctx, 1, 5))
	wantErr(t, bl.Remove(ctx, 1, 5), store.ErrNotFound)

	inv := &store.GroupInvitation{ID: 1, GroupID: 1, InviterID: 2, InviteeID: 3, Content: "c", CreationDate: 5, ExpirationDate: 50}
	must(t, st.GroupInvitations().Create(ctx, inv))
	must(t, st.GroupInvitations().Create(ctx, &store.GroupInvitation{ID: 2, GroupID: 9, InviterID: 2, InviteeID: 4, CreationDate: 6}))
	got, err := st.GroupInvitations().Get(ctx, 1)
	must(t, err)
	diff(t, "invitation", got, inv)
	must(t, st.GroupInvitations().Respond(ctx, 1, store.Response{Status: store.RequestAccepted, Reason: "ok", ResponseDate: 7}))
	wantErr(t, st.GroupInvitations().Respond(ctx, 1, store.Response{Status: store.RequestDeclined}), store.ErrNotFound)
	sent, _ := st.GroupInvitations().List(ctx, store.EnrollmentFilter{SenderID: 2})
	if len(sent) != 2 || sent[0].ID != 2 || sent[1].Status != store.RequestAccepted || sent[1].Reason != "ok" {
		t.Fatalf("sent invitations: %+v", sent)
	}
	recv, _ := st.GroupInvitations().List(ctx, store.EnrollmentFilter{RecipientID: 4})
	inGroup, _ := st.GroupInvitations().List(ctx, store.EnrollmentFilter{GroupID: 1})
	if len(recv) != 1 || recv[0].ID != 2 || len(inGroup) != 1 || inGroup[0].ID != 1 {
		t.Fatalf("received %+v, in group %+v", recv, inGroup)
	}

	jr := &store.GroupJoinRequest{ID: 1, GroupID: 1, RequesterID: 3, Content: "c", CreationDate: 5}
	must(t, st.GroupJoinRequests().Create(ctx, jr))
	must(t, st.GroupJoinRequests().Respond(ctx, 1, store.Response{Status: store.RequestDeclined, ResponderID: 2, ResponseDate: 8}))
	gj, err := st.GroupJoinRequests().Get(ctx, 1)
	must(t, err)
	if gj.Status != store.RequestDeclined || gj.ResponderID != 2 || gj.ResponseDate != 8 {
		t.Fatalf("join request: %+v", gj)
	}
	mine, _ := st.GroupJoinRequests().List(ctx, store.EnrollmentFilter{SenderID: 3})
	if len(mine) != 1 {
		t.Fatalf("join requests: %+v", mine)
	}

	qs := []store.GroupQuestion{{ID: 1, GroupID: 1, Question: "q1", Answers: []string{"a", "b"}, Score: 3}, {ID: 2, GroupID: 1, Question: "q2", Answers: []string{"c"}, Score: 1}}
	must(t, st.GroupQuestions().Create(ctx, qs))
	all, err := st.GroupQuestions().List(ctx, 1)
	must(t, err)
	diff(t, "questions", all, qs)
	score, answers := int32(9), []string{"z"}
	must(t, st.GroupQuestions().Update(ctx, 2, store.GroupQuestionUpdate{Score: &score, Answers: &answers}))
	wantErr(t, st.GroupQuestions().Update(ctx, 3, store.GroupQuestionUpdate{Score: &score}), store.ErrNotFound)
	two, _ := st.GroupQuestions().GetMany(ctx, []int64{2, 3})
	if len(two) != 1 || two[0].Score != 9 || two[0].Answers[0] != "z" {
		t.Fatalf("updated question: %+v", two)
	}
	n, err := st.GroupQuestions().Delete(ctx, 1, []int64{1})
	must(t, err)
	if n != 1 {
		t.Fatalf("deleted %d", n)
	}
	n, _ = st.GroupQuestions().Delete(ctx, 1, nil)
	if n != 1 {
		t.Fatalf("deleted all: %d", n)
	}
}
