package xmpptest

import (
	"crypto/tls"
	"net/http"
)

// insecureHTTP trusts the server's self-signed certificate for wss://.
func insecureHTTP() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}
