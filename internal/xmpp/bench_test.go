package xmpp_test

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// BenchmarkChatMessage measures one 1:1 chat message from an XMPP client to
// another, stored and delivered, one at a time (end-to-end latency).
func BenchmarkChatMessage(b *testing.B) {
	e := newEnv(b, func(c *config.Config) {
		c.XMPP.RequireTLS = false
		c.XMPP.StanzasPerSecond = 0
	})
	e.friends()
	dial := func(id int64) *xmpptest.Client {
		c, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.Close)
		if err := c.Login(strconv.FormatInt(id, 10), pw(id), "bench"); err != nil {
			b.Fatal(err)
		}
		must(b, c.SendString(`<presence/>`))
		return c
	}
	a, bob := dial(1001), dial(1002)
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		id := "m" + strconv.Itoa(i)
		must(b, a.SendString(`<message to='1002@`+domain+`' type='chat' id='`+id+`'><body>hello</body></message>`))
		if _, err := bob.Expect(func(el *xmlstream.Element) bool { return el.Local == "message" && el.Attr("id") == id }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
}

// cpuTime is the process's CPU time, user and system: on a shared machine
// a steadier measure of a change than the time per operation.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
