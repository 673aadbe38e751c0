// Package netpoll parks idle connections: instead of a goroutine blocked
// in Read for every connection, a parked connection is one entry in the
// kernel's readiness set, and a goroutine is started for it only when it
// has something to read. Most sessions of an IM server are idle most of
// the time, so this is where the memory per session goes.
package netpoll

import (
	"errors"
	"syscall"
)

// ErrUnsupported is returned by Park for a connection that cannot be
// parked (not a file descriptor, or not on this platform); the caller
// keeps reading it with a goroutine.
var ErrUnsupported = errors.New("netpoll: connection cannot be parked")

// ErrClosed is returned by Park after Close.
var ErrClosed = errors.New("netpoll: poller closed")

// Token names one parked connection, for Cancel.
type Token uint64

// Conn is what Park needs of a connection: net.TCPConn and net.UnixConn
// have it.
type Conn interface {
	SyscallConn() (syscall.RawConn, error)
}
