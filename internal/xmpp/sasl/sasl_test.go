package sasl

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/xdg-go/scram"

	"hermod/internal/credential"
	"hermod/internal/store"
)

func accounts(t *testing.T) Lookup {
	t.Helper()
	alice, err := credential.Derive("secret", 4096)
	if err != nil {
		t.Fatal(err)
	}
	return func(_ context.Context, name string) (Account, error) {
		switch name {
		case "1001", "alice":
			return Account{UserID: 1001, Credentials: alice, Active: true}, nil
		case "1002":
			return Account{UserID: 1002, Credentials: alice, Active: false}, nil
		}
		return Account{}, store.ErrNotFound
	}
}

// run drives a SCRAM exchange with a real client conversation.
func run(t *testing.T, cfg *Config, mech string, client *scram.ClientConversation) (int64, error) {
	t.Helper()
	ex, err := cfg.Start(mech)
	if err != nil {
		return 0, err
	}
	msg, err := client.Step("")
	if err != nil {
		t.Fatal(err)
	}
	for {
		reply, done, err := ex.Step(context.Background(), []byte(msg))
		if err != nil {
			return 0, err
		}
		if done {
			if _, err := client.Step(string(reply)); err != nil || !client.Valid() {
				t.Fatalf("the client does not accept the server's final message: %v", err)
			}
			return ex.UserID(), nil
		}
		if msg, err = client.Step(string(reply)); err != nil {
			t.Fatalf("client step: %v", err)
		}
	}
}

func newClient(t *testing.T, hf scram.HashGeneratorFcn, user, pass, authz string) *scram.Client {
	c, err := hf.NewClient(user, pass, authz)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScram(t *testing.T) {
	exporter := scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: []byte("exported-keying-material-32-byte")}
	endpoint := scram.ChannelBinding{Type: scram.ChannelBindingTLSServerEndpoint, Data: []byte("cert-hash")}
	lookup := accounts(t)
	secure := &Config{Lookup: lookup, Secure: true, Bindings: []scram.ChannelBinding{exporter, endpoint}, Secret: []byte("k"),
		Authzid: func(id int64, a string) bool { return id == 1001 && a == "1001@example.com" }}
	plain := &Config{Lookup: lookup, Secret: []byte("k")}
	tests := []struct {
		name   string
		cfg    *Config
		mech   string
		client func() *scram.ClientConversation
		want   int64
		fail   string
	}{
		{"sha256", plain, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversation()
		}, 1001, ""},
		{"sha1 by login name", plain, ScramSHA1, func() *scram.ClientConversation {
			return newClient(t, scram.SHA1, "alice", "secret", "").NewConversation()
		}, 1001, ""},
		{"wrong password", plain, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "wrong", "").NewConversation()
		}, 0, "not-authorized"},
		{"unknown user looks like a wrong password", plain, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "nobody", "secret", "").NewConversation()
		}, 0, "not-authorized"},
		{"disabled account", plain, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1002", "secret", "").NewConversation()
		}, 0, "account-disabled"},
		{"plus with tls-exporter", secure, ScramSHA256Plus, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversationWithChannelBinding(exporter)
		}, 1001, ""},
		{"plus with tls-server-end-point", secure, ScramSHA1Plus, func() *scram.ClientConversation {
			return newClient(t, scram.SHA1, "1001", "secret", "").NewConversationWithChannelBinding(endpoint)
		}, 1001, ""},
		{"plus with other binding data", secure, ScramSHA256Plus, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversationWithChannelBinding(
				scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: []byte("a man in the middle's channel.")})
		}, 0, "not-authorized"},
		{"plus without binding", secure, ScramSHA256Plus, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversation()
		}, 0, "not-authorized"},
		{"downgrade detected", secure, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversationAdvertisingChannelBinding()
		}, 0, "not-authorized"},
		{"y after a failed -PLUS attempt", &Config{Lookup: lookup, Secure: true, Bindings: []scram.ChannelBinding{exporter}, PlusTried: true}, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversationAdvertisingChannelBinding()
		}, 1001, ""},
		{"no binding on a secure connection", secure, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversation()
		}, 1001, ""},
		{"authzid of self", secure, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "1001@example.com").NewConversation()
		}, 1001, ""},
		{"authzid of another", secure, ScramSHA256, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "1003@example.com").NewConversation()
		}, 0, "invalid-authzid"},
		{"plus not offered without bindings", plain, ScramSHA256Plus, func() *scram.ClientConversation {
			return newClient(t, scram.SHA256, "1001", "secret", "").NewConversation()
		}, 0, "invalid-mechanism"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := run(t, tt.cfg, tt.mech, tt.client())
			if tt.fail != "" {
				f, ok := err.(*Failure)
				if !ok || f.Condition != tt.fail {
					t.Fatalf("got id %d, err %v; want failure %s", id, err, tt.fail)
				}
				return
			}
			if err != nil || id != tt.want {
				t.Fatalf("got id %d, err %v; want %d", id, err, tt.want)
			}
		})
	}
}

// TestRFC7677Vector replays the SCRAM-SHA-256 example of RFC 7677 section 3.
func TestRFC7677Vector(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	c, _ := scram.SHA256.NewClient("user", "pencil", "")
	sc := c.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: 4096})
	cfg := &Config{
		Lookup: func(context.Context, string) (Account, error) {
			return Account{UserID: 7, Active: true, Credentials: store.Credentials{
				Salt: salt, Iterations: 4096, SHA256: store.ScramKeys{StoredKey: sc.StoredKey, ServerKey: sc.ServerKey},
			}}, nil
		},
		nonce: func() string { return "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" },
	}
	ex, err := cfg.Start(ScramSHA256)
	if err != nil {
		t.Fatal(err)
	}
	first, done, err := ex.Step(context.Background(), []byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))
	if err != nil || done {
		t.Fatalf("first step: %v", err)
	}
	if want := "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"; string(first) != want {
		t.Fatalf("server-first = %s\nwant %s", first, want)
	}
	final, done, err := ex.Step(context.Background(), []byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if err != nil || !done {
		t.Fatalf("final step: done=%v err=%v", done, err)
	}
	if want := "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="; string(final) != want {
		t.Fatalf("server-final = %s, want %s", final, want)
	}
	if ex.UserID() != 7 {
		t.Fatalf("user %d", ex.UserID())
	}
}

func TestPlain(t *testing.T) {
	cfg := &Config{Lookup: accounts(t), Secure: true}
	tests := []struct {
		in   string
		want int64
		fail string
	}{
		{"\x00alice\x00secret", 1001, ""},
		{"\x001001\x00secret", 1001, ""},
		{"\x001001\x00wrong", 0, "not-authorized"},
		{"\x00ghost\x00secret", 0, "not-authorized"},
		{"\x001002\x00secret", 0, "account-disabled"},
		{"1003@x\x001001\x00secret", 0, "invalid-authzid"},
		{"nonsense", 0, "malformed-request"},
	}
	for _, tt := range tests {
		ex, err := cfg.Start(Plain)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = ex.Step(context.Background(), []byte(tt.in))
		if tt.fail != "" {
			if f, ok := err.(*Failure); !ok || f.Condition != tt.fail {
				t.Errorf("%q: err %v, want %s", tt.in, err, tt.fail)
			}
			continue
		}
		if err != nil || ex.UserID() != tt.want {
			t.Errorf("%q: id %d err %v", tt.in, ex.UserID(), err)
		}
	}
	if _, err := (&Config{Lookup: accounts(t)}).Start(Plain); err != ErrInvalidMechanism {
		t.Fatalf("PLAIN without TLS: %v", err)
	}
}

// TestPlainUsesConfiguredVerify: PLAIN checks the password with the
// account service's Verify (which remembers verified passwords) when given
// one, with the account's id, and follows its answer.
func TestPlainUsesConfiguredVerify(t *testing.T) {
	var asked []int64
	cfg := &Config{Lookup: accounts(t), Secure: true, Verify: func(id int64, c store.Credentials, pw string) bool {
		asked = append(asked, id)
		return pw == "from-verify"
	}}
	for _, tt := range []struct {
		in   string
		fail bool
	}{
		{"\x00alice\x00from-verify", false},
		{"\x00alice\x00secret", true}, // the stored password, refused by Verify
	} {
		ex, err := cfg.Start(Plain)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = ex.Step(context.Background(), []byte(tt.in))
		if (err != nil) != tt.fail {
			t.Errorf("%q: err %v, want failure %v", tt.in, err, tt.fail)
		}
	}
	if len(asked) != 2 || asked[0] != 1001 || asked[1] != 1001 {
		t.Fatalf("Verify asked for %v, want [1001 1001]", asked)
	}
}
