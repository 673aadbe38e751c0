package group

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// MaxAliasLength bounds a group alias, in characters.
const MaxAliasLength = 64

// validAlias checks an alias: lower case (the XMPP local part of a room
// address is compared case-insensitively), not all digits (those are group
// ids), no characters an address cannot hold.
func validAlias(alias string) error {
	if alias == "" || utf8.RuneCountInString(alias) > MaxAliasLength {
		return domain.Errorf(status.IllegalArgument, "a group alias has 1 to %d characters", MaxAliasLength)
	}
	digits := true
	for _, r := range alias {
		if !unicode.IsDigit(r) {
			digits = false
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.IsUpper(r) || strings.ContainsRune(`"&'/:<>@`, r) {
			return domain.Errorf(status.IllegalArgument, "a group alias is lower case without spaces or any of \"&'/:<>@")
		}
	}
	if digits {
		return domain.Errorf(status.IllegalArgument, "a group alias is not a number: numbers are group ids")
	}
	return nil
}

// ByAlias returns the live group with alias.
func (s *Service) ByAlias(ctx context.Context, alias string) (int64, error) {
	id, err := s.st.GroupAliases().Lookup(ctx, alias)
	if errors.Is(err, store.ErrNotFound) {
		return 0, domain.Refuse(status.ResourceNotFound)
	}
	return id, err
}

// Alias returns a group's alias, "" when it has none.
func (s *Service) Alias(ctx context.Context, groupID int64) (string, error) {
	st, err := s.load(ctx, groupID)
	if err != nil {
		return "", err
	}
	return st.alias, nil
}
