// Package domain holds what every domain service shares: the refusal type
// that carries a status code, and the clock.
//
// Status codes are the Turms response codes (package status): Turms has the
// richest vocabulary of the protocols hermod speaks, so its numbers are the
// domain's, the Turms adapter passes them through and the XMPP adapter maps
// them to stanza errors.
package domain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hermod/internal/status"
	"hermod/internal/store"
)

// Error is a request refused by a domain rule.
type Error struct {
	Code   status.Code
	Reason string
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return e.Code.String()
	}
	return e.Code.String() + ": " + e.Reason
}

// Errorf returns an *Error with a formatted reason.
func Errorf(code status.Code, format string, args ...any) error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Refuse returns an *Error with no reason beyond its code.
func Refuse(code status.Code) error { return &Error{Code: code} }

// CodeOf maps err to a status code: an *Error's own code, OK for nil, and
// ServerInternalError for anything unexpected.
func CodeOf(err error) status.Code {
	var de *Error
	switch {
	case err == nil:
		return status.OK
	case errors.As(err, &de):
		return de.Code
	case errors.Is(err, store.ErrNotFound):
		return status.ResourceNotFound
	case errors.Is(err, store.ErrConflict):
		return status.DuplicateResource
	default:
		return status.ServerInternalError
	}
}

// Requester is who makes a request: the user, and the session it came
// from (which learns the outcome from its response, so relays skip it).
type Requester struct {
	UserID    int64
	SessionID int64
}

// AppendRelated appends to ids the users that userID relates to without
// blocking them: who hears of a user's changes when the rules say that
// related users should.
func AppendRelated(ctx context.Context, st store.Store, ids []int64, userID int64) ([]int64, error) {
	blocked := false
	rels, err := st.Relationships().List(ctx, userID, store.RelationshipFilter{Blocked: &blocked})
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		ids = append(ids, r.RelatedID)
	}
	return ids, nil
}

// Now returns the current time in Unix milliseconds. Tests may replace it.
var Now = func() int64 { return time.Now().UnixMilli() }
