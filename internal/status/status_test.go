package status

import "testing"

func TestNumbersAndNames(t *testing.T) {
	for _, tc := range []struct {
		code Code
		num  int32
		name string
	}{
		{OK, 1000, "OK"},
		{NoContent, 1001, "NO_CONTENT"},
		{AlreadyUpToDate, 1002, "ALREADY_UP_TO_DATE"},
		{InvalidRequest, 1100, "INVALID_REQUEST"},
		{LoginAuthenticationFailed, 2011, "LOGIN_AUTHENTICATION_FAILED"},
		{BlockedUserSendPrivateMessage, 5002, "BLOCKED_USER_SEND_PRIVATE_MESSAGE"},
		{MessageRecallTimeout, 5204, "MESSAGE_RECALL_TIMEOUT"},
		{Code(42), 42, "CODE_42"},
	} {
		if int32(tc.code) != tc.num || tc.code.String() != tc.name {
			t.Errorf("%d %q, want %d %q", tc.code, tc.code.String(), tc.num, tc.name)
		}
	}
	if !NoContent.IsSuccess() || InvalidRequest.IsSuccess() || !ServerInternalError.IsServerError() {
		t.Error("success / server error ranges")
	}
	for s, want := range map[CloseStatus]int32{
		CloseIllegalRequest: 100, CloseHeartbeatTimeout: 110, CloseLoginTimeout: 111, CloseServerClosed: 201,
		CloseDisconnectedByClient: 500, CloseDisconnectedByOtherDevice: 501, CloseUserIsDeletedOrInactivated: 700,
	} {
		if int32(s) != want {
			t.Errorf("%s = %d, want %d", s, s, want)
		}
	}
}
