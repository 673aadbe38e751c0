package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/xdg-go/scram"
)

// account is one login of the load.
type account struct {
	user     string // XMPP localpart (or bare JID), or a Turms user id
	password string
	id       int64 // the numeric id when user is one; Turms needs it

	mu    sync.Mutex
	scram *scram.Client
}

// scramClient returns the account's SCRAM client, kept so that its cache
// of derived keys spares the PBKDF2 work on the account's later logins, as
// a real client that remembers its salted password does.
func (a *account) scramClient(mech string) (*scram.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.scram != nil {
		return a.scram, nil
	}
	hf := scram.SHA1
	if mech == "SCRAM-SHA-256" {
		hf = scram.SHA256
	}
	c, err := hf.NewClient(a.user, a.password, "")
	if err != nil {
		return nil, fmt.Errorf("SCRAM client for %s: %w", a.user, err)
	}
	a.scram = c
	return c, nil
}

// generatedAccounts are ids first .. first+n-1, all with password.
func generatedAccounts(first int64, n int, password string) []*account {
	out := make([]*account, n)
	for i := range out {
		id := first + int64(i)
		out[i] = &account{user: strconv.FormatInt(id, 10), id: id, password: password}
	}
	return out
}

// readAccounts reads "<localpart-or-id> <password>" lines; blank lines
// and lines starting with # are skipped.
func readAccounts(path string) ([]*account, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*account
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		user, pw, ok := strings.Cut(s, " ")
		pw = strings.TrimSpace(pw)
		if !ok || pw == "" {
			return nil, fmt.Errorf("%s:%d: want \"<localpart-or-id> <password>\"", path, line)
		}
		a := &account{user: user, password: pw}
		a.id, _ = strconv.ParseInt(user, 10, 64)
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no accounts", path)
	}
	return out, nil
}
