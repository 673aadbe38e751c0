package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// deafServer is a Turms server that accepts every login and then never
// reads again, as a server that has stopped coping would.
func deafServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				br := bufio.NewReader(c)
				n, err := binary.ReadUvarint(br)
				if err != nil {
					return
				}
				req := make([]byte, n)
				if _, err := io.ReadFull(br, req); err != nil {
					return
				}
				num, _, k := protowire.ConsumeTag(req)
				id, _ := protowire.ConsumeVarint(req[k:])
				if num != fReqID {
					return
				}
				resp := protowire.AppendTag(nil, fNotifRequestID, protowire.VarintType)
				resp = protowire.AppendVarint(resp, id)
				resp = protowire.AppendTag(resp, fNotifCode, protowire.VarintType)
				resp = protowire.AppendVarint(resp, codeOK)
				c.Write(append(binary.AppendUvarint(nil, uint64(len(resp))), resp...))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestStopsWhenTheServerStopsReading: senders stuck in writes to a server
// that reads nothing are freed, and the run ends by itself.
func TestStopsWhenTheServerStopsReading(t *testing.T) {
	defer func(g time.Duration) { stuckGrace = g }(stuckGrace)
	stuckGrace = 200 * time.Millisecond
	c := DefaultConfig()
	c.Scenario, c.Protocol, c.Target = "chat", "turms", deafServer(t)
	c.Users, c.FirstID, c.Pairs, c.Window, c.BodySize = 2, 1, 1, 1<<16, 256<<10
	// Long enough to fill the socket buffers many times over (~10 MB).
	c.Duration, c.ReportEvery, c.Drain = 2*time.Second, 0, time.Second
	var progress bytes.Buffer
	res, err := Run(context.Background(), c, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "stuck writing") {
		t.Fatalf("the senders were not stuck (sent %d):\n%s", res.MessagesSent, progress.String())
	}
	if res.MessagesSent == 0 || res.MessagesDelivered != 0 {
		t.Fatalf("sent %d, delivered %d", res.MessagesSent, res.MessagesDelivered)
	}
}
