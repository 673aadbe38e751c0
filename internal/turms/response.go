package turms

import (
	"google.golang.org/protobuf/encoding/protowire"

	"hermod/internal/turms/pb"
)

// Field numbers of TurmsNotification and of its Data, for appendResponse.
const (
	fieldTimestamp = 1
	fieldRequestID = 4
	fieldCode      = 5
	fieldReason    = 6
	fieldData      = 7
	fieldDataLong  = 1
)

// appendResponse appends the encoding of the response to a request: a
// TurmsNotification with a timestamp, the request id, a code, a reason
// and data. Every request has one, and most carry no data or one long (a
// sent message's id), which are encoded here field by field; proto.Marshal
// goes through reflection and allocates the message first. Other data
// returns ok false.
func appendResponse(b []byte, timestamp int64, requestID *int64, code int32, reason string, data *pb.TurmsNotification_Data) (_ []byte, ok bool) {
	var long int64
	switch k := data.GetKind().(type) {
	case nil:
	case *pb.TurmsNotification_Data_Long:
		long = k.Long
	default:
		return b, false
	}
	if timestamp != 0 {
		b = protowire.AppendTag(b, fieldTimestamp, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(timestamp))
	}
	if requestID != nil {
		b = protowire.AppendTag(b, fieldRequestID, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(*requestID))
	}
	b = protowire.AppendTag(b, fieldCode, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(int64(code)))
	if reason != "" {
		b = protowire.AppendTag(b, fieldReason, protowire.BytesType)
		b = protowire.AppendString(b, reason)
	}
	if data != nil {
		b = protowire.AppendTag(b, fieldData, protowire.BytesType)
		if _, isLong := data.Kind.(*pb.TurmsNotification_Data_Long); isLong {
			b = protowire.AppendVarint(b, uint64(protowire.SizeTag(fieldDataLong)+protowire.SizeVarint(uint64(long))))
			b = protowire.AppendTag(b, fieldDataLong, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(long))
		} else {
			b = protowire.AppendVarint(b, 0)
		}
	}
	return b, true
}
