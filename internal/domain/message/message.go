// Package message stores and delivers messages: private messages now,
// group messages when groups land. A message is durable before its sender
// hears that it was accepted.
package message

import (
	"context"
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/relation"
	"hermod/internal/idgen"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Options are the message rules; DefaultOptions are Turms's defaults.
type Options struct {
	MaxTextLength   int
	MaxRecordsBytes int
	// AllowStrangers lets users message people who are not their friends
	// (a recipient's block still applies).
	AllowStrangers bool
	AllowToSelf    bool
	AllowRecall    bool
	AllowEdit      bool
	// RecallWindowMillis is how long after delivery a sender may recall.
	RecallWindowMillis int64
	// DefaultQueryLimit and MaxQueryLimit bound a query's result size; the
	// WithTotal pair bounds queries that also count.
	DefaultQueryLimit, MaxQueryLimit                   int
	DefaultQueryLimitWithTotal, MaxQueryLimitWithTotal int
	// UpdateReadDateAfterSend moves the sender's read date of the
	// conversation to the message they sent.
	UpdateReadDateAfterSend bool
	// AllowTyping relays typing statuses.
	AllowTyping bool
	// AllowReadDate lets users set read dates; NotifyContactOfReadDate
	// tells the peer as well as the user's other sessions.
	AllowReadDate, NotifyContactOfReadDate bool
	// NotifyGroupMembersOfReadDate tells a group's members when one of
	// them reads it (Turms: notification.group-conversation-read-date-updated.notify-other-group-members).
	NotifyGroupMembersOfReadDate bool
	// MaxReactionsPerUser caps one user's reactions to one message.
	MaxReactionsPerUser int
}

// DefaultOptions returns Turms's defaults.
func DefaultOptions() Options {
	return Options{
		MaxTextLength:              500,
		MaxRecordsBytes:            15 << 20,
		AllowStrangers:             true,
		AllowRecall:                true,
		AllowEdit:                  true,
		RecallWindowMillis:         5 * 60 * 1000,
		DefaultQueryLimit:          1000,
		MaxQueryLimit:              1000,
		DefaultQueryLimitWithTotal: 1,
		MaxQueryLimitWithTotal:     1000,
		UpdateReadDateAfterSend:    true,
		AllowTyping:                true,
		AllowReadDate:              true,
		MaxReactionsPerUser:        20,
	}
}

// SystemRecall is the first record of the system message that announces a
// recall (Turms BuiltinSystemMessageType RECALL_MESSAGE); the second record
// is the recalled message's id, 8 bytes big-endian.
const SystemRecall byte = 1

// Accounts says whether an account exists and is active (the user
// service, which caches it).
type Accounts interface {
	Active(ctx context.Context, id int64) (bool, error)
}

// Service is the message service.
type Service struct {
	st    store.Store
	pub   event.Publisher
	ids   *idgen.Generator
	users Accounts
	rel   *relation.Service
	opts  Options
	// groups answers group questions; nil until UseGroups.
	groups Groups
}

// New returns the message service.
func New(st store.Store, pub event.Publisher, ids *idgen.Generator, users Accounts, rel *relation.Service, opts Options) *Service {
	return &Service{st: st, pub: pub, ids: ids, users: users, rel: rel, opts: opts}
}

// Draft is a message as its sender submits it.
type Draft struct {
	RecipientID  int64
	GroupID      int64
	Text         string
	Records      [][]byte
	PreMessageID int64
	// ForwardID forwards an existing message (Turms message_id on create):
	// its text and records are copied.
	ForwardID  int64
	Extensions []byte
	// ClientID is the id the sending client gave the message, by which it
	// refers to the message later (see Find).
	ClientID string
}

// Send stores a private or group message and relays it to the recipient's
// (or the group members') sessions and the sender's other sessions. When Send returns, the message is
// durable. origin(m) builds the protocol form to relay, given the stored
// message (with its id and delivery date).
func (s *Service) Send(ctx context.Context, r domain.Requester, d Draft, origin func(*store.Message) any) (*store.Message, error) {
	x := s.Start(ctx, r, d, origin)
	return x.Finish()
}

// Sending is a message that Start has checked and queued for the store.
// Finish waits for its commit and relays it. In between the caller may
// start more: a connection's pipelined messages then share a commit, and
// each is relayed, in the order started, once it is durable.
type Sending struct {
	s      *Service
	ctx    context.Context
	r      domain.Requester
	m      *store.Message
	to     []int64
	origin func(*store.Message) any
	tx     store.Pending
	err    error
}

// Start does Send's work up to the commit, which it does not wait for.
// Finish must be called on the result, once.
func (s *Service) Start(ctx context.Context, r domain.Requester, d Draft, origin func(*store.Message) any) Sending {
	x := Sending{s: s, ctx: ctx, r: r, origin: origin}
	x.m, x.to, x.err = s.check(ctx, r, d)
	if x.err == nil {
		x.tx = s.startStore(ctx, x.m)
	}
	return x
}

// Finish waits until the message is durable, relays it and returns it,
// or returns why it was refused or not stored.
func (x *Sending) Finish() (*store.Message, error) {
	if x.err != nil {
		return nil, x.err
	}
	if err := x.tx.Wait(); err != nil {
		return nil, err
	}
	var o any
	if x.origin != nil {
		o = x.origin(x.m)
	}
	x.s.pub.Publish(x.ctx, x.to, &event.Event{
		RequesterID: x.r.UserID, RequesterSession: x.r.SessionID,
		Payload: &event.MessageCreated{Message: *x.m}, Origin: o,
	})
	return x.m, nil
}

// check applies the rules to d and returns the message to store and who
// it is relayed to.
func (s *Service) check(ctx context.Context, r domain.Requester, d Draft) (*store.Message, []int64, error) {
	if d.RecipientID == 0 && d.GroupID == 0 {
		return nil, nil, domain.Errorf(status.IllegalArgument, "a message needs a recipient or a group")
	}
	if d.ForwardID != 0 {
		src, err := s.st.Messages().Get(ctx, d.ForwardID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		ok := src != nil && (src.SenderID == r.UserID || (!src.IsGroup() && src.RecipientID == r.UserID))
		if src != nil && !ok && src.IsGroup() {
			if ok, err = s.isGroupMember(ctx, src.GroupID, r.UserID); err != nil {
				return nil, nil, err
			}
		}
		if !ok {
			return nil, nil, domain.Refuse(status.NotMessageRecipientOrSenderToForwardMessage)
		}
		d.Text, d.Records = src.Text, src.Records
	}
	if d.GroupID != 0 {
		return s.checkGroup(ctx, r, d)
	}
	if err := s.validContent(d.Text, d.Records); err != nil {
		return nil, nil, err
	}
	if err := s.checkMaySend(ctx, r.UserID, d.RecipientID); err != nil {
		return nil, nil, err
	}
	m := &store.Message{
		ID: s.ids.Next(), SenderID: r.UserID, RecipientID: d.RecipientID,
		Text: d.Text, Records: d.Records, DeliveryDate: domain.Now(),
		PreMessageID: d.PreMessageID, Extensions: d.Extensions, ClientID: d.ClientID,
	}
	return m, []int64{m.RecipientID, r.UserID}, nil
}

// startStore queues the transaction that writes m, and the sender's read
// date with it; the store may commit it together with other senders'
// (group commit).
func (s *Service) startStore(ctx context.Context, m *store.Message) store.Pending {
	return s.st.StartTx(ctx, func(tx store.Repos) error {
		if err := tx.Messages().Insert(ctx, m); err != nil {
			return err
		}
		if !s.opts.UpdateReadDateAfterSend || m.SenderID == 0 {
			return nil
		}
		if m.IsGroup() {
			return tx.Conversations().UpsertGroupReadDate(ctx, m.GroupID, m.SenderID, m.DeliveryDate)
		}
		return tx.Conversations().UpsertPrivateReadDate(ctx, m.SenderID, m.RecipientID, m.DeliveryDate)
	})
}

func (s *Service) validContent(text string, records [][]byte) error {
	if utf8.RuneCountInString(text) > s.opts.MaxTextLength {
		return domain.Errorf(status.IllegalArgument, "text is longer than %d characters", s.opts.MaxTextLength)
	}
	n := 0
	for _, r := range records {
		n += len(r)
	}
	if n > s.opts.MaxRecordsBytes {
		return domain.Errorf(status.IllegalArgument, "records are larger than %d bytes", s.opts.MaxRecordsBytes)
	}
	return nil
}

// checkMaySend applies the private-message rules: no messages to oneself
// unless allowed, the recipient exists and is active, and the recipient has
// not blocked the sender (or, without AllowStrangers, is their friend).
func (s *Service) checkMaySend(ctx context.Context, senderID, recipientID int64) error {
	if senderID == recipientID && !s.opts.AllowToSelf {
		return domain.Refuse(status.SendingMessagesToOneselfIsDisabled)
	}
	active, err := s.users.Active(ctx, recipientID)
	if err != nil {
		return err
	}
	if !active {
		return domain.Refuse(status.MessageRecipientNotActive)
	}
	if s.opts.AllowStrangers {
		blocked, err := s.rel.IsBlocked(ctx, recipientID, senderID)
		if err != nil {
			return err
		}
		if blocked {
			return domain.Refuse(status.BlockedUserSendPrivateMessage)
		}
		return nil
	}
	ok, err := s.rel.IsRelatedNotBlocked(ctx, recipientID, senderID)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Refuse(status.NotFriendToSendPrivateMessage)
	}
	return nil
}

// Change is an edit or a recall of a message.
type Change struct {
	Text    *string
	Records [][]byte
	// RecallDate, when set, recalls the message.
	RecallDate *int64
	// Extensions, when set with an edit, replace the message's protocol
	// payloads.
	Extensions *[]byte
}

// Update edits or recalls r's own message. A recall also sends the
// conversation a system message that announces it, as Turms does.
func (s *Service) Update(ctx context.Context, r domain.Requester, id int64, ch Change, origin any) error {
	m, err := s.st.Messages().Get(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := domain.Now()
	upd := store.MessageUpdate{}
	recall := ch.RecallDate != nil
	edit := ch.Text != nil || len(ch.Records) > 0
	to := []int64{r.UserID}
	if m != nil && m.SenderID == r.UserID && (recall || edit) {
		if m.IsGroup() {
			notFound := status.UpdateMessageOfNonexistentGroup
			if recall {
				notFound = status.RecallMessageOfNonexistentGroup
			}
			aud, err := s.groupAudience(ctx, m.GroupID, r.UserID, notFound)
			if err != nil {
				return err
			}
			if edit && !aud.Type.MessageEditable {
				return domain.Refuse(status.UpdatingGroupMessageBySenderIsDisabled)
			}
			to = withSender(aud.MemberIDs, r.UserID)
		} else {
			to = []int64{m.RecipientID, r.UserID}
		}
	}
	if recall {
		switch {
		case !s.opts.AllowRecall:
			return domain.Refuse(status.RecallingMessageIsDisabled)
		case m == nil:
			return domain.Refuse(status.RecallNonexistentMessage)
		case m.SenderID != r.UserID:
			return domain.Refuse(status.NotSenderToRecallMessage)
		case now-m.DeliveryDate > s.opts.RecallWindowMillis:
			return domain.Refuse(status.MessageRecallTimeout)
		case *ch.RecallDate > now+60_000:
			return domain.Errorf(status.IllegalArgument, "recall date is in the future")
		}
		upd.RecallDate = &now
	}
	if edit {
		switch {
		case !s.opts.AllowEdit:
			return domain.Refuse(status.UpdatingMessageBySenderIsDisabled)
		case m == nil || m.SenderID != r.UserID:
			return domain.Refuse(status.NotSenderToUpdateMessage)
		}
		if err := s.validContent(deref(ch.Text), ch.Records); err != nil {
			return err
		}
		upd.Text = ch.Text
		if len(ch.Records) > 0 {
			upd.Records = &ch.Records
		}
		upd.ModificationDate = &now
		upd.Extensions = ch.Extensions
	}
	if !recall && !edit {
		return nil // nothing to change: acknowledged, as Turms does
	}
	if err := s.st.Messages().Update(ctx, id, upd); err != nil {
		return err
	}
	if upd.Text != nil {
		m.Text = *upd.Text
	}
	if upd.Records != nil {
		m.Records = *upd.Records
	}
	if upd.Extensions != nil {
		m.Extensions = *upd.Extensions
	}
	if edit {
		m.ModificationDate = now
	}
	if recall {
		m.RecallDate = now
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.MessageUpdated{Message: *m, Edited: edit, Recalled: recall}, Origin: origin,
	})
	if recall {
		return s.announceRecall(ctx, r, m, to)
	}
	return nil
}

// announceRecall stores and delivers the system message that tells the
// conversation m was recalled.
func (s *Service) announceRecall(ctx context.Context, r domain.Requester, m *store.Message, to []int64) error {
	idb := binary.BigEndian.AppendUint64(nil, uint64(m.ID))
	sys := &store.Message{
		ID: s.ids.Next(), SenderID: r.UserID, RecipientID: m.RecipientID, GroupID: m.GroupID,
		IsSystem: true, Records: [][]byte{{SystemRecall}, idb}, DeliveryDate: domain.Now(),
	}
	if err := s.st.Messages().Insert(ctx, sys); err != nil {
		return err
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID, Payload: &event.MessageCreated{Message: *sys},
	})
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
