package turms

import (
	"context"
	"encoding/json"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain"
	"hermod/internal/domain/setting"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(106, updateUserSettings)
	register(107, deleteUserSettings)
	register(108, queryUserSettings)
	register(1100, deleteConversationSettings)
	register(1101, queryConversationSettings)
	register(1102, updateConversationSettings)
}

func settingsToJSON(m map[string]*pb.Value) map[string]json.RawMessage { return attributesToJSON(m) }

// settingsFromJSON turns stored settings into Turms values by name.
func settingsFromJSON(ss []store.Setting) map[string]*pb.Value {
	obj := make(map[string]json.RawMessage, len(ss))
	for _, s := range ss {
		obj[s.Name] = s.Value
	}
	b, _ := json.Marshal(obj)
	return attributesFromJSON(b)
}

func updateUserSettings(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateUserSettingsRequest()
	return nil, s.srv.svc.Settings.Set(ctx, s.requester(), setting.Target{Scope: store.ScopeUser}, settingsToJSON(r.GetSettings()), req)
}

func deleteUserSettings(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	return nil, s.srv.svc.Settings.Delete(ctx, s.requester(), store.ScopeUser, nil, req.GetDeleteUserSettingsRequest().GetNames(), req)
}

func queryUserSettings(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryUserSettingsRequest()
	ss, err := s.srv.svc.Settings.Settings(ctx, s.userID, store.ScopeUser, nil, r.GetNames(), r.GetLastUpdatedDateStart())
	if err != nil {
		return nil, err
	}
	var version int64
	for _, v := range ss {
		version = max(version, v.UpdatedDate)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserSettings{UserSettings: &pb.UserSettings{
		Settings: settingsFromJSON(ss), LastUpdatedDate: proto.Int64(version),
	}}}, nil
}

func updateConversationSettings(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateConversationSettingsRequest()
	if (r.UserId == nil) == (r.GroupId == nil) {
		return nil, domain.Errorf(status.IllegalArgument, "exactly one of user_id and group_id must be set")
	}
	t := setting.Target{Scope: store.ScopePrivateConversation, ID: r.GetUserId()}
	if r.GroupId != nil {
		t = setting.Target{Scope: store.ScopeGroupConversation, ID: r.GetGroupId()}
	}
	return nil, s.srv.svc.Settings.Set(ctx, s.requester(), t, settingsToJSON(r.GetSettings()), req)
}

func deleteConversationSettings(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteConversationSettingsRequest()
	if len(r.GetUserIds()) > 0 || len(r.GetGroupIds()) == 0 {
		if err := s.srv.svc.Settings.Delete(ctx, s.requester(), store.ScopePrivateConversation, r.GetUserIds(), r.GetNames(), req); err != nil {
			return nil, err
		}
	}
	if len(r.GetGroupIds()) > 0 || len(r.GetUserIds()) == 0 {
		return nil, s.srv.svc.Settings.Delete(ctx, s.requester(), store.ScopeGroupConversation, r.GetGroupIds(), r.GetNames(), req)
	}
	return nil, nil
}

func queryConversationSettings(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryConversationSettingsRequest()
	out := &pb.ConversationSettingsList{}
	both := len(r.GetUserIds()) == 0 && len(r.GetGroupIds()) == 0
	for _, q := range []struct {
		scope store.SettingScope
		ids   []int64
	}{{store.ScopePrivateConversation, r.GetUserIds()}, {store.ScopeGroupConversation, r.GetGroupIds()}} {
		if len(q.ids) == 0 && !both {
			continue
		}
		ss, err := s.srv.svc.Settings.Settings(ctx, s.userID, q.scope, q.ids, r.GetNames(), r.GetLastUpdatedDateStart())
		if err != nil {
			if c := domain.CodeOf(err); c == status.NoContent || c == status.AlreadyUpToDate {
				continue
			}
			return nil, err
		}
		for i := 0; i < len(ss); {
			j := i
			var version int64
			for j < len(ss) && ss[j].TargetID == ss[i].TargetID {
				version = max(version, ss[j].UpdatedDate)
				j++
			}
			cs := &pb.ConversationSettings{Settings: settingsFromJSON(ss[i:j]), LastUpdatedDate: proto.Int64(version)}
			if q.scope == store.ScopeGroupConversation {
				cs.GroupId = proto.Int64(ss[i].TargetID)
			} else {
				cs.UserId = proto.Int64(ss[i].TargetID)
			}
			out.ConversationSettingsList = append(out.ConversationSettingsList, cs)
			i = j
		}
	}
	if len(out.ConversationSettingsList) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_ConversationSettingsList{ConversationSettingsList: out}}, nil
}
