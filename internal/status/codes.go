// The values are the Turms protocol's numbers; names follow its constants.

package status

// Response status codes.
const (
	OK                                                                     Code = 1000
	NoContent                                                              Code = 1001
	AlreadyUpToDate                                                        Code = 1002
	InvalidRequest                                                         Code = 1100
	ClientRequestsTooFrequent                                              Code = 1101
	IllegalArgument                                                        Code = 1102
	RecordContainsDuplicateKey                                             Code = 1103
	RequestedRecordsTooMany                                                Code = 1104
	SendRequestFromNonexistentSession                                      Code = 1105
	UnauthorizedRequest                                                    Code = 1106
	ServerInternalError                                                    Code = 1200
	ServerUnavailable                                                      Code = 1201
	Unauthorized                                                           Code = 1300
	NoFilterForDeleteOperation                                             Code = 1301
	ResourceNotFound                                                       Code = 1302
	DuplicateResource                                                      Code = 1303
	AdminRequestsTooFrequent                                               Code = 1304
	DumpJfrInIllegalStatus                                                 Code = 1310
	JavascriptPluginIsDisabled                                             Code = 1320
	SavingJavaPluginIsDisabled                                             Code = 1321
	SavingJavascriptPluginIsDisabled                                       Code = 1322
	IpBlocklistIsDisabled                                                  Code = 1400
	UserIdBlocklistIsDisabled                                              Code = 1401
	DebugIsDisabled                                                        Code = 1500
	NonexistentMemberToBeLeader                                            Code = 1800
	NoQualifiedMemberToBeLeader                                            Code = 1801
	NotQualifiedMemberToBeLeader                                           Code = 1802
	UnsupportedClientVersion                                               Code = 2000
	LoginTimeout                                                           Code = 2010
	LoginAuthenticationFailed                                              Code = 2011
	LoggingInUserNotActive                                                 Code = 2012
	LoginFromForbiddenDeviceType                                           Code = 2013
	SessionSimultaneousConflictsDecline                                    Code = 2100
	SessionSimultaneousConflictsNotify                                     Code = 2101
	SessionSimultaneousConflictsOffline                                    Code = 2102
	CreateExistingSession                                                  Code = 2103
	UpdateHeartbeatOfNonexistentSession                                    Code = 2104
	UserLocationRelatedFeaturesAreDisabled                                 Code = 2200
	QueryingNearestUsersBySessionIdIsDisabled                              Code = 2201
	UpdateInfoOfNonexistentUser                                            Code = 2300
	NotFriendToQueryUserProfile                                            Code = 2301
	BlockedUserToQueryUserProfile                                          Code = 2302
	QueryPermissionOfNonexistentUser                                       Code = 2400
	AddNonRelatedUserToGroup                                               Code = 2500
	CreateExistingRelationship                                             Code = 2501
	CannotBlockOneself                                                     Code = 2502
	CreateExistingFriendRequest                                            Code = 2600
	BlockedUserToSendFriendRequest                                         Code = 2601
	RecallNonPendingFriendRequest                                          Code = 2602
	RecallingFriendRequestIsDisabled                                       Code = 2603
	NotSenderToRecallFriendRequest                                         Code = 2604
	UpdateNonPendingFriendRequest                                          Code = 2605
	NotRecipientToUpdateFriendRequest                                      Code = 2606
	UpdateInfoOfNonexistentGroup                                           Code = 3000
	NotGroupOwnerToUpdateGroupInfo                                         Code = 3001
	NotGroupOwnerOrManagerToUpdateGroupInfo                                Code = 3002
	NotGroupMemberToUpdateGroupInfo                                        Code = 3003
	NoPermissionToCreateGroupWithGroupType                                 Code = 3100
	CreateGroupWithNonexistentGroupType                                    Code = 3101
	UpdatingGroupTypeIsDisabled                                            Code = 3102
	NotGroupOwnerToUpdateGroupType                                         Code = 3103
	NoPermissionToUpdateGroupToGroupType                                   Code = 3104
	UpdateGroupToNonexistentGroupType                                      Code = 3105
	NotActiveUserToCreateGroup                                             Code = 3200
	NotGroupOwnerToTransferGroup                                           Code = 3201
	NotGroupOwnerToDeleteGroup                                             Code = 3202
	GroupSuccessorNotGroupMember                                           Code = 3203
	GroupOwnerQuitWithoutSpecifyingSuccessor                               Code = 3204
	MaxOwnedGroupsReached                                                  Code = 3205
	TransferNonexistentGroup                                               Code = 3206
	NotGroupOwnerOrManagerToCreateGroupQuestion                            Code = 3300
	NotGroupOwnerOrManagerToDeleteGroupQuestion                            Code = 3301
	NotGroupOwnerOrManagerToUpdateGroupQuestion                            Code = 3302
	NotGroupOwnerOrManagerToQueryGroupQuestionAnswer                       Code = 3303
	CreateGroupQuestionForInactiveGroup                                    Code = 3304
	CreateGroupQuestionForGroupUsingJoinRequest                            Code = 3305
	CreateGroupQuestionForGroupUsingInvitation                             Code = 3306
	CreateGroupQuestionForGroupUsingMembershipRequest                      Code = 3307
	GroupQuestionAnswererHasBeenBlocked                                    Code = 3308
	GroupMemberAnswerGroupQuestion                                         Code = 3309
	AnswerInactiveGroupQuestion                                            Code = 3310
	AnswerGroupQuestionOfInactiveGroup                                     Code = 3311
	AddUserToGroupRequiringUsersApproval                                   Code = 3400
	AddUserToInactiveGroup                                                 Code = 3401
	NotGroupOwnerToAddGroupManager                                         Code = 3402
	AddUserToGroupWithSizeLimitReached                                     Code = 3403
	AddBlockedUserToGroup                                                  Code = 3404
	NotGroupOwnerToAddGroupMember                                          Code = 3405
	NotGroupOwnerOrManagerToAddGroupMember                                 Code = 3406
	NotGroupMemberToAddGroupMember                                         Code = 3407
	NotGroupOwnerOrManagerToRemoveGroupMember                              Code = 3408
	NotGroupOwnerToRemoveGroupOwnerOrManager                               Code = 3409
	NotGroupOwnerToUpdateGroupMemberRole                                   Code = 3410
	UpdateGroupMemberRoleOfNonexistentGroup                                Code = 3411
	NotGroupOwnerToUpdateGroupMemberInfo                                   Code = 3412
	NotGroupOwnerOrManagerToUpdateGroupMemberInfo                          Code = 3413
	NotGroupMemberToUpdateGroupMemberInfo                                  Code = 3414
	UpdateGroupMemberInfoOfNonexistentGroup                                Code = 3415
	UpdateInfoOfNonexistentGroupMember                                     Code = 3416
	NotGroupOwnerOrManagerToMuteGroupMember                                Code = 3417
	MuteGroupMemberWithRoleEqualToOrHigherThanRequester                    Code = 3418
	MuteGroupMemberOfNonexistentGroup                                      Code = 3419
	MuteNonexistentGroupMember                                             Code = 3420
	NotGroupMemberToQueryGroupMemberInfo                                   Code = 3421
	UserJoinGroupWithoutAcceptingGroupInvitation                           Code = 3422
	UserJoinGroupWithoutAnsweringGroupQuestion                             Code = 3423
	UserJoinGroupWithoutSendingGroupJoinRequest                            Code = 3424
	NotGroupOwnerOrManagerToAddBlockedUser                                 Code = 3500
	NotGroupOwnerOrManagerToRemoveBlockedUser                              Code = 3501
	BlockedUserSendGroupJoinRequest                                        Code = 3600
	GroupMemberSendGroupJoinRequest                                        Code = 3601
	NotSenderToRecallGroupJoinRequest                                      Code = 3602
	NotGroupOwnerOrManagerToQueryGroupJoinRequest                          Code = 3603
	RecallNonPendingGroupJoinRequest                                       Code = 3604
	SendGroupJoinRequestToInactiveGroup                                    Code = 3605
	SendGroupJoinRequestToGroupUsingMembershipRequest                      Code = 3606
	SendGroupJoinRequestToGroupUsingInvitation                             Code = 3607
	SendGroupJoinRequestToGroupUsingQuestion                               Code = 3608
	RecallingGroupJoinRequestIsDisabled                                    Code = 3609
	UpdateNonPendingGroupJoinRequest                                       Code = 3610
	NotGroupOwnerOrManagerToUpdateGroupJoinRequest                         Code = 3611
	SendGroupInvitationToGroupMember                                       Code = 3700
	SendGroupInvitationToBlockedUser                                       Code = 3701
	SendGroupInvitationToGroupNotRequiringUsersApproval                    Code = 3702
	NotGroupOwnerToSendGroupInvitation                                     Code = 3703
	NotGroupOwnerOrManagerToSendGroupInvitation                            Code = 3704
	NotGroupMemberToSendGroupInvitation                                    Code = 3705
	RecallingGroupInvitationIsDisabled                                     Code = 3706
	NotGroupOwnerOrManagerToRecallGroupInvitation                          Code = 3707
	NotGroupOwnerOrManagerOrSenderToRecallGroupInvitation                  Code = 3708
	RecallNonPendingGroupInvitation                                        Code = 3709
	UpdateNonPendingGroupInvitation                                        Code = 3710
	NotInviteeToUpdateGroupInvitation                                      Code = 3711
	NotGroupOwnerOrManagerToQueryGroupInvitation                           Code = 3712
	UpdatingReadDateIsDisabled                                             Code = 4000
	UpdatingReadDateIsDisabledByGroup                                      Code = 4001
	UpdatingReadDateOfNonexistentGroupConversation                         Code = 4002
	NotGroupMemberToUpdateReadDateOfGroupConversation                      Code = 4003
	MovingReadDateForwardIsDisabled                                        Code = 4004
	UpdatingTypingStatusIsDisabled                                         Code = 4100
	NotGroupMemberToSendTypingStatus                                       Code = 4101
	NotFriendToSendTypingStatus                                            Code = 4102
	NotRelatedUserToUpdatePrivateConversationSetting                       Code = 4200
	NotGroupMemberToUpdateGroupConversationSetting                         Code = 4201
	MessageRecipientNotActive                                              Code = 5000
	NotFriendToSendPrivateMessage                                          Code = 5001
	BlockedUserSendPrivateMessage                                          Code = 5002
	BlockedUserSendGroupMessage                                            Code = 5003
	SendMessageToInactiveGroup                                             Code = 5004
	SendMessageToMutedGroup                                                Code = 5005
	SendMessageToNonexistentGroup                                          Code = 5006
	SendingMessagesToOneselfIsDisabled                                     Code = 5007
	MutedGroupMemberSendMessage                                            Code = 5008
	NotSpeakableGroupGuestToSendMessage                                    Code = 5009
	MessageIsIllegal                                                       Code = 5010
	NotMessageRecipientOrSenderToForwardMessage                            Code = 5011
	UpdatingMessageBySenderIsDisabled                                      Code = 5100
	NotSenderToUpdateMessage                                               Code = 5101
	UpdateMessageOfNonexistentGroup                                        Code = 5102
	UpdatingGroupMessageBySenderIsDisabled                                 Code = 5103
	RecallNonexistentMessage                                               Code = 5200
	RecallingMessageIsDisabled                                             Code = 5201
	NotSenderToRecallMessage                                               Code = 5202
	RecallMessageOfNonexistentGroup                                        Code = 5203
	MessageRecallTimeout                                                   Code = 5204
	NotGroupMemberToQueryGroupMessages                                     Code = 5300
	StorageNotImplemented                                                  Code = 6000
	NotFriendToUploadMessageAttachmentInPrivateConversation                Code = 6100
	NotGroupMemberToUploadMessageAttachmentInGroupConversation             Code = 6101
	NotUploaderToShareMessageAttachment                                    Code = 6102
	NotUploaderOrGroupManagerToUnshareMessageAttachmentInGroupConversation Code = 6103
	NotUploaderToUnshareMessageAttachmentInPrivateConversation             Code = 6104
	NotUploaderOrGroupManagerToDeleteMessageAttachmentInGroupConversation  Code = 6105
	NotUploaderToDeleteMessageAttachmentInPrivateConversation              Code = 6106
	NotUploaderOrSharedWithUserToDownloadMessageAttachment                 Code = 6107
	NotFriendToQueryMessageAttachmentInfoInPrivateConversation             Code = 6130
	NotGroupMemberToQueryMessageAttachmentInfoInGroupConversation          Code = 6131
	SearchingUserIsDisabled                                                Code = 7100
	SearchingGroupIsDisabled                                               Code = 7200
	ConferenceNotImplemented                                               Code = 8000
	CreateMeetingExceedingMaxActiveMeetingCount                            Code = 8100
	NotCreatorToCancelMeeting                                              Code = 8101
	CancelingMeetingIsDisabled                                             Code = 8102
	CancelNonexistentMeeting                                               Code = 8103
	NotCreatorToUpdateMeetingPassword                                      Code = 8104
	UpdateInfoOfNonexistentMeeting                                         Code = 8105
	AcceptMeetingInvitationWithWrongPassword                               Code = 8200
	AcceptMeetingInvitationOfCanceledMeeting                               Code = 8201
	AcceptMeetingInvitationOfEndedMeeting                                  Code = 8202
	AcceptMeetingInvitationOfExpiredMeeting                                Code = 8203
	AcceptMeetingInvitationOfPendingMeeting                                Code = 8204
	AcceptNonexistentMeetingInvitation                                     Code = 8205
)

// Session close statuses.
const (
	CloseIllegalRequest             CloseStatus = 100
	CloseHeartbeatTimeout           CloseStatus = 110
	CloseLoginTimeout               CloseStatus = 111
	CloseSwitch                     CloseStatus = 112
	CloseServerError                CloseStatus = 200
	CloseServerClosed               CloseStatus = 201
	CloseServerUnavailable          CloseStatus = 202
	CloseConnectionClosed           CloseStatus = 300
	CloseUnknownError               CloseStatus = 400
	CloseDisconnectedByClient       CloseStatus = 500
	CloseDisconnectedByOtherDevice  CloseStatus = 501
	CloseDisconnectedByAdmin        CloseStatus = 600
	CloseUserIsDeletedOrInactivated CloseStatus = 700
	CloseUserIsBlocked              CloseStatus = 701
)

var codeNames = map[Code]string{
	OK:                                                                     "OK",
	NoContent:                                                              "NO_CONTENT",
	AlreadyUpToDate:                                                        "ALREADY_UP_TO_DATE",
	InvalidRequest:                                                         "INVALID_REQUEST",
	ClientRequestsTooFrequent:                                              "CLIENT_REQUESTS_TOO_FREQUENT",
	IllegalArgument:                                                        "ILLEGAL_ARGUMENT",
	RecordContainsDuplicateKey:                                             "RECORD_CONTAINS_DUPLICATE_KEY",
	RequestedRecordsTooMany:                                                "REQUESTED_RECORDS_TOO_MANY",
	SendRequestFromNonexistentSession:                                      "SEND_REQUEST_FROM_NONEXISTENT_SESSION",
	UnauthorizedRequest:                                                    "UNAUTHORIZED_REQUEST",
	ServerInternalError:                                                    "SERVER_INTERNAL_ERROR",
	ServerUnavailable:                                                      "SERVER_UNAVAILABLE",
	Unauthorized:                                                           "UNAUTHORIZED",
	NoFilterForDeleteOperation:                                             "NO_FILTER_FOR_DELETE_OPERATION",
	ResourceNotFound:                                                       "RESOURCE_NOT_FOUND",
	DuplicateResource:                                                      "DUPLICATE_RESOURCE",
	AdminRequestsTooFrequent:                                               "ADMIN_REQUESTS_TOO_FREQUENT",
	DumpJfrInIllegalStatus:                                                 "DUMP_JFR_IN_ILLEGAL_STATUS",
	JavascriptPluginIsDisabled:                                             "JAVASCRIPT_PLUGIN_IS_DISABLED",
	SavingJavaPluginIsDisabled:                                             "SAVING_JAVA_PLUGIN_IS_DISABLED",
	SavingJavascriptPluginIsDisabled:                                       "SAVING_JAVASCRIPT_PLUGIN_IS_DISABLED",
	IpBlocklistIsDisabled:                                                  "IP_BLOCKLIST_IS_DISABLED",
	UserIdBlocklistIsDisabled:                                              "USER_ID_BLOCKLIST_IS_DISABLED",
	DebugIsDisabled:                                                        "DEBUG_IS_DISABLED",
	NonexistentMemberToBeLeader:                                            "NONEXISTENT_MEMBER_TO_BE_LEADER",
	NoQualifiedMemberToBeLeader:                                            "NO_QUALIFIED_MEMBER_TO_BE_LEADER",
	NotQualifiedMemberToBeLeader:                                           "NOT_QUALIFIED_MEMBER_TO_BE_LEADER",
	UnsupportedClientVersion:                                               "UNSUPPORTED_CLIENT_VERSION",
	LoginTimeout:                                                           "LOGIN_TIMEOUT",
	LoginAuthenticationFailed:                                              "LOGIN_AUTHENTICATION_FAILED",
	LoggingInUserNotActive:                                                 "LOGGING_IN_USER_NOT_ACTIVE",
	LoginFromForbiddenDeviceType:                                           "LOGIN_FROM_FORBIDDEN_DEVICE_TYPE",
	SessionSimultaneousConflictsDecline:                                    "SESSION_SIMULTANEOUS_CONFLICTS_DECLINE",
	SessionSimultaneousConflictsNotify:                                     "SESSION_SIMULTANEOUS_CONFLICTS_NOTIFY",
	SessionSimultaneousConflictsOffline:                                    "SESSION_SIMULTANEOUS_CONFLICTS_OFFLINE",
	CreateExistingSession:                                                  "CREATE_EXISTING_SESSION",
	UpdateHeartbeatOfNonexistentSession:                                    "UPDATE_HEARTBEAT_OF_NONEXISTENT_SESSION",
	UserLocationRelatedFeaturesAreDisabled:                                 "USER_LOCATION_RELATED_FEATURES_ARE_DISABLED",
	QueryingNearestUsersBySessionIdIsDisabled:                              "QUERYING_NEAREST_USERS_BY_SESSION_ID_IS_DISABLED",
	UpdateInfoOfNonexistentUser:                                            "UPDATE_INFO_OF_NONEXISTENT_USER",
	NotFriendToQueryUserProfile:                                            "NOT_FRIEND_TO_QUERY_USER_PROFILE",
	BlockedUserToQueryUserProfile:                                          "BLOCKED_USER_TO_QUERY_USER_PROFILE",
	QueryPermissionOfNonexistentUser:                                       "QUERY_PERMISSION_OF_NONEXISTENT_USER",
	AddNonRelatedUserToGroup:                                               "ADD_NON_RELATED_USER_TO_GROUP",
	CreateExistingRelationship:                                             "CREATE_EXISTING_RELATIONSHIP",
	CannotBlockOneself:                                                     "CANNOT_BLOCK_ONESELF",
	CreateExistingFriendRequest:                                            "CREATE_EXISTING_FRIEND_REQUEST",
	BlockedUserToSendFriendRequest:                                         "BLOCKED_USER_TO_SEND_FRIEND_REQUEST",
	RecallNonPendingFriendRequest:                                          "RECALL_NON_PENDING_FRIEND_REQUEST",
	RecallingFriendRequestIsDisabled:                                       "RECALLING_FRIEND_REQUEST_IS_DISABLED",
	NotSenderToRecallFriendRequest:                                         "NOT_SENDER_TO_RECALL_FRIEND_REQUEST",
	UpdateNonPendingFriendRequest:                                          "UPDATE_NON_PENDING_FRIEND_REQUEST",
	NotRecipientToUpdateFriendRequest:                                      "NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST",
	UpdateInfoOfNonexistentGroup:                                           "UPDATE_INFO_OF_NONEXISTENT_GROUP",
	NotGroupOwnerToUpdateGroupInfo:                                         "NOT_GROUP_OWNER_TO_UPDATE_GROUP_INFO",
	NotGroupOwnerOrManagerToUpdateGroupInfo:                                "NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO",
	NotGroupMemberToUpdateGroupInfo:                                        "NOT_GROUP_MEMBER_TO_UPDATE_GROUP_INFO",
	NoPermissionToCreateGroupWithGroupType:                                 "NO_PERMISSION_TO_CREATE_GROUP_WITH_GROUP_TYPE",
	CreateGroupWithNonexistentGroupType:                                    "CREATE_GROUP_WITH_NONEXISTENT_GROUP_TYPE",
	UpdatingGroupTypeIsDisabled:                                            "UPDATING_GROUP_TYPE_IS_DISABLED",
	NotGroupOwnerToUpdateGroupType:                                         "NOT_GROUP_OWNER_TO_UPDATE_GROUP_TYPE",
	NoPermissionToUpdateGroupToGroupType:                                   "NO_PERMISSION_TO_UPDATE_GROUP_TO_GROUP_TYPE",
	UpdateGroupToNonexistentGroupType:                                      "UPDATE_GROUP_TO_NONEXISTENT_GROUP_TYPE",
	NotActiveUserToCreateGroup:                                             "NOT_ACTIVE_USER_TO_CREATE_GROUP",
	NotGroupOwnerToTransferGroup:                                           "NOT_GROUP_OWNER_TO_TRANSFER_GROUP",
	NotGroupOwnerToDeleteGroup:                                             "NOT_GROUP_OWNER_TO_DELETE_GROUP",
	GroupSuccessorNotGroupMember:                                           "GROUP_SUCCESSOR_NOT_GROUP_MEMBER",
	GroupOwnerQuitWithoutSpecifyingSuccessor:                               "GROUP_OWNER_QUIT_WITHOUT_SPECIFYING_SUCCESSOR",
	MaxOwnedGroupsReached:                                                  "MAX_OWNED_GROUPS_REACHED",
	TransferNonexistentGroup:                                               "TRANSFER_NONEXISTENT_GROUP",
	NotGroupOwnerOrManagerToCreateGroupQuestion:                            "NOT_GROUP_OWNER_OR_MANAGER_TO_CREATE_GROUP_QUESTION",
	NotGroupOwnerOrManagerToDeleteGroupQuestion:                            "NOT_GROUP_OWNER_OR_MANAGER_TO_DELETE_GROUP_QUESTION",
	NotGroupOwnerOrManagerToUpdateGroupQuestion:                            "NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_QUESTION",
	NotGroupOwnerOrManagerToQueryGroupQuestionAnswer:                       "NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_QUESTION_ANSWER",
	CreateGroupQuestionForInactiveGroup:                                    "CREATE_GROUP_QUESTION_FOR_INACTIVE_GROUP",
	CreateGroupQuestionForGroupUsingJoinRequest:                            "CREATE_GROUP_QUESTION_FOR_GROUP_USING_JOIN_REQUEST",
	CreateGroupQuestionForGroupUsingInvitation:                             "CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION",
	CreateGroupQuestionForGroupUsingMembershipRequest:                      "CREATE_GROUP_QUESTION_FOR_GROUP_USING_MEMBERSHIP_REQUEST",
	GroupQuestionAnswererHasBeenBlocked:                                    "GROUP_QUESTION_ANSWERER_HAS_BEEN_BLOCKED",
	GroupMemberAnswerGroupQuestion:                                         "GROUP_MEMBER_ANSWER_GROUP_QUESTION",
	AnswerInactiveGroupQuestion:                                            "ANSWER_INACTIVE_GROUP_QUESTION",
	AnswerGroupQuestionOfInactiveGroup:                                     "ANSWER_GROUP_QUESTION_OF_INACTIVE_GROUP",
	AddUserToGroupRequiringUsersApproval:                                   "ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL",
	AddUserToInactiveGroup:                                                 "ADD_USER_TO_INACTIVE_GROUP",
	NotGroupOwnerToAddGroupManager:                                         "NOT_GROUP_OWNER_TO_ADD_GROUP_MANAGER",
	AddUserToGroupWithSizeLimitReached:                                     "ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED",
	AddBlockedUserToGroup:                                                  "ADD_BLOCKED_USER_TO_GROUP",
	NotGroupOwnerToAddGroupMember:                                          "NOT_GROUP_OWNER_TO_ADD_GROUP_MEMBER",
	NotGroupOwnerOrManagerToAddGroupMember:                                 "NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_GROUP_MEMBER",
	NotGroupMemberToAddGroupMember:                                         "NOT_GROUP_MEMBER_TO_ADD_GROUP_MEMBER",
	NotGroupOwnerOrManagerToRemoveGroupMember:                              "NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER",
	NotGroupOwnerToRemoveGroupOwnerOrManager:                               "NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER",
	NotGroupOwnerToUpdateGroupMemberRole:                                   "NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_ROLE",
	UpdateGroupMemberRoleOfNonexistentGroup:                                "UPDATE_GROUP_MEMBER_ROLE_OF_NONEXISTENT_GROUP",
	NotGroupOwnerToUpdateGroupMemberInfo:                                   "NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_INFO",
	NotGroupOwnerOrManagerToUpdateGroupMemberInfo:                          "NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_MEMBER_INFO",
	NotGroupMemberToUpdateGroupMemberInfo:                                  "NOT_GROUP_MEMBER_TO_UPDATE_GROUP_MEMBER_INFO",
	UpdateGroupMemberInfoOfNonexistentGroup:                                "UPDATE_GROUP_MEMBER_INFO_OF_NONEXISTENT_GROUP",
	UpdateInfoOfNonexistentGroupMember:                                     "UPDATE_INFO_OF_NONEXISTENT_GROUP_MEMBER",
	NotGroupOwnerOrManagerToMuteGroupMember:                                "NOT_GROUP_OWNER_OR_MANAGER_TO_MUTE_GROUP_MEMBER",
	MuteGroupMemberWithRoleEqualToOrHigherThanRequester:                    "MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER",
	MuteGroupMemberOfNonexistentGroup:                                      "MUTE_GROUP_MEMBER_OF_NONEXISTENT_GROUP",
	MuteNonexistentGroupMember:                                             "MUTE_NONEXISTENT_GROUP_MEMBER",
	NotGroupMemberToQueryGroupMemberInfo:                                   "NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO",
	UserJoinGroupWithoutAcceptingGroupInvitation:                           "USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION",
	UserJoinGroupWithoutAnsweringGroupQuestion:                             "USER_JOIN_GROUP_WITHOUT_ANSWERING_GROUP_QUESTION",
	UserJoinGroupWithoutSendingGroupJoinRequest:                            "USER_JOIN_GROUP_WITHOUT_SENDING_GROUP_JOIN_REQUEST",
	NotGroupOwnerOrManagerToAddBlockedUser:                                 "NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_BLOCKED_USER",
	NotGroupOwnerOrManagerToRemoveBlockedUser:                              "NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_BLOCKED_USER",
	BlockedUserSendGroupJoinRequest:                                        "BLOCKED_USER_SEND_GROUP_JOIN_REQUEST",
	GroupMemberSendGroupJoinRequest:                                        "GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST",
	NotSenderToRecallGroupJoinRequest:                                      "NOT_SENDER_TO_RECALL_GROUP_JOIN_REQUEST",
	NotGroupOwnerOrManagerToQueryGroupJoinRequest:                          "NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_JOIN_REQUEST",
	RecallNonPendingGroupJoinRequest:                                       "RECALL_NON_PENDING_GROUP_JOIN_REQUEST",
	SendGroupJoinRequestToInactiveGroup:                                    "SEND_GROUP_JOIN_REQUEST_TO_INACTIVE_GROUP",
	SendGroupJoinRequestToGroupUsingMembershipRequest:                      "SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_MEMBERSHIP_REQUEST",
	SendGroupJoinRequestToGroupUsingInvitation:                             "SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION",
	SendGroupJoinRequestToGroupUsingQuestion:                               "SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_QUESTION",
	RecallingGroupJoinRequestIsDisabled:                                    "RECALLING_GROUP_JOIN_REQUEST_IS_DISABLED",
	UpdateNonPendingGroupJoinRequest:                                       "UPDATE_NON_PENDING_GROUP_JOIN_REQUEST",
	NotGroupOwnerOrManagerToUpdateGroupJoinRequest:                         "NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_JOIN_REQUEST",
	SendGroupInvitationToGroupMember:                                       "SEND_GROUP_INVITATION_TO_GROUP_MEMBER",
	SendGroupInvitationToBlockedUser:                                       "SEND_GROUP_INVITATION_TO_BLOCKED_USER",
	SendGroupInvitationToGroupNotRequiringUsersApproval:                    "SEND_GROUP_INVITATION_TO_GROUP_NOT_REQUIRING_USERS_APPROVAL",
	NotGroupOwnerToSendGroupInvitation:                                     "NOT_GROUP_OWNER_TO_SEND_GROUP_INVITATION",
	NotGroupOwnerOrManagerToSendGroupInvitation:                            "NOT_GROUP_OWNER_OR_MANAGER_TO_SEND_GROUP_INVITATION",
	NotGroupMemberToSendGroupInvitation:                                    "NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION",
	RecallingGroupInvitationIsDisabled:                                     "RECALLING_GROUP_INVITATION_IS_DISABLED",
	NotGroupOwnerOrManagerToRecallGroupInvitation:                          "NOT_GROUP_OWNER_OR_MANAGER_TO_RECALL_GROUP_INVITATION",
	NotGroupOwnerOrManagerOrSenderToRecallGroupInvitation:                  "NOT_GROUP_OWNER_OR_MANAGER_OR_SENDER_TO_RECALL_GROUP_INVITATION",
	RecallNonPendingGroupInvitation:                                        "RECALL_NON_PENDING_GROUP_INVITATION",
	UpdateNonPendingGroupInvitation:                                        "UPDATE_NON_PENDING_GROUP_INVITATION",
	NotInviteeToUpdateGroupInvitation:                                      "NOT_INVITEE_TO_UPDATE_GROUP_INVITATION",
	NotGroupOwnerOrManagerToQueryGroupInvitation:                           "NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_INVITATION",
	UpdatingReadDateIsDisabled:                                             "UPDATING_READ_DATE_IS_DISABLED",
	UpdatingReadDateIsDisabledByGroup:                                      "UPDATING_READ_DATE_IS_DISABLED_BY_GROUP",
	UpdatingReadDateOfNonexistentGroupConversation:                         "UPDATING_READ_DATE_OF_NONEXISTENT_GROUP_CONVERSATION",
	NotGroupMemberToUpdateReadDateOfGroupConversation:                      "NOT_GROUP_MEMBER_TO_UPDATE_READ_DATE_OF_GROUP_CONVERSATION",
	MovingReadDateForwardIsDisabled:                                        "MOVING_READ_DATE_FORWARD_IS_DISABLED",
	UpdatingTypingStatusIsDisabled:                                         "UPDATING_TYPING_STATUS_IS_DISABLED",
	NotGroupMemberToSendTypingStatus:                                       "NOT_GROUP_MEMBER_TO_SEND_TYPING_STATUS",
	NotFriendToSendTypingStatus:                                            "NOT_FRIEND_TO_SEND_TYPING_STATUS",
	NotRelatedUserToUpdatePrivateConversationSetting:                       "NOT_RELATED_USER_TO_UPDATE_PRIVATE_CONVERSATION_SETTING",
	NotGroupMemberToUpdateGroupConversationSetting:                         "NOT_GROUP_MEMBER_TO_UPDATE_GROUP_CONVERSATION_SETTING",
	MessageRecipientNotActive:                                              "MESSAGE_RECIPIENT_NOT_ACTIVE",
	NotFriendToSendPrivateMessage:                                          "NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE",
	BlockedUserSendPrivateMessage:                                          "BLOCKED_USER_SEND_PRIVATE_MESSAGE",
	BlockedUserSendGroupMessage:                                            "BLOCKED_USER_SEND_GROUP_MESSAGE",
	SendMessageToInactiveGroup:                                             "SEND_MESSAGE_TO_INACTIVE_GROUP",
	SendMessageToMutedGroup:                                                "SEND_MESSAGE_TO_MUTED_GROUP",
	SendMessageToNonexistentGroup:                                          "SEND_MESSAGE_TO_NONEXISTENT_GROUP",
	SendingMessagesToOneselfIsDisabled:                                     "SENDING_MESSAGES_TO_ONESELF_IS_DISABLED",
	MutedGroupMemberSendMessage:                                            "MUTED_GROUP_MEMBER_SEND_MESSAGE",
	NotSpeakableGroupGuestToSendMessage:                                    "NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE",
	MessageIsIllegal:                                                       "MESSAGE_IS_ILLEGAL",
	NotMessageRecipientOrSenderToForwardMessage:                            "NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE",
	UpdatingMessageBySenderIsDisabled:                                      "UPDATING_MESSAGE_BY_SENDER_IS_DISABLED",
	NotSenderToUpdateMessage:                                               "NOT_SENDER_TO_UPDATE_MESSAGE",
	UpdateMessageOfNonexistentGroup:                                        "UPDATE_MESSAGE_OF_NONEXISTENT_GROUP",
	UpdatingGroupMessageBySenderIsDisabled:                                 "UPDATING_GROUP_MESSAGE_BY_SENDER_IS_DISABLED",
	RecallNonexistentMessage:                                               "RECALL_NONEXISTENT_MESSAGE",
	RecallingMessageIsDisabled:                                             "RECALLING_MESSAGE_IS_DISABLED",
	NotSenderToRecallMessage:                                               "NOT_SENDER_TO_RECALL_MESSAGE",
	RecallMessageOfNonexistentGroup:                                        "RECALL_MESSAGE_OF_NONEXISTENT_GROUP",
	MessageRecallTimeout:                                                   "MESSAGE_RECALL_TIMEOUT",
	NotGroupMemberToQueryGroupMessages:                                     "NOT_GROUP_MEMBER_TO_QUERY_GROUP_MESSAGES",
	StorageNotImplemented:                                                  "STORAGE_NOT_IMPLEMENTED",
	NotFriendToUploadMessageAttachmentInPrivateConversation:                "NOT_FRIEND_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION",
	NotGroupMemberToUploadMessageAttachmentInGroupConversation:             "NOT_GROUP_MEMBER_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION",
	NotUploaderToShareMessageAttachment:                                    "NOT_UPLOADER_TO_SHARE_MESSAGE_ATTACHMENT",
	NotUploaderOrGroupManagerToUnshareMessageAttachmentInGroupConversation: "NOT_UPLOADER_OR_GROUP_MANAGER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION",
	NotUploaderToUnshareMessageAttachmentInPrivateConversation:             "NOT_UPLOADER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION",
	NotUploaderOrGroupManagerToDeleteMessageAttachmentInGroupConversation:  "NOT_UPLOADER_OR_GROUP_MANAGER_TO_DELETE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION",
	NotUploaderToDeleteMessageAttachmentInPrivateConversation:              "NOT_UPLOADER_TO_DELETE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION",
	NotUploaderOrSharedWithUserToDownloadMessageAttachment:                 "NOT_UPLOADER_OR_SHARED_WITH_USER_TO_DOWNLOAD_MESSAGE_ATTACHMENT",
	NotFriendToQueryMessageAttachmentInfoInPrivateConversation:             "NOT_FRIEND_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_PRIVATE_CONVERSATION",
	NotGroupMemberToQueryMessageAttachmentInfoInGroupConversation:          "NOT_GROUP_MEMBER_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_GROUP_CONVERSATION",
	SearchingUserIsDisabled:                                                "SEARCHING_USER_IS_DISABLED",
	SearchingGroupIsDisabled:                                               "SEARCHING_GROUP_IS_DISABLED",
	ConferenceNotImplemented:                                               "CONFERENCE_NOT_IMPLEMENTED",
	CreateMeetingExceedingMaxActiveMeetingCount:                            "CREATE_MEETING_EXCEEDING_MAX_ACTIVE_MEETING_COUNT",
	NotCreatorToCancelMeeting:                                              "NOT_CREATOR_TO_CANCEL_MEETING",
	CancelingMeetingIsDisabled:                                             "CANCELING_MEETING_IS_DISABLED",
	CancelNonexistentMeeting:                                               "CANCEL_NONEXISTENT_MEETING",
	NotCreatorToUpdateMeetingPassword:                                      "NOT_CREATOR_TO_UPDATE_MEETING_PASSWORD",
	UpdateInfoOfNonexistentMeeting:                                         "UPDATE_INFO_OF_NONEXISTENT_MEETING",
	AcceptMeetingInvitationWithWrongPassword:                               "ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD",
	AcceptMeetingInvitationOfCanceledMeeting:                               "ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING",
	AcceptMeetingInvitationOfEndedMeeting:                                  "ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING",
	AcceptMeetingInvitationOfExpiredMeeting:                                "ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING",
	AcceptMeetingInvitationOfPendingMeeting:                                "ACCEPT_MEETING_INVITATION_OF_PENDING_MEETING",
	AcceptNonexistentMeetingInvitation:                                     "ACCEPT_NONEXISTENT_MEETING_INVITATION",
}

var closeNames = map[CloseStatus]string{
	CloseIllegalRequest:             "ILLEGAL_REQUEST",
	CloseHeartbeatTimeout:           "HEARTBEAT_TIMEOUT",
	CloseLoginTimeout:               "LOGIN_TIMEOUT",
	CloseSwitch:                     "SWITCH",
	CloseServerError:                "SERVER_ERROR",
	CloseServerClosed:               "SERVER_CLOSED",
	CloseServerUnavailable:          "SERVER_UNAVAILABLE",
	CloseConnectionClosed:           "CONNECTION_CLOSED",
	CloseUnknownError:               "UNKNOWN_ERROR",
	CloseDisconnectedByClient:       "DISCONNECTED_BY_CLIENT",
	CloseDisconnectedByOtherDevice:  "DISCONNECTED_BY_OTHER_DEVICE",
	CloseDisconnectedByAdmin:        "DISCONNECTED_BY_ADMIN",
	CloseUserIsDeletedOrInactivated: "USER_IS_DELETED_OR_INACTIVATED",
	CloseUserIsBlocked:              "USER_IS_BLOCKED",
}
