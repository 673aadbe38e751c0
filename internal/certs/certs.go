// Package certs provides the TLS certificate of the XMPP listeners: the
// operator's, or a self-signed one made on first start and kept in the
// data directory so that clients that pinned it keep trusting it.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Load returns the certificate in certFile and keyFile, or when both are
// empty the self-signed certificate for domain in dir, made if missing.
// generated reports whether it was made now.
func Load(certFile, keyFile, dir, domain string) (cert tls.Certificate, generated bool, err error) {
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return tls.Certificate{}, false, errors.New("certs: both a certificate and a key file are needed")
		}
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
		return cert, false, err
	}
	certFile, keyFile = filepath.Join(dir, "xmpp-cert.pem"), filepath.Join(dir, "xmpp-key.pem")
	if cert, err = tls.LoadX509KeyPair(certFile, keyFile); err == nil {
		return cert, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, false, err
	}
	certPEM, keyPEM, err := SelfSigned(domain, time.Now())
	if err != nil {
		return tls.Certificate{}, false, err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, false, err
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return tls.Certificate{}, false, err
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	return cert, true, err
}

// SelfSigned makes a P-256 certificate for domain and its subdomains (the
// MUC service), valid for ten years from now.
func SelfSigned(domain string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: domain, Organization: []string{"hermod (self-signed)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(domain); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{domain, "*." + domain}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), nil
}

// EndPointHash is the tls-server-end-point channel binding of a
// certificate (RFC 5929 section 4.1): its hash with the signature's hash
// function, SHA-256 when that is MD5 or SHA-1.
func EndPointHash(der []byte) ([]byte, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	var h crypto.Hash
	switch c.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = crypto.SHA512
	case x509.PureEd25519:
		return nil, fmt.Errorf("certs: no end-point hash for Ed25519 certificates")
	default:
		h = crypto.SHA256
	}
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(der)
		return s[:], nil
	case crypto.SHA512:
		s := sha512.Sum512(der)
		return s[:], nil
	}
	s := sha256.Sum256(der)
	return s[:], nil
}
