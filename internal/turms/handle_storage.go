package turms

import (
	"context"
	"sort"
	"strconv"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain"
	"hermod/internal/domain/storage"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(1000, needStorage(deleteResource))
	register(1001, needStorage(queryResourceDownloadInfo))
	register(1002, needStorage(queryResourceUploadInfo))
	register(1003, needStorage(queryMessageAttachmentInfos))
	register(1004, needStorage(updateMessageAttachmentInfo))
}

// needStorage answers STORAGE_NOT_IMPLEMENTED, as Turms does without a
// storage plugin, when the file store is disabled.
func needStorage(h handler) handler {
	return func(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
		if s.srv.svc.Storage == nil {
			return nil, domain.Refuse(status.StorageNotImplemented)
		}
		return h(s, ctx, req)
	}
}

// stringsData answers a map as Turms does: keys and values alternating.
func stringsData(m map[string]string) *pb.TurmsNotification_Data {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &pb.StringsWithVersion{}
	for _, k := range keys {
		out.Strings = append(out.Strings, k, m[k])
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_StringsWithVersion{StringsWithVersion: out}}
}

func queryResourceUploadInfo(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryResourceUploadInfoRequest()
	info, err := s.srv.svc.Storage.UploadInfo(ctx, s.requester(), storage.Request{
		Type: store.ResourceType(r.GetType()), IDNum: r.IdNum, IDStr: r.IdStr, Name: r.GetName(), MediaType: r.GetMediaType(),
	})
	if err != nil {
		return nil, err
	}
	return stringsData(info), nil
}

func queryResourceDownloadInfo(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryResourceDownloadInfoRequest()
	url, err := s.srv.svc.Storage.DownloadInfo(ctx, s.requester(), storage.Request{Type: store.ResourceType(r.GetType()), IDNum: r.IdNum, IDStr: r.IdStr})
	if err != nil {
		return nil, err
	}
	return stringsData(map[string]string{"url": url}), nil
}

func deleteResource(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteResourceRequest()
	return nil, s.srv.svc.Storage.Delete(ctx, s.requester(), storage.Request{Type: store.ResourceType(r.GetType()), IDNum: r.IdNum, IDStr: r.IdStr})
}

func updateMessageAttachmentInfo(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateMessageAttachmentInfoRequest()
	key := r.GetAttachmentIdStr()
	if r.AttachmentIdNum != nil {
		key = strconv.FormatInt(r.GetAttachmentIdNum(), 10)
	}
	if key == "" {
		return nil, domain.Errorf(status.IllegalArgument, "the attachment needs an id")
	}
	for _, op := range []struct {
		user, group *int64
		unshare     bool
	}{{r.UserIdToShareWith, nil, false}, {r.UserIdToUnshareWith, nil, true}, {nil, r.GroupIdToShareWith, false}, {nil, r.GroupIdToUnshareWith, true}} {
		if op.user == nil && op.group == nil {
			continue
		}
		var u, g int64
		if op.user != nil {
			u = *op.user
		} else {
			g = *op.group
		}
		if err := s.srv.svc.Storage.Share(ctx, s.requester(), key, u, g, op.unshare); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func queryMessageAttachmentInfos(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryMessageAttachmentInfosRequest()
	rs, err := s.srv.svc.Storage.Attachments(ctx, s.userID, storage.AttachmentQuery{
		UserIDs: r.GetUserIds(), GroupIDs: r.GetGroupIds(), CreatedFrom: r.GetCreationDateStart(), CreatedTo: r.GetCreationDateEnd(),
		Private: r.InPrivateConversation, SharedByMe: r.GetAreSharedByMe(),
	})
	if err != nil {
		return nil, err
	}
	out := &pb.StorageResourceInfos{}
	for _, res := range rs {
		info := &pb.StorageResourceInfo{
			Name: proto.String(res.Name), MediaType: proto.String(res.MediaType), UploaderId: res.UploaderID, CreationDate: res.CreationDate,
		}
		if n, err := strconv.ParseInt(res.Key, 10, 64); err == nil {
			info.IdNum = proto.Int64(n)
		} else {
			info.IdStr = proto.String(res.Key)
		}
		out.Infos = append(out.Infos, info)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_StorageResourceInfos{StorageResourceInfos: out}}, nil
}
