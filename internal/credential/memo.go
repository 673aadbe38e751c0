package credential

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"hermod/internal/store"
)

// Memo remembers, per account, the password that Verify last accepted, so
// that checking it again costs one keyed hash instead of PBKDF2's
// thousands: a Turms client sends its password at every login, and a
// phone that reconnects all day, or a server restart that reconnects
// everyone at once, would otherwise spend most of the server's CPU on
// PBKDF2. An XMPP client proves its password with SCRAM, whose server side
// is cheap already.
//
// What is kept is an HMAC-SHA-256, under a key drawn when the Memo is made
// and never written anywhere, of the password together with the
// credentials it matched: a changed password, salt or iteration count
// misses. Nothing of it is stored, so it ends with the process. A wrong
// password always costs the full Verify. Someone who can read the
// server's memory could test guesses against an entry at HMAC speed
// rather than PBKDF2's, but could as well read the passwords arriving in
// requests; servers that want none of it set the size to 0.
type Memo struct {
	key [32]byte
	max int

	mu sync.Mutex
	m  map[int64][sha256.Size]byte
}

// NewMemo returns a Memo of at most size accounts (when full, a new entry
// replaces an arbitrary one), or nil for size 0: a nil Memo verifies
// every time.
func NewMemo(size int) *Memo {
	if size <= 0 {
		return nil
	}
	m := &Memo{max: size, m: make(map[int64][sha256.Size]byte)}
	rand.Read(m.key[:])
	return m
}

// Verify is Verify(c, password) for account id, answered from the memo
// when the same password matched the same credentials before.
func (m *Memo) Verify(id int64, c store.Credentials, password string) bool {
	if m == nil {
		return fullVerify(c, password)
	}
	mac := m.sum(c, password)
	m.mu.Lock()
	known, ok := m.m[id]
	m.mu.Unlock()
	if ok && hmac.Equal(known[:], mac[:]) {
		return true
	}
	if !fullVerify(c, password) {
		return false
	}
	m.mu.Lock()
	if _, ok := m.m[id]; !ok && len(m.m) >= m.max {
		for k := range m.m {
			delete(m.m, k)
			break
		}
	}
	m.m[id] = mac
	m.mu.Unlock()
	return true
}

// fullVerify is Verify; tests count its calls.
var fullVerify = Verify

// sum is the entry for password with credentials c: every field of c is
// in it, each with its length, so that no two inputs read alike.
func (m *Memo) sum(c store.Credentials, password string) (out [sha256.Size]byte) {
	h := hmac.New(sha256.New, m.key[:])
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	binary.BigEndian.PutUint64(n[:], uint64(c.Iterations))
	h.Write(n[:])
	field(c.Salt)
	field(c.SHA1.StoredKey)
	field(c.SHA256.StoredKey)
	field([]byte(password))
	h.Sum(out[:0])
	return out
}
