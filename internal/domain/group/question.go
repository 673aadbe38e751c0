package group

import (
	"context"
	"slices"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// QuestionDraft is a join question as an admin writes it.
type QuestionDraft struct {
	Question string
	Answers  []string
	Score    int32
}

func (s *Service) validQuestion(q string, answers []string, score int32) error {
	o := s.opts.Enrollment
	switch {
	case q == "" || tooLong(q, o.MaxQuestionLength):
		return domain.Errorf(status.IllegalArgument, "a question has 1 to %d characters", o.MaxQuestionLength)
	case len(answers) == 0 || len(answers) > o.MaxAnswers:
		return domain.Errorf(status.IllegalArgument, "a question has 1 to %d answers", o.MaxAnswers)
	case score < 0:
		return domain.Errorf(status.IllegalArgument, "the score must not be negative")
	}
	for _, a := range answers {
		if a == "" || tooLong(a, o.MaxAnswerLength) {
			return domain.Errorf(status.IllegalArgument, "an answer has 1 to %d characters", o.MaxAnswerLength)
		}
	}
	return nil
}

// questionAdmin checks that userID may manage the questions of a group
// whose users join by answering them.
func (s *Service) questionAdmin(ctx context.Context, groupID, userID int64, notAdmin status.Code) (*state, error) {
	st, err := s.live(ctx, groupID, userID, status.CreateGroupQuestionForInactiveGroup)
	if err != nil {
		return nil, err
	}
	if !st.isAdmin(userID) {
		return nil, domain.Refuse(notAdmin)
	}
	return st, nil
}

// AddQuestions adds join questions to a group that uses them, as its
// owner or a manager, and returns their ids.
func (s *Service) AddQuestions(ctx context.Context, r domain.Requester, groupID int64, drafts []QuestionDraft) ([]int64, error) {
	st, err := s.questionAdmin(ctx, groupID, r.UserID, status.NotGroupOwnerOrManagerToCreateGroupQuestion)
	if err != nil {
		return nil, err
	}
	switch {
	case !st.group.Active:
		return nil, domain.Refuse(status.CreateGroupQuestionForInactiveGroup)
	case st.typ.JoinStrategy == JoinRequest:
		return nil, domain.Refuse(status.CreateGroupQuestionForGroupUsingJoinRequest)
	case st.typ.JoinStrategy == JoinInvitation:
		return nil, domain.Refuse(status.CreateGroupQuestionForGroupUsingInvitation)
	case st.typ.JoinStrategy == JoinMembershipRequest:
		return nil, domain.Refuse(status.CreateGroupQuestionForGroupUsingMembershipRequest)
	case len(drafts) == 0:
		return nil, domain.Errorf(status.IllegalArgument, "no questions")
	}
	qs := make([]store.GroupQuestion, len(drafts))
	ids := make([]int64, len(drafts))
	for i, d := range drafts {
		if err := s.validQuestion(d.Question, d.Answers, d.Score); err != nil {
			return nil, err
		}
		ids[i] = s.ids.Next()
		qs[i] = store.GroupQuestion{ID: ids[i], GroupID: groupID, Question: d.Question, Answers: d.Answers, Score: d.Score}
	}
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.GroupQuestions().Create(ctx, qs); err != nil {
			return err
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionQuestions, domain.Now())
	})
	return ids, err
}

// UpdateQuestion changes a question, as the group's owner or a manager.
func (s *Service) UpdateQuestion(ctx context.Context, r domain.Requester, id int64, q *string, answers []string, score *int32) error {
	found, err := s.st.GroupQuestions().GetMany(ctx, []int64{id})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return domain.Refuse(status.NotGroupOwnerOrManagerToUpdateGroupQuestion)
	}
	old := found[0]
	if _, err := s.questionAdmin(ctx, old.GroupID, r.UserID, status.NotGroupOwnerOrManagerToUpdateGroupQuestion); err != nil {
		return err
	}
	upd := store.GroupQuestionUpdate{Question: q, Score: score}
	if q != nil {
		old.Question = *q
	}
	if len(answers) > 0 {
		upd.Answers, old.Answers = &answers, answers
	}
	if score != nil {
		old.Score = *score
	}
	if err := s.validQuestion(old.Question, old.Answers, old.Score); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.GroupQuestions().Update(ctx, id, upd); err != nil {
			return err
		}
		return tx.GroupVersions().Bump(ctx, old.GroupID, store.GroupVersionQuestions, domain.Now())
	})
}

// DeleteQuestions removes a group's questions (all of them when ids is
// empty), as its owner or a manager.
func (s *Service) DeleteQuestions(ctx context.Context, r domain.Requester, groupID int64, ids []int64) error {
	if _, err := s.questionAdmin(ctx, groupID, r.UserID, status.NotGroupOwnerOrManagerToDeleteGroupQuestion); err != nil {
		return err
	}
	if len(ids) == 0 {
		ids = nil
	}
	return s.st.InTx(ctx, func(tx store.Repos) error {
		if _, err := tx.GroupQuestions().Delete(ctx, groupID, ids); err != nil {
			return err
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionQuestions, domain.Now())
	})
}

// Questions returns a group's questions; their answers only to its owner
// and managers.
func (s *Service) Questions(ctx context.Context, userID, groupID int64, withAnswers bool, lastUpdated int64) ([]store.GroupQuestion, int64, error) {
	if withAnswers {
		if _, err := s.questionAdmin(ctx, groupID, userID, status.NotGroupOwnerOrManagerToQueryGroupQuestionAnswer); err != nil {
			return nil, 0, err
		}
	}
	version, err := s.st.GroupVersions().Get(ctx, groupID, store.GroupVersionQuestions)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	qs, err := s.st.GroupQuestions().List(ctx, groupID)
	if err != nil {
		return nil, 0, err
	}
	if len(qs) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	if !withAnswers {
		for i := range qs {
			qs[i].Answers = nil
		}
	}
	return qs, version, nil
}

// AnswerResult is the outcome of answering join questions.
type AnswerResult struct {
	Score int32
	// Correct are the questions answered right.
	Correct []int64
	Joined  bool
}

// Answer checks a user's answers to one group's questions; when their
// score reaches the group's minimum score, they join.
func (s *Service) Answer(ctx context.Context, r domain.Requester, answers map[int64]string) (*AnswerResult, error) {
	if len(answers) == 0 {
		return nil, domain.Errorf(status.IllegalArgument, "no answers")
	}
	ids := make([]int64, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	qs, err := s.st.GroupQuestions().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(qs) != len(ids) {
		return nil, domain.Refuse(status.AnswerInactiveGroupQuestion)
	}
	groupID := qs[0].GroupID
	for _, q := range qs {
		if q.GroupID != groupID {
			return nil, domain.Errorf(status.IllegalArgument, "the questions belong to different groups")
		}
	}
	st, err := s.live(ctx, groupID, r.UserID, status.AnswerGroupQuestionOfInactiveGroup)
	if err != nil {
		return nil, err
	}
	blocked, err := s.isBlocked(ctx, groupID, r.UserID)
	if err != nil {
		return nil, err
	}
	switch {
	case !st.group.Active:
		return nil, domain.Refuse(status.AnswerGroupQuestionOfInactiveGroup)
	case blocked:
		return nil, domain.Refuse(status.GroupQuestionAnswererHasBeenBlocked)
	case st.members[r.UserID] != nil:
		return nil, domain.Refuse(status.GroupMemberAnswerGroupQuestion)
	}
	res := &AnswerResult{}
	for _, q := range qs {
		if slices.Contains(q.Answers, answers[q.ID]) {
			res.Score += q.Score
			res.Correct = append(res.Correct, q.ID)
		}
	}
	if res.Score >= st.group.MinScore {
		if err := s.admit(ctx, r, st, r.UserID, nil); err != nil {
			return nil, err
		}
		res.Joined = true
	}
	return res, nil
}
