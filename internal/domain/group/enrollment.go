package group

import "context"

// EnrollmentOptions are the rules of invitations, join requests and join
// questions; DefaultEnrollmentOptions are Turms's defaults.
type EnrollmentOptions struct{}

// DefaultEnrollmentOptions returns Turms's defaults.
func DefaultEnrollmentOptions() EnrollmentOptions { return EnrollmentOptions{} }

// isBlocked reports whether userID is on the group's blocklist.
func (s *Service) isBlocked(ctx context.Context, groupID, userID int64) (bool, error) {
	return false, nil
}
