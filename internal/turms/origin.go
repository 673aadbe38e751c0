package turms

import (
	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/event"
	"hermod/internal/turms/pb"
)

// originKind names the Turms origin (the TurmsRequest that caused an event)
// in events that cross nodes.
const originKind = "turms"

// The Turms origin travels as the request's protobuf encoding, so that a
// Turms session on another node relays it exactly as one here would.
func init() { event.RegisterOrigin(originKind, appendOrigin, decodeOrigin) }

func appendOrigin(b []byte, req *pb.TurmsRequest) ([]byte, error) {
	return proto.MarshalOptions{}.MarshalAppend(b, req)
}

func decodeOrigin(b []byte) (*pb.TurmsRequest, error) {
	req := &pb.TurmsRequest{}
	if err := proto.Unmarshal(b, req); err != nil {
		return nil, err
	}
	return req, nil
}
