package message

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Query asks for messages addressed to the requester, as Turms's
// QueryMessagesRequest does.
type Query struct {
	IDs []int64
	// Group is required: group (true) or private (false) messages.
	Group *bool
	// System, when set, selects system or non-system messages.
	System *bool
	// FromIDs are senders (private) or groups (group).
	FromIDs                    []int64
	DeliveredFrom, DeliveredTo int64
	MaxCount                   *int32
	WithTotal                  bool
	Descending                 bool
}

// WithTotal is one conversation's page of messages and how many it has in
// the queried range.
type WithTotal struct {
	IsGroup  bool
	FromID   int64
	Total    int64
	Messages []store.Message
}

// Query returns the private messages sent to the requester (or, later, the
// group messages of their groups), oldest first unless descending.
// Recalled messages are left out. An empty result is NoContent.
func (s *Service) Query(ctx context.Context, userID int64, q Query) ([]store.Message, error) {
	if q.Group == nil {
		return nil, domain.Errorf(status.InvalidRequest, `"areGroupMessages" must be either true or false`)
	}
	if *q.Group {
		return s.queryGroups(ctx, userID, q)
	}
	sq := store.MessageQuery{
		IDs: q.IDs, Group: false, System: q.System, SenderIDs: q.FromIDs,
		TargetIDs: []int64{userID}, DeliveredFrom: q.DeliveredFrom, DeliveredTo: q.DeliveredTo,
		Descending: q.Descending, Limit: s.limit(q),
	}
	msgs, err := s.st.Messages().Query(ctx, sq)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return msgs, nil
}

// QueryWithTotal runs q and groups the result by conversation, each with
// the count of that conversation's messages in the queried date range.
func (s *Service) QueryWithTotal(ctx context.Context, userID int64, q Query) ([]WithTotal, error) {
	q.WithTotal = true
	msgs, err := s.Query(ctx, userID, q)
	if err != nil {
		return nil, err
	}
	var out []WithTotal
	index := map[int64]int{}
	for _, m := range msgs {
		from := m.SenderID
		if m.IsGroup() {
			from = m.GroupID
		}
		i, ok := index[from]
		if !ok {
			i = len(out)
			index[from] = i
			out = append(out, WithTotal{FromID: from, IsGroup: m.IsGroup()})
		}
		out[i].Messages = append(out[i].Messages, m)
	}
	for i := range out {
		cq := store.MessageQuery{
			SenderIDs: []int64{out[i].FromID}, TargetIDs: []int64{userID},
			DeliveredFrom: q.DeliveredFrom, DeliveredTo: q.DeliveredTo,
		}
		if out[i].IsGroup {
			cq.Group, cq.SenderIDs, cq.TargetIDs = true, nil, []int64{out[i].FromID}
		}
		n, err := s.st.Messages().Count(ctx, cq)
		if err != nil {
			return nil, err
		}
		out[i].Total = n
	}
	return out, nil
}

func (s *Service) limit(q Query) int {
	def, max := s.opts.DefaultQueryLimit, s.opts.MaxQueryLimit
	if q.WithTotal {
		def, max = s.opts.DefaultQueryLimitWithTotal, s.opts.MaxQueryLimitWithTotal
	}
	if q.MaxCount == nil || *q.MaxCount <= 0 {
		return def
	}
	return min(int(*q.MaxCount), max)
}

// queryGroups returns messages of the requester's groups: those among
// q.FromIDs, which must all be groups they are a member of, or all of
// their groups.
func (s *Service) queryGroups(ctx context.Context, userID int64, q Query) ([]store.Message, error) {
	groupIDs := q.FromIDs
	if len(groupIDs) == 0 {
		if s.groups == nil {
			return nil, domain.Refuse(status.NoContent)
		}
		ids, err := s.groups.JoinedIDs(ctx, userID)
		if err != nil {
			return nil, err
		}
		groupIDs = ids
	} else {
		for _, id := range groupIDs {
			ok, err := s.isGroupMember(ctx, id, userID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, domain.Errorf(status.NotGroupMemberToQueryGroupMessages, "not a member of group %d", id)
			}
		}
	}
	if len(groupIDs) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	msgs, err := s.st.Messages().Query(ctx, store.MessageQuery{
		IDs: q.IDs, Group: true, System: q.System, TargetIDs: groupIDs,
		DeliveredFrom: q.DeliveredFrom, DeliveredTo: q.DeliveredTo,
		Descending: q.Descending, Limit: s.limit(q),
	})
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return msgs, nil
}
