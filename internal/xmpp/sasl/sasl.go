// Package sasl is the server side of the SASL mechanisms XMPP clients use
// (RFC 6120 section 6): SCRAM-SHA-1 and SCRAM-SHA-256 with their -PLUS
// variants (RFC 5802, 7677, 9266) and PLAIN (RFC 4616), all checked
// against the stored SCRAM keys, never a stored password.
package sasl

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/xdg-go/scram"

	"hermod/internal/credential"
	"hermod/internal/store"
)

// Mechanism names.
const (
	ScramSHA256Plus = "SCRAM-SHA-256-PLUS"
	ScramSHA1Plus   = "SCRAM-SHA-1-PLUS"
	ScramSHA256     = "SCRAM-SHA-256"
	ScramSHA1       = "SCRAM-SHA-1"
	Plain           = "PLAIN"
)

// Failure is a SASL failure condition of RFC 6120 section 6.5.
type Failure struct {
	Condition string
	Text      string
}

func (f *Failure) Error() string { return "sasl: " + f.Condition }

// Conditions used here.
var (
	ErrInvalidMechanism = &Failure{Condition: "invalid-mechanism"}
	ErrMalformed        = &Failure{Condition: "malformed-request"}
	ErrNotAuthorized    = &Failure{Condition: "not-authorized"}
	ErrAccountDisabled  = &Failure{Condition: "account-disabled"}
	ErrInvalidAuthzID   = &Failure{Condition: "invalid-authzid"}
	ErrIncorrectEncode  = &Failure{Condition: "incorrect-encoding"}
)

// Account is what the server knows of a user for authentication.
type Account struct {
	UserID      int64
	Credentials store.Credentials
	Active      bool
}

// Lookup finds the account of a SASL authentication identity (a user id
// or login name). It returns store.ErrNotFound for no such account.
type Lookup func(ctx context.Context, authcid string) (Account, error)

// Config is one connection's SASL setting.
type Config struct {
	Lookup Lookup
	// Secure is set once the connection is encrypted: PLAIN is offered only
	// then.
	Secure bool
	// Bindings are the channel bindings this connection supports; the -PLUS
	// mechanisms are offered when there is one.
	Bindings []scram.ChannelBinding
	// Authzid checks a requested authorization identity for userID; nil
	// refuses every non-empty one.
	Authzid func(userID int64, authzid string) bool
	// PlusTried is set once the client has tried a -PLUS mechanism on this
	// stream: it saw them offered, so its later "y" flag (supports channel
	// binding, thinks the server does not) is no sign of a stripped offer.
	// Clients that know only tls-unique, which TLS 1.3 lacks, do this.
	PlusTried bool
	// Secret makes the fake credentials of unknown users stable, so that a
	// SCRAM exchange does not tell whether an account exists.
	Secret []byte
	// Verify checks a PLAIN password against an account's credentials;
	// nil is credential.Verify (the account service remembers passwords
	// it verified, see credential.Memo).
	Verify func(userID int64, c store.Credentials, password string) bool

	nonce scram.NonceGeneratorFcn // tests fix the server nonce
}

// Mechanisms lists what the connection offers, strongest first.
func (c *Config) Mechanisms() []string {
	var m []string
	if len(c.Bindings) > 0 {
		m = append(m, ScramSHA256Plus, ScramSHA1Plus)
	}
	m = append(m, ScramSHA256, ScramSHA1)
	if c.Secure {
		m = append(m, Plain)
	}
	return m
}

// BindingTypes lists the channel binding types offered (XEP-0440).
func (c *Config) BindingTypes() []string {
	var out []string
	for _, b := range c.Bindings {
		out = append(out, string(b.Type))
	}
	return out
}

// Exchange is one authentication attempt.
type Exchange struct {
	cfg     *Config
	mech    string
	userID  int64
	active  bool
	conv    *scram.ServerConversation
	steps   int
	authzid string
	known   bool
	done    bool
}

// Start begins an exchange with mech, which must be one Mechanisms offers.
func (c *Config) Start(mech string) (*Exchange, error) {
	for _, m := range c.Mechanisms() {
		if m == mech {
			return &Exchange{cfg: c, mech: mech}, nil
		}
	}
	return nil, ErrInvalidMechanism
}

// UserID is the authenticated user, once Step has returned done.
func (e *Exchange) UserID() int64 { return e.userID }

// Step consumes the client's next message and returns the server's reply.
// done with a nil error means success (send reply as additional data with
// <success/>); any error is a *Failure that ends the exchange.
func (e *Exchange) Step(ctx context.Context, in []byte) (reply []byte, done bool, err error) {
	if e.done {
		return nil, true, ErrMalformed
	}
	if e.mech == Plain {
		e.done = true
		return nil, true, e.plain(ctx, in)
	}
	if e.conv == nil {
		if err := e.startScram(ctx, in); err != nil {
			e.done = true
			return nil, true, err
		}
	}
	e.steps++
	out, serr := e.conv.Step(string(in))
	if serr != nil {
		e.done = true
		if strings.Contains(out, "channel-binding") {
			return nil, true, &Failure{Condition: "not-authorized", Text: "channel binding failed"}
		}
		if e.steps > 1 {
			return nil, true, ErrNotAuthorized // a wrong proof
		}
		return nil, true, ErrMalformed
	}
	if !e.conv.Done() {
		return []byte(out), false, nil
	}
	e.done = true
	if !e.conv.Valid() || !e.known {
		return nil, true, ErrNotAuthorized
	}
	if !e.active {
		return nil, true, ErrAccountDisabled
	}
	if err := e.checkAuthzid(); err != nil {
		return nil, true, err
	}
	return []byte(out), true, nil
}

// checkAuthzid accepts no authorization identity, or one that names the
// authenticated user.
func (e *Exchange) checkAuthzid() error {
	if e.authzid == "" || (e.cfg.Authzid != nil && e.cfg.Authzid(e.userID, e.authzid)) {
		return nil
	}
	return ErrInvalidAuthzID
}

// startScram reads the client-first message's GS2 header to pick the
// channel binding, and sets up the conversation.
func (e *Exchange) startScram(ctx context.Context, first []byte) error {
	plus := strings.HasSuffix(e.mech, "-PLUS")
	flag, authzid, ok := gs2(first)
	if !ok {
		return ErrMalformed
	}
	hf := scram.SHA256
	if strings.HasPrefix(e.mech, ScramSHA1) {
		hf = scram.SHA1
	}
	lookup := func(username string) (scram.StoredCredentials, error) {
		acct, err := e.cfg.Lookup(ctx, username)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return e.fake(username), nil
			}
			return scram.StoredCredentials{}, err
		}
		sc, err := credential.Lookup(acct.Credentials, hf)
		if err != nil {
			return e.fake(username), nil
		}
		e.known, e.userID, e.active = true, acct.UserID, acct.Active
		return sc, nil
	}
	srv, err := hf.NewServer(lookup)
	if err != nil {
		return ErrMalformed
	}
	if e.cfg.nonce != nil {
		srv = srv.WithNonceGenerator(e.cfg.nonce)
	}
	switch {
	case plus:
		if !strings.HasPrefix(flag, "p=") {
			return &Failure{Condition: "not-authorized", Text: "a -PLUS mechanism needs channel binding"}
		}
		cb, found := e.binding(strings.TrimPrefix(flag, "p="))
		if !found {
			return &Failure{Condition: "not-authorized", Text: "unsupported channel binding type"}
		}
		e.conv = srv.NewConversationWithChannelBindingRequired(cb)
	case strings.HasPrefix(flag, "p="):
		return &Failure{Condition: "malformed-request", Text: "channel binding requested without a -PLUS mechanism"}
	case len(e.cfg.Bindings) > 0:
		// We offered -PLUS: a client that says it supports channel binding
		// but thinks we do not ("y") saw a stripped mechanism list.
		if flag == "y" {
			if !e.cfg.PlusTried {
				return &Failure{Condition: "not-authorized", Text: "channel binding downgrade detected"}
			}
			e.conv = srv.NewConversation()
			break
		}
		e.conv = srv.NewConversationWithChannelBinding(e.cfg.Bindings[0])
	default:
		e.conv = srv.NewConversation()
	}
	e.authzid = authzid
	return nil
}

func (e *Exchange) binding(typ string) (scram.ChannelBinding, bool) {
	for _, b := range e.cfg.Bindings {
		if string(b.Type) == typ {
			return b, true
		}
	}
	return scram.ChannelBinding{}, false
}

// gs2 splits the GS2 header off a client-first message: the binding flag
// ("n", "y" or "p=type") and the authorization identity.
func gs2(msg []byte) (flag, authzid string, ok bool) {
	parts := strings.SplitN(string(msg), ",", 3)
	if len(parts) < 3 {
		return "", "", false
	}
	flag = parts[0]
	if flag != "n" && flag != "y" && !strings.HasPrefix(flag, "p=") {
		return "", "", false
	}
	if parts[1] != "" {
		if !strings.HasPrefix(parts[1], "a=") {
			return "", "", false
		}
		authzid = strings.NewReplacer("=2C", ",", "=3D", "=").Replace(parts[1][2:])
	}
	return flag, authzid, true
}

// fake returns credentials that no password matches, the same for the
// same unknown name every time.
func (e *Exchange) fake(username string) scram.StoredCredentials {
	m := hmac.New(sha256.New, e.cfg.Secret)
	m.Write([]byte(username))
	sum := m.Sum(nil)
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(sum[:16]), Iters: credential.DefaultIterations},
		StoredKey:  sum, ServerKey: sum,
	}
}

// plain checks "authzid NUL authcid NUL password" against the stored keys.
func (e *Exchange) plain(ctx context.Context, in []byte) error {
	parts := bytes.Split(in, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return ErrMalformed
	}
	acct, err := e.cfg.Lookup(ctx, string(parts[1]))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotAuthorized
		}
		return err
	}
	verify := e.cfg.Verify
	if verify == nil {
		verify = func(_ int64, c store.Credentials, pw string) bool { return credential.Verify(c, pw) }
	}
	if !verify(acct.UserID, acct.Credentials, string(parts[2])) {
		return ErrNotAuthorized
	}
	if !acct.Active {
		return ErrAccountDisabled
	}
	e.userID, e.authzid = acct.UserID, string(parts[0])
	return e.checkAuthzid()
}
