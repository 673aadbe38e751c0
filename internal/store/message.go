package store

import "context"

// Message is a stored private or group message.
type Message struct {
	ID int64
	// SenderID is the user who sent it; 0 for a message of the system.
	SenderID int64
	// RecipientID is the peer of a private message; 0 for a group message.
	RecipientID int64
	// GroupID is the group of a group message; 0 for a private message.
	GroupID      int64
	IsSystem     bool
	Text         string
	Records      [][]byte
	DeliveryDate int64
	// ModificationDate is when it was last edited; 0 if never.
	ModificationDate int64
	// RecallDate is when its sender recalled it; 0 if not recalled.
	RecallDate   int64
	PreMessageID int64
	// Extensions are protocol payloads that have no Turms field (for
	// example XMPP extension elements) kept so that a peer on the same
	// protocol receives them intact. Opaque to the store.
	Extensions []byte
	// ClientID is the id the sending client gave the message (an XMPP
	// client's origin-id, else its id attribute), so that the client's later
	// references to it (a correction, a retraction, a reaction, a chat
	// marker) find it. Empty for messages from Turms clients, which refer
	// to messages by their id.
	ClientID string
}

// IsGroup reports whether m is a group message.
func (m *Message) IsGroup() bool { return m.GroupID != 0 }

// MessageQuery selects messages. Empty fields match all; recalled messages
// are left out unless WithRecalled is set.
type MessageQuery struct {
	IDs []int64
	// Group selects group messages (true) or private ones (false).
	Group bool
	// System, when non-nil, selects system or non-system messages.
	System *bool
	// SenderIDs limits the senders.
	SenderIDs []int64
	// TargetIDs limits the recipients (private) or groups (group).
	TargetIDs []int64
	// DeliveredFrom and DeliveredTo bound the delivery date, inclusive;
	// 0 means unbounded.
	DeliveredFrom int64
	DeliveredTo   int64
	// AboveID keeps only messages whose id is above it (0: any): what
	// arrived after a watermark, without reading what came before.
	AboveID      int64
	WithRecalled bool
	Descending   bool
	// Limit caps the result; 0 means no cap.
	Limit int

	// ParticipantID, when set, selects the private messages this user sent
	// or received (their archive, as XMPP MAM sees it) instead of
	// SenderIDs and TargetIDs, which must then be empty. PeerIDs keeps only
	// the messages exchanged with these users, ExcludedPeerIDs leaves out
	// those exchanged with these; the participant's messages to
	// themselves have the participant as their peer.
	ParticipantID   int64
	PeerIDs         []int64
	ExcludedPeerIDs []int64
	// After and Before keep the messages strictly after or before a
	// position in the order of Query (delivery date, then id): keyset
	// paging that stays correct while messages arrive.
	After, Before *MessageCursor
}

// MessageCursor is a message's position in the order of Query.
type MessageCursor struct {
	DeliveryDate, ID int64
}

// CursorOf returns m's position.
func CursorOf(m *Message) *MessageCursor {
	return &MessageCursor{DeliveryDate: m.DeliveryDate, ID: m.ID}
}

// MessageUpdate changes the fields that are non-nil.
type MessageUpdate struct {
	Text             *string
	Records          *[][]byte
	ModificationDate *int64
	RecallDate       *int64
	// Extensions replaces the protocol payloads (an XMPP correction of an
	// encrypted message brings a new one).
	Extensions *[]byte
}

// MessageRepo stores messages. Insert returns only once the message is
// durable: a crash after it returns never loses it.
type MessageRepo interface {
	// Insert stores m. ErrConflict if its id is taken.
	Insert(ctx context.Context, m *Message) error
	// Get returns the message with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*Message, error)
	// Query returns the messages matching q, by delivery date then id.
	Query(ctx context.Context, q MessageQuery) ([]Message, error)
	// Count returns how many messages match q, ignoring its Limit.
	Count(ctx context.Context, q MessageQuery) (int64, error)
	// Update changes a message. ErrNotFound if there is none.
	Update(ctx context.Context, id int64, upd MessageUpdate) error
	// ByClientID returns the latest message senderID sent with clientID in
	// a conversation: with recipientID (a private message) or in groupID
	// (when non-zero). ErrNotFound if there is none.
	ByClientID(ctx context.Context, senderID, recipientID, groupID int64, clientID string) (*Message, error)
}
