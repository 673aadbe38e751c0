package postgres

// Queued is how many InTx calls wait for a committer.
func Queued(s *Store) int { return len(s.commit.queue) }

// Commits is how many batches s committed, Reruns how many it ran again
// after losing a race.
func Commits(s *Store) int64 { return s.commit.commits.Load() }
func Reruns(s *Store) int64  { return s.commit.reruns.Load() }

// Closing tells whether Close has begun: InTx refuses new work.
func Closing(s *Store) bool {
	s.commit.mu.RLock()
	defer s.commit.mu.RUnlock()
	return s.commit.closed
}

// ErrAborted answers work that ignored a failed statement.
var ErrAborted = errAborted
