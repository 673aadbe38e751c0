package certs

import (
	"crypto/sha256"
	"crypto/x509"
	"testing"
)

func TestLoadGeneratesOnceAndKeeps(t *testing.T) {
	dir := t.TempDir()
	c1, gen, err := Load("", "", dir, "example.com")
	if err != nil || !gen {
		t.Fatalf("first Load: generated=%v err=%v", gen, err)
	}
	c2, gen, err := Load("", "", dir, "example.com")
	if err != nil || gen {
		t.Fatalf("second Load: generated=%v err=%v", gen, err)
	}
	if string(c1.Certificate[0]) != string(c2.Certificate[0]) {
		t.Fatal("the certificate changed between starts")
	}
	leaf, err := x509.ParseCertificate(c1.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("example.com"); err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("conference.example.com"); err != nil {
		t.Fatal(err)
	}
	h, err := EndPointHash(c1.Certificate[0])
	if want := sha256.Sum256(c1.Certificate[0]); err != nil || string(h) != string(want[:]) {
		t.Fatalf("EndPointHash = %x, %v", h, err)
	}
	if _, _, err := Load("only-cert.pem", "", dir, "x"); err == nil {
		t.Fatal("a certificate without a key was accepted")
	}
}
