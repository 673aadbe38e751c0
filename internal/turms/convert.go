package turms

import (
	"encoding/base64"
	"encoding/json"
	"math"

	"google.golang.org/protobuf/proto"

	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

// attributesToJSON turns user-defined attributes into JSON values, the
// protocol-neutral form the store keeps.
func attributesToJSON(m map[string]*pb.Value) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k], _ = json.Marshal(valueToAny(v))
	}
	return out
}

func valueToAny(v *pb.Value) any {
	switch k := v.GetKind().(type) {
	case *pb.Value_Int32Value:
		return k.Int32Value
	case *pb.Value_Int64Value:
		return k.Int64Value
	case *pb.Value_FloatValue:
		return k.FloatValue
	case *pb.Value_DoubleValue:
		return k.DoubleValue
	case *pb.Value_BoolValue:
		return k.BoolValue
	case *pb.Value_BytesValue:
		return base64.StdEncoding.EncodeToString(k.BytesValue)
	case *pb.Value_StringValue:
		return k.StringValue
	}
	list := make([]any, len(v.GetListValue()))
	for i, e := range v.GetListValue() {
		list[i] = valueToAny(e)
	}
	return list
}

// attributesFromJSON is the inverse of attributesToJSON; integers come back
// as int64 and other numbers as double.
func attributesFromJSON(b []byte) map[string]*pb.Value {
	if len(b) == 0 {
		return nil
	}
	var obj map[string]any
	if json.Unmarshal(b, &obj) != nil {
		return nil
	}
	out := make(map[string]*pb.Value, len(obj))
	for k, v := range obj {
		out[k] = anyToValue(v)
	}
	return out
}

func anyToValue(v any) *pb.Value {
	switch x := v.(type) {
	case bool:
		return &pb.Value{Kind: &pb.Value_BoolValue{BoolValue: x}}
	case string:
		return &pb.Value{Kind: &pb.Value_StringValue{StringValue: x}}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return &pb.Value{Kind: &pb.Value_Int64Value{Int64Value: int64(x)}}
		}
		return &pb.Value{Kind: &pb.Value_DoubleValue{DoubleValue: x}}
	case []any:
		list := make([]*pb.Value, len(x))
		for i, e := range x {
			list[i] = anyToValue(e)
		}
		return &pb.Value{ListValue: list}
	}
	return &pb.Value{}
}

func userInfo(u *store.User) *pb.UserInfo {
	return &pb.UserInfo{
		Id:                    proto.Int64(u.ID),
		Name:                  proto.String(u.Name),
		Intro:                 proto.String(u.Intro),
		ProfilePicture:        proto.String(u.ProfilePicture),
		ProfileAccessStrategy: pb.ProfileAccessStrategy(u.ProfileAccessStrategy).Enum(),
		RegistrationDate:      proto.Int64(u.RegistrationDate),
		LastUpdatedDate:       proto.Int64(u.LastUpdatedDate),
		Active:                proto.Bool(u.Active),
		UserDefinedAttributes: attributesFromJSON(u.Attributes),
	}
}

func messageProto(m *store.Message) *pb.Message {
	pm := &pb.Message{
		Id:           proto.Int64(m.ID),
		DeliveryDate: proto.Int64(m.DeliveryDate),
		SenderId:     proto.Int64(m.SenderID),
		Records:      m.Records,
	}
	if m.Text != "" {
		pm.Text = proto.String(m.Text)
	}
	if m.ModificationDate != 0 {
		pm.ModificationDate = proto.Int64(m.ModificationDate)
	}
	if m.IsSystem {
		pm.IsSystemMessage = proto.Bool(true)
	}
	if m.GroupID != 0 {
		pm.GroupId = proto.Int64(m.GroupID)
	} else {
		pm.RecipientId = proto.Int64(m.RecipientID)
	}
	if m.PreMessageID != 0 {
		pm.PreMessageId = proto.Int64(m.PreMessageID)
	}
	return pm
}

func relationshipProto(r *store.Relationship) *pb.UserRelationship {
	ur := &pb.UserRelationship{
		OwnerId:           proto.Int64(r.OwnerID),
		RelatedUserId:     proto.Int64(r.RelatedID),
		EstablishmentDate: proto.Int64(r.EstablishmentDate),
		Name:              proto.String(r.Name),
		GroupIndex:        proto.Int64(0),
	}
	if r.Note != "" {
		ur.Note = proto.String(r.Note)
	}
	if r.BlockDate != 0 {
		ur.BlockDate = proto.Int64(r.BlockDate)
	}
	for _, gi := range r.GroupIndexes {
		if gi != 0 {
			ur.GroupIndex = proto.Int64(int64(gi))
			break
		}
	}
	return ur
}

func friendRequestProto(fr *store.FriendRequest) *pb.UserFriendRequest {
	p := &pb.UserFriendRequest{
		Id:             proto.Int64(fr.ID),
		CreationDate:   proto.Int64(fr.CreationDate),
		Content:        proto.String(fr.Content),
		RequestStatus:  pb.RequestStatus(fr.Status).Enum(),
		ExpirationDate: proto.Int64(fr.ExpirationDate),
		RequesterId:    proto.Int64(fr.RequesterID),
		RecipientId:    proto.Int64(fr.RecipientID),
	}
	if fr.Reason != "" {
		p.Reason = proto.String(fr.Reason)
	}
	return p
}
