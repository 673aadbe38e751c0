// Command compare measures Prosody, ejabberd and hermod side by side on this
// machine: it installs the two peers from Debian when they are missing,
// builds hermod, configures each server on loopback with equal settings
// (the same accounts and passwords, SCRAM-SHA-1 with 4096 iterations, every
// message archived, plain TCP, offline storage, no rate limits), creates the
// accounts, and runs the same `hermod bench` scenarios against each server in
// turn, one server on the machine at a time. It prints one table and, for a
// full-size run, writes it with the machine's description to
// docs/benchmarks.md.
//
//	go run ./bench/compare                 # full size: 18,000 idle sessions, 20 s scenarios
//	go run ./bench/compare --scale 0.05    # a quick run of a few minutes
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Settings every server gets alike.
const (
	domain     = "localhost"
	iterations = 4096  // hermod's default; set in Prosody, ejabberd 23.01's fixed value
	sendQueue  = 10000 // stanzas queued per session (ejabberd's max_fsm_queue default)
	// mucDomain is every server's MUC service; on the peers the group
	// scenario's occupants meet in benchRoom (hermod's rooms are its
	// groups, <group id>@mucDomain, made by the load tool).
	mucDomain = "conference." + domain
	benchRoom = "bench@" + mucDomain
)

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// environment is what the columns share during a run.
type environment struct {
	work      string
	ids       []int64
	password  string
	accounts  string // the account list file
	hermodBin string
	fdLimit   uint64
	versions  map[string]string
	hermod    *hermodNode
	log       io.Writer

	credOnce sync.Once
	creds    []credential
	credErr  error
}

func (e *environment) logf(format string, args ...any) {
	fmt.Fprintf(e.log, "compare: "+format+"\n", args...)
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
