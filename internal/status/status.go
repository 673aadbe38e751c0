// Package status names the Turms response status codes and session close
// statuses. hermod's domain speaks in these codes (the richest vocabulary of
// the protocols it serves); the Turms adapter sends them as they are and
// other adapters map them to their own errors.
package status

import "strconv"

// Code is a response status code.
type Code int32

// CloseStatus tells a client why its session was closed.
type CloseStatus int32

// String returns the code's Turms name, e.g. LOGIN_AUTHENTICATION_FAILED.
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "CODE_" + strconv.Itoa(int(c))
}

// IsSuccess reports whether c is a success code (1000-1099).
func (c Code) IsSuccess() bool { return c >= 1000 && c < 1100 }

// IsServerError reports whether c blames the server rather than the client.
func (c Code) IsServerError() bool { return c >= 1200 && c < 1300 }

// String returns the close status's Turms name, e.g. HEARTBEAT_TIMEOUT.
func (s CloseStatus) String() string {
	if n, ok := closeNames[s]; ok {
		return n
	}
	return "CLOSE_" + strconv.Itoa(int(s))
}
