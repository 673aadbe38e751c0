package credential

import (
	"testing"

	"github.com/xdg-go/scram"
)

func TestDeriveVerify(t *testing.T) {
	c, err := Derive("pencil", DefaultIterations)
	if err != nil {
		t.Fatal(err)
	}
	if c.Iterations != DefaultIterations || len(c.Salt) != 16 {
		t.Fatalf("iterations %d, salt %d bytes", c.Iterations, len(c.Salt))
	}
	if len(c.SHA1.StoredKey) != 20 || len(c.SHA256.StoredKey) != 32 || len(c.SHA256.ServerKey) != 32 {
		t.Fatalf("key sizes: %d %d %d", len(c.SHA1.StoredKey), len(c.SHA256.StoredKey), len(c.SHA256.ServerKey))
	}
	if !Verify(c, "pencil") {
		t.Error("right password refused")
	}
	for _, bad := range []string{"", "Pencil", "pencil ", "pencil\x00"} {
		if Verify(c, bad) {
			t.Errorf("wrong password %q accepted", bad)
		}
	}
	c2, _ := Derive("pencil", DefaultIterations)
	if string(c2.Salt) == string(c.Salt) {
		t.Error("two derivations share a salt")
	}
}

func TestDeriveRejects(t *testing.T) {
	if _, err := Derive("", DefaultIterations); err == nil {
		t.Error("empty password accepted")
	}
	if _, err := Derive("pw", 1000); err == nil {
		t.Error("1000 iterations accepted")
	}
}

// TestSCRAMConversation runs a whole SCRAM-SHA-256 and SCRAM-SHA-1 exchange
// between xdg-go/scram's client and server, the server looking up our stored
// keys: proof that the keys are what SCRAM expects.
func TestSCRAMConversation(t *testing.T) {
	c, err := Derive("secret", DefaultIterations)
	if err != nil {
		t.Fatal(err)
	}
	for name, hf := range map[string]scram.HashGeneratorFcn{"SHA-1": scram.SHA1, "SHA-256": scram.SHA256} {
		t.Run(name, func(t *testing.T) {
			srv, err := hf.NewServer(func(string) (scram.StoredCredentials, error) { return Lookup(c, hf) })
			if err != nil {
				t.Fatal(err)
			}
			cl, _ := hf.NewClient("1001", "secret", "")
			cc, sc := cl.NewConversation(), srv.NewConversation()
			msg, _ := cc.Step("")
			for !cc.Done() {
				if msg, err = sc.Step(msg); err != nil {
					t.Fatalf("server: %v", err)
				}
				if msg, err = cc.Step(msg); err != nil {
					t.Fatalf("client: %v", err)
				}
			}
			if !sc.Valid() || !cc.Valid() {
				t.Fatal("conversation not valid")
			}
		})
	}
}
