package postgres

// Queued is how many InTx calls wait for a committer.
func Queued(s *Store) int { return s.commit.Queued() }

// Commits is how many batches s committed, Reruns how many it ran again
// after losing a race.
func Commits(s *Store) int64 { n, _ := s.commit.Stats(); return n }
func Reruns(s *Store) int64  { _, n := s.commit.Stats(); return n }

// Closing tells whether Close has begun: InTx refuses new work.
func Closing(s *Store) bool { return s.commit.Closing() }

// ErrAborted answers work that ignored a failed statement.
var ErrAborted = errAborted
