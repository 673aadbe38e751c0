package admin

import (
	"net/http"
	"slices"

	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/store"
)

// GroupType is a group type as the admin API shows it, with its
// strategies by their Turms names.
type GroupType struct {
	ID                       int64  `json:"id"`
	Name                     string `json:"name"`
	SizeLimit                int32  `json:"size_limit"`
	InvitationStrategy       string `json:"invitation_strategy"`
	JoinStrategy             string `json:"join_strategy"`
	InfoUpdateStrategy       string `json:"group_info_update_strategy"`
	MemberInfoUpdateStrategy string `json:"member_info_update_strategy"`
	GuestSpeakable           bool   `json:"guest_speakable"`
	SelfInfoUpdatable        bool   `json:"self_info_updatable"`
	EnableReadReceipt        bool   `json:"enable_read_receipt"`
	MessageEditable          bool   `json:"message_editable"`
}

func groupTypeJSON(t *store.GroupType) GroupType {
	return GroupType{
		ID: t.ID, Name: t.Name, SizeLimit: t.SizeLimit,
		InvitationStrategy:       group.InvitationStrategyNames[t.InvitationStrategy],
		JoinStrategy:             group.JoinStrategyNames[t.JoinStrategy],
		InfoUpdateStrategy:       group.UpdateStrategyNames[t.InfoUpdateStrategy],
		MemberInfoUpdateStrategy: group.UpdateStrategyNames[t.MemberInfoUpdateStrategy],
		GuestSpeakable:           t.GuestSpeakable, SelfInfoUpdatable: t.SelfInfoUpdatable,
		EnableReadReceipt: t.EnableReadReceipt, MessageEditable: t.MessageEditable,
	}
}

// addGroupType creates a group type. Omitted strategies and flags take
// the default type's values.
func (s *Server) addGroupType(w http.ResponseWriter, r *http.Request) {
	def := groupTypeJSON(new(group.DefaultType()))
	def.ID, def.Name = 0, ""
	in := def
	if !decode(w, r, &in) {
		return
	}
	t := store.GroupType{
		ID: in.ID, Name: in.Name, SizeLimit: in.SizeLimit,
		GuestSpeakable: in.GuestSpeakable, SelfInfoUpdatable: in.SelfInfoUpdatable,
		EnableReadReceipt: in.EnableReadReceipt, MessageEditable: in.MessageEditable,
	}
	for _, f := range []struct {
		names []string
		name  string
		dst   *int32
	}{
		{group.InvitationStrategyNames, in.InvitationStrategy, &t.InvitationStrategy},
		{group.JoinStrategyNames, in.JoinStrategy, &t.JoinStrategy},
		{group.UpdateStrategyNames, in.InfoUpdateStrategy, &t.InfoUpdateStrategy},
		{group.UpdateStrategyNames, in.MemberInfoUpdateStrategy, &t.MemberInfoUpdateStrategy},
	} {
		i := slices.Index(f.names, f.name)
		if i < 0 {
			writeError(w, http.StatusBadRequest, int32(status.IllegalArgument), "unknown strategy "+f.name)
			return
		}
		*f.dst = int32(i)
	}
	created, err := s.opts.Groups.AddType(r.Context(), t)
	if err != nil {
		writeDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, groupTypeJSON(created))
}

func (s *Server) listGroupTypes(w http.ResponseWriter, r *http.Request) {
	ts, err := s.opts.Groups.Types(r.Context())
	if err != nil {
		writeDomainError(w, err)
		return
	}
	out := struct {
		GroupTypes []GroupType `json:"group_types"`
	}{GroupTypes: []GroupType{}}
	for i := range ts {
		out.GroupTypes = append(out.GroupTypes, groupTypeJSON(&ts[i]))
	}
	writeJSON(w, http.StatusOK, out)
}
