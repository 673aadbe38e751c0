package xmpp_test

import (
	"bytes"
	"context"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hermod/internal/config"
)

// TestInteropSlixmppPEP runs slixmpp_pep.py: two slixmpp clients with
// slixmpp's own PEP, avatar, nickname and private storage plugins. Around
// it, a Turms user's picture must reach them as an avatar, and what Alice
// publishes must become her Turms profile picture and name.
func TestInteropSlixmppPEP(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = true })
	e.friends()
	e.user(1003, "Carol", "")
	e.befriend(1001, 1003)
	carol := e.turms(1003)
	carolImg := pngOf(t, 5, 5, color.RGBA{10, 200, 10, 255})
	e.uploadPicture(t, carol, carolImg)

	img := pngOf(t, 6, 3, color.RGBA{250, 250, 0, 255})
	path := filepath.Join(t.TempDir(), "avatar.png")
	must(t, os.WriteFile(path, img, 0o600))
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_pep.py"), host, port, domain, path, sha1Hex(carolImg)}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)

	alice := profile(t, carol, 1001)
	if alice.GetName() != "Alice over XMPP" {
		t.Fatalf("Alice's name over Turms: %q", alice.GetName())
	}
	if !bytes.Equal(e.httpGet(t, alice.GetProfilePicture()), img) {
		t.Fatalf("Alice's Turms profile picture %q is not her avatar", alice.GetProfilePicture())
	}
	u, _ := e.srv.Users().Get(context.Background(), 1001)
	if u.ProfilePicture != alice.GetProfilePicture() {
		t.Fatalf("profile picture %q", u.ProfilePicture)
	}
}

// TestInteropOMEMO runs slixmpp_omemo.py: two slixmpp clients doing OMEMO 2
// with python-omemo (device lists and bundles over PEP with
// publish-options), each decrypting the other's message.
func TestInteropOMEMO(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp, omemo, twomemo.etree").Run()
	requireTool(t, err == nil, "slixmpp or python-omemo is missing: apt-get install python3-slixmpp python3-twomemo python3-xmlschema")
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = true })
	e.friends()
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_omemo.py"), host, port, domain}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}
