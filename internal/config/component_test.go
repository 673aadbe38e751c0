package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComponentSecrets(t *testing.T) {
	tests := []struct {
		name, components, mucDomain string
		want                        map[string]string
		wantErr                     string
	}{
		{name: "none", components: "", want: map[string]string{}},
		{name: "full domain", components: "bot.example.com=s3cret", want: map[string]string{"bot.example.com": "s3cret"}},
		{name: "subdomain and spaces", components: " Bot=a , gw.other.org=b=c ,", want: map[string]string{"bot.example.com": "a", "gw.other.org": "b=c"}},
		{name: "no secret", components: "bot=", wantErr: "not domain=secret"},
		{name: "no equals", components: "bot", wantErr: "not domain=secret"},
		{name: "a JID", components: "x@bot=s", wantErr: "not a domain"},
		{name: "the server", components: "example.com=s", wantErr: "already the domain"},
		{name: "the rooms", components: "conference=s", wantErr: "already the xmpp.muc_domain"},
		{name: "configured rooms", components: "rooms.example.com=s", mucDomain: "rooms.example.com", wantErr: "already the xmpp.muc_domain"},
		{name: "the upload service", components: "upload.example.com=s", wantErr: "already the xmpp.upload_domain"},
		{name: "twice", components: "bot=a,bot.example.com=b", wantErr: "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Domain, c.XMPP.Components, c.XMPP.MUCDomain = "example.com", tt.components, tt.mucDomain
			got, err := c.ComponentSecrets()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if c.Validate() == nil {
					t.Fatal("Validate accepts it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatal(d)
			}
		})
	}
}
