package turms

import (
	"testing"

	"hermod/internal/turms/pb"
)

// TestEveryRequestKindIsHandled: every kind of TurmsRequest but the
// session ones (handled before dispatch) and meetings (answered
// CONFERENCE_NOT_IMPLEMENTED, as by a Turms server without its plugin)
// has a handler.
func TestEveryRequestKindIsHandled(t *testing.T) {
	fields := kindOneof.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		n := int(fd.Number())
		switch {
		case n == 3 || n == 4: // create and delete session
		case n >= 900 && n <= 904: // meetings
			if handlers[n] != nil {
				t.Errorf("%s has a handler", fd.Name())
			}
		case handlers[n] == nil:
			t.Errorf("%s (%d) has no handler", fd.Name(), n)
		}
	}
	code, _ := unimplemented(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMeetingsRequest{QueryMeetingsRequest: &pb.QueryMeetingsRequest{}}})
	if code != 8000 {
		t.Errorf("meetings answer %d", code)
	}
}
