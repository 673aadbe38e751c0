package turms

import (
	"context"
	"sync"
	"time"

	"hermod/internal/domain/message"
	"hermod/internal/status"
	"hermod/internal/turms/pb"
)

// Pipelining. A Turms client may send requests before the earlier ones
// are answered (it matches responses by request id), and a busy chat
// client does. Handled one at a time, each message waits for its own
// commit and costs a write of its own response. So when the reader finds
// private messages buffered one behind the other, it starts them all
// (checks, ids, store work queued) before waiting for any: they share a
// commit, and their responses go out in one write. They are relayed and
// answered in the order the client sent them, and any other request waits
// until the run before it is answered, so that no request overtakes
// another.

// maxRun is the most messages one run holds before it is settled.
const maxRun = 32

// run is the messages a reader has started and not yet answered. It is
// taken from a pool while a run lasts, so an idle session holds none.
type run struct {
	n     int
	items [maxRun]runItem
}

type runItem struct {
	req   *pb.TurmsRequest
	start time.Time
	// code and reason refuse the request before it started; 0 if it did.
	code   status.Code
	reason string
	x      message.Sending
}

var runs = sync.Pool{New: func() any { return new(run) }}

// pipelinable tells whether req may join a run: a private message of a
// logged-in session, not a forward (which reads the store first). What
// startMessage refuses is answered in the run's order like the rest.
func (s *session) pipelinable(req *pb.TurmsRequest) bool {
	r := req.GetCreateMessageRequest()
	return s.loggedIn && r != nil && r.RecipientId != nil && r.MessageId == nil
}

// startInRun starts a pipelinable request, settling the run first if it
// is full.
func (s *session) startInRun(req *pb.TurmsRequest) {
	if s.pipe != nil && s.pipe.n == maxRun {
		s.settle()
	}
	if s.pipe == nil {
		s.pipe = runs.Get().(*run)
	}
	it := &s.pipe.items[s.pipe.n]
	s.pipe.n++
	it.req, it.start = req, time.Now()
	if it.code, it.reason = s.admit(req, it.start); it.code != 0 {
		return
	}
	x, err := s.startMessage(context.Background(), req)
	if err != nil {
		it.code, it.reason = s.outcome(req, err)
		return
	}
	it.x = x
}

// settle answers the run in order: it waits for each message's commit,
// relays it, and writes all the responses at once.
func (s *session) settle() {
	r := s.pipe
	if r == nil {
		return
	}
	s.pipe = nil
	for i := range r.items[:r.n] {
		it := &r.items[i]
		code, reason := it.code, it.reason
		var data *pb.TurmsNotification_Data
		if code == 0 {
			var err error
			if data, err = s.finishMessage(&it.x); err != nil {
				code, reason = s.outcome(it.req, err)
			} else {
				code = status.OK
			}
		}
		s.out.Push(s.response(it.req, it.start, code, reason, data), true)
		*it = runItem{}
	}
	r.n = 0
	runs.Put(r)
	s.flushOut()
}
