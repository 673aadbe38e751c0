package turms

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/turms/pb"
)

// handler answers one kind of request of a logged-in session: data for an
// OK response, or an error whose domain code becomes the response code.
type handler func(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error)

// handle answers one request.
func (s *session) handle(req *pb.TurmsRequest) {
	start := time.Now()
	code, reason, data := s.dispatch(req, start)
	if code == 0 {
		return // the request closed the session; no response
	}
	s.send(s.response(req, start, code, reason, data))
	if s.pushSession {
		s.pushSession = false
		s.send(s.srv.encode(s.userSessionPush()))
	}
}

// response counts the request in the metrics and encodes its response.
func (s *session) response(req *pb.TurmsRequest, start time.Time, code status.Code, reason string, data *pb.TurmsNotification_Data) []byte {
	s.srv.svc.Metrics.Request("turms", kindName(req), int32(code), time.Since(start))
	if b, ok := appendResponse(make([]byte, 0, 48+len(reason)), now(), req.RequestId, int32(code), reason, data); ok {
		return b
	}
	n := &pb.TurmsNotification{
		Timestamp: now(), RequestId: req.RequestId, Code: proto.Int32(int32(code)), Data: data,
	}
	if reason != "" {
		n.Reason = proto.String(reason)
	}
	return s.srv.encode(n)
}

// admit refuses a request before its handler runs: a bad request id, or
// too many requests. It returns 0 for a request to handle.
func (s *session) admit(req *pb.TurmsRequest, start time.Time) (status.Code, string) {
	if req.GetRequestId() <= 0 {
		return status.InvalidRequest, "The request ID must be greater than 0"
	}
	if !s.limiter.Allow(start) || !s.srv.ipLimit.Allow(s.ip, start) {
		return status.ClientRequestsTooFrequent, ""
	}
	return 0, ""
}

func (s *session) dispatch(req *pb.TurmsRequest, start time.Time) (status.Code, string, *pb.TurmsNotification_Data) {
	if code, reason := s.admit(req, start); code != 0 {
		return code, reason, nil
	}
	ctx := context.Background()
	switch k := req.Kind.(type) {
	case nil:
		return status.InvalidRequest, "the request has no kind", nil
	case *pb.TurmsRequest_CreateSessionRequest:
		return s.login(ctx, k.CreateSessionRequest)
	case *pb.TurmsRequest_DeleteSessionRequest:
		s.closeWith(status.CloseDisconnectedByClient, 0, "")
		return 0, "", nil
	}
	if !s.loggedIn {
		return status.SendRequestFromNonexistentSession, "log in with a CreateSessionRequest first", nil
	}
	h := handlers[kindNumber(req)]
	if h == nil {
		code, reason := unimplemented(req)
		return code, reason, nil
	}
	data, err := h(s, ctx, req)
	if err != nil {
		code, reason := s.outcome(req, err)
		return code, reason, nil
	}
	return status.OK, "", data
}

// outcome is the code and reason answering a handler's error.
func (s *session) outcome(req *pb.TurmsRequest, err error) (status.Code, string) {
	code := domain.CodeOf(err)
	if code == status.ServerInternalError {
		s.logger().Error("request failed", "user", s.userID, "kind", kindName(req), "err", err)
		return code, ""
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return code, de.Reason
	}
	return code, ""
}

// unimplemented answers the request kinds hermod does not implement with
// the code the Turms server gives without the plugin that implements them
// (meetings need Turms's conference plugin).
func unimplemented(req *pb.TurmsRequest) (status.Code, string) {
	switch req.Kind.(type) {
	case *pb.TurmsRequest_CreateMeetingRequest, *pb.TurmsRequest_DeleteMeetingRequest,
		*pb.TurmsRequest_QueryMeetingsRequest, *pb.TurmsRequest_UpdateMeetingRequest,
		*pb.TurmsRequest_UpdateMeetingInvitationRequest:
		return status.ConferenceNotImplemented, ""
	}
	return status.ServerUnavailable, kindName(req) + " is not available on this server yet"
}

// kindNumber is the field number of the request's kind in TurmsRequest.
func kindNumber(req *pb.TurmsRequest) int {
	fd := req.ProtoReflect().WhichOneof(kindOneof)
	if fd == nil {
		return 0
	}
	return int(fd.Number())
}

// kindName is the request kind's field name, e.g. create_message_request.
func kindName(req *pb.TurmsRequest) string {
	fd := req.ProtoReflect().WhichOneof(kindOneof)
	if fd == nil {
		return "unknown"
	}
	return string(fd.Name())
}

var kindOneof = (&pb.TurmsRequest{}).ProtoReflect().Descriptor().Oneofs().ByName("kind")

// handlers maps a TurmsRequest kind's field number to its handler.
var handlers = map[int]handler{}

func register(num int, h handler) { handlers[num] = h }

// requester is who a logged-in session's requests come from.
func (s *session) requester() domain.Requester {
	return domain.Requester{UserID: s.userID, SessionID: s.id}
}

func dataLong(v int64) *pb.TurmsNotification_Data {
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_Long{Long: v}}
}
