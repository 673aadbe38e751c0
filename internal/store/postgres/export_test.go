package postgres

// Queued is how many InTx calls wait for a committer.
func Queued(s *Store) int { return s.commit.Queued() }

// Closing tells whether Close has begun: InTx refuses new work.
func Closing(s *Store) bool { return s.commit.Closing() }

// ErrAborted answers work that ignored a failed statement.
var ErrAborted = errAborted
