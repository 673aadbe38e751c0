// Package config is hermod's configuration: one Config type that maps one
// to one to the TOML file, filled from defaults, then the file, then
// HERMOD_* environment variables, then command-line flags.
package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting of a hermod node.
type Config struct {
	DataDir   string          `koanf:"data_dir" help:"directory for everything the server writes"`
	Domain    string          `koanf:"domain" help:"the server's domain (XMPP addresses, room domains)"`
	NodeID    int             `koanf:"node_id" help:"this node's id (0-255), part of every id it makes; -1: 0 alone, leased from NATS in a cluster"`
	Log       LogConfig       `koanf:"log"`
	Store     StoreConfig     `koanf:"store"`
	Turms     TurmsConfig     `koanf:"turms"`
	XMPP      XMPPConfig      `koanf:"xmpp"`
	Admin     AdminConfig     `koanf:"admin"`
	Users     UsersConfig     `koanf:"users"`
	Relations RelationsConfig `koanf:"relations"`
	Messages  MessagesConfig  `koanf:"messages"`
	Presence  PresenceConfig  `koanf:"presence"`
	Groups    GroupsConfig    `koanf:"groups"`
	Location  LocationConfig  `koanf:"location"`
	Storage   StorageConfig   `koanf:"storage"`
	Cluster   ClusterConfig   `koanf:"cluster"`
}

// ClusterConfig makes the node a member of a cluster of nodes that share
// one store and one NATS.
type ClusterConfig struct {
	NATS    string        `koanf:"nats" help:"NATS server URL(s), comma-separated; set to run as a cluster member (needs store.driver = postgres)"`
	Name    string        `koanf:"name" help:"prefix of the cluster's NATS subjects and buckets (several clusters may share one NATS)"`
	NodeTTL time.Duration `koanf:"node_ttl" help:"how long a silent node counts as alive; its sessions leave the registry within about this long after it dies"`
}

// LogConfig sets up structured logging.
type LogConfig struct {
	Level  string `koanf:"level" help:"debug, info, warn or error"`
	Format string `koanf:"format" help:"text or json"`
}

// StoreConfig chooses the store backend: SQLite, embedded, for one node;
// PostgreSQL for several nodes sharing one database.
type StoreConfig struct {
	Driver             string `koanf:"driver" help:"store backend: sqlite (embedded, one node) or postgres (several nodes)"`
	SQLitePath         string `koanf:"sqlite_path" help:"SQLite database file (default <data_dir>/hermod.db)"`
	PostgresDSN        string `koanf:"postgres_dsn" help:"PostgreSQL connection string for driver postgres, e.g. postgres://hermod:secret@db.example.com:5432/hermod?sslmode=verify-full"`
	PostgresMaxConns   int    `koanf:"postgres_max_conns" help:"most connections to PostgreSQL this node opens (0: the larger of 4 and the number of CPUs)"`
	PostgresCommitters int    `koanf:"postgres_committers" help:"transactions of batched writes (group commit) this node runs on PostgreSQL at once (0: half of postgres_max_conns, 1 to 4)"`
}

// TurmsConfig is the Turms protocol listener.
type TurmsConfig struct {
	TCPAddr                 string        `koanf:"tcp_addr" help:"Turms TCP listen address (empty disables)"`
	WSAddr                  string        `koanf:"ws_addr" help:"Turms WebSocket listen address (empty disables)"`
	MaxFrameBytes           int           `koanf:"max_frame_bytes" help:"largest request accepted, in bytes"`
	LoginTimeout            time.Duration `koanf:"login_timeout" help:"close connections that do not log in within this time"`
	HeartbeatTimeout        time.Duration `koanf:"heartbeat_timeout" help:"close sessions silent for this long"`
	ExclusiveDeviceSessions bool          `koanf:"exclusive_device_sessions" help:"one session per user and device type: a new login closes the old one"`
	LoginFailuresPerMinute  int           `koanf:"login_failures_per_minute" help:"failed logins allowed per remote address per minute (0: no limit)"`
	RequestsPerSecond       int           `koanf:"requests_per_second" help:"requests per second allowed per session (0: no limit)"`
	RequestBurst            int           `koanf:"request_burst" help:"request burst allowed per session"`
	IPRequestsPerSecond     int           `koanf:"ip_requests_per_second" help:"requests per second allowed from one remote address, all its sessions together (0: no limit)"`
	IPRequestBurst          int           `koanf:"ip_request_burst" help:"request burst allowed from one remote address"`
	MaxSessionsPerUser      int           `koanf:"max_sessions_per_user" help:"most concurrent Turms sessions per user"`
	SendQueue               int           `koanf:"send_queue" help:"notifications that may wait for a slow client before it is cut off"`
}

// XMPPConfig is the XMPP client-to-server listener.
type XMPPConfig struct {
	TCPAddr                string        `koanf:"tcp_addr" help:"XMPP listen address with STARTTLS (empty disables)"`
	TLSAddr                string        `koanf:"tls_addr" help:"XMPP direct TLS listen address, XEP-0368 (empty disables)"`
	WSAddr                 string        `koanf:"ws_addr" help:"XMPP WebSocket (HTTP) listen address, path /xmpp-websocket (empty disables)"`
	WSSAddr                string        `koanf:"wss_addr" help:"XMPP WebSocket over HTTPS listen address (empty disables)"`
	CertFile               string        `koanf:"cert_file" help:"TLS certificate (PEM); empty: a self-signed one in the data directory"`
	KeyFile                string        `koanf:"key_file" help:"TLS private key (PEM) of cert_file"`
	RequireTLS             bool          `koanf:"require_tls" help:"refuse authentication before STARTTLS on the TCP listener"`
	MaxStanzaBytes         int           `koanf:"max_stanza_bytes" help:"largest stanza accepted, in bytes"`
	MaxDepth               int           `koanf:"max_depth" help:"deepest element nesting accepted in a stanza"`
	NegotiationTimeout     time.Duration `koanf:"negotiation_timeout" help:"close connections that do not authenticate and bind within this time"`
	IdleTimeout            time.Duration `koanf:"idle_timeout" help:"close connections silent for this long (clients send keepalives)"`
	KeepAlive              time.Duration `koanf:"keepalive" help:"send a whitespace keepalive to connections quiet for this long"`
	LoginFailuresPerMinute int           `koanf:"login_failures_per_minute" help:"failed authentications allowed per remote address per minute (0: no limit)"`
	StanzasPerSecond       int           `koanf:"stanzas_per_second" help:"stanzas per second read from a session before it is slowed down (0: no limit)"`
	StanzaBurst            int           `koanf:"stanza_burst" help:"stanza burst allowed per session"`
	SendQueue              int           `koanf:"send_queue" help:"stanzas that may wait for a slow client before it is cut off"`
	MaxResources           int           `koanf:"max_resources" help:"most XMPP sessions (resources) per user online at once"`
	DeviceType             string        `koanf:"device_type" help:"the Turms device type XMPP sessions count as (DESKTOP, BROWSER, IOS, ANDROID, OTHERS)"`
	AllowRegistration      bool          `koanf:"allow_registration" help:"let anyone create an account with in-band registration (XEP-0077)"`
	RegistrationsPerMinute int           `koanf:"registrations_per_minute" help:"accounts one address may create by in-band registration per minute (0: no limit)"`
	OfflineMessages        int           `koanf:"offline_messages" help:"most messages delivered at login that arrived while the user had no XMPP session"`
	PEPMaxNodes            int           `koanf:"pep_max_nodes" help:"most PEP nodes (XEP-0163) one account may have"`
	PEPMaxItems            int           `koanf:"pep_max_items" help:"most items one PEP node keeps (what max_items=max means)"`
	PEPMaxItemBytes        int           `koanf:"pep_max_item_bytes" help:"largest PEP item payload accepted, in bytes"`
	PrivateMaxBytes        int           `koanf:"private_max_bytes" help:"largest private XML element (XEP-0049) stored per namespace, in bytes"`
	MUCDomain              string        `koanf:"muc_domain" help:"the multi-user chat service where groups are rooms (empty: conference.<domain>)"`
	UploadDomain           string        `koanf:"upload_domain" help:"the HTTP file upload service, XEP-0363, there when storage is enabled (empty: upload.<domain>)"`
	PublicWebURL           string        `koanf:"public_web_url" help:"base URL browsers reach the XMPP WebSocket and BOSH endpoints at, announced by /.well-known/host-meta (empty: the request's host)"`
	BOSHMaxWait            time.Duration `koanf:"bosh_max_wait" help:"longest a BOSH request (XEP-0124, /http-bind on the WebSocket listeners) waits for something to answer; 0 disables BOSH"`
	BOSHInactivity         time.Duration `koanf:"bosh_inactivity" help:"how long a BOSH session lives with no request waiting"`
	BOSHPolling            time.Duration `koanf:"bosh_polling" help:"shortest interval between empty BOSH requests beyond the one waiting"`
	BOSHSessionsPerMinute  int           `koanf:"bosh_sessions_per_minute" help:"most BOSH sessions one address may open per minute (0: no limit)"`
	ExternalServices       string        `koanf:"external_services" help:"comma-separated STUN and TURN servers offered to clients by XEP-0215, e.g. stun:turn.example.com,turn:turn.example.com:3478?transport=tcp (empty: none)"`
	TURNSecret             string        `koanf:"turn_secret" help:"shared secret of the TURN servers (TURN REST API, coturn use-auth-secret): TURN services then come with temporary credentials"`
	TURNCredentialTTL      time.Duration `koanf:"turn_credential_ttl" help:"how long the temporary TURN credentials stay valid"`
	MUCHistory             int           `koanf:"muc_history" help:"most archived messages a client gets on joining a room, whatever it asks for"`
	ComponentAddr          string        `koanf:"component_addr" help:"listen address for external components, XEP-0114, e.g. 127.0.0.1:5347 (empty disables)"`
	Components             string        `koanf:"components" help:"comma-separated external components as domain=secret, e.g. bot.example.com=s3cret; a name without a dot is a subdomain of domain"`
	TypingPause            time.Duration `koanf:"typing_pause" help:"tell XMPP clients a Turms user paused typing when no typing status followed for this long (0: never)"`
	SMResumeTimeout        time.Duration `koanf:"sm_resume_timeout" help:"how long a stream-managed session whose connection broke waits to be resumed, XEP-0198 (0: no resumption)"`
	SMMaxUnacked           int           `koanf:"sm_max_unacked" help:"most stanzas a stream-managed client may leave unacknowledged before its stream is closed"`
	PushBody               bool          `koanf:"push_body" help:"include the message text in push notifications to app servers, XEP-0357"`
}

// AdminConfig is the admin HTTP API.
type AdminConfig struct {
	Addr  string `koanf:"addr" help:"admin API listen address, loopback only (empty disables)"`
	Token string `koanf:"token" help:"admin bearer token (default: generated into <data_dir>/admin-token)"`
}

// UsersConfig are account rules.
type UsersConfig struct {
	ScramIterations                   int  `koanf:"scram_iterations" help:"PBKDF2 iterations for new passwords (at least 4096)"`
	NotifyRelatedUsersOfProfileChange bool `koanf:"notify_related_users_of_profile_change" help:"relay profile changes to related users too"`
	PasswordMemo                      int  `koanf:"password_memo" help:"accounts whose last verified password is remembered in memory as a keyed hash, so that a repeated password login (Turms, XMPP PLAIN) costs no PBKDF2 (0: none)"`
}

// RelationsConfig are friend request and relationship rules.
type RelationsConfig struct {
	FriendRequestTTL         time.Duration `koanf:"friend_request_ttl" help:"how long a friend request stays pending"`
	AllowRecallFriendRequest bool          `koanf:"allow_recall_friend_request" help:"let requesters recall pending friend requests"`
	AllowResendAfterDecline  bool          `koanf:"allow_resend_after_decline" help:"allow a new friend request after a decline, ignore or expiry"`
	DeleteTwoSided           bool          `koanf:"delete_two_sided" help:"deleting a relationship deletes both sides"`
	NotifyRelatedUser        bool          `koanf:"notify_related_user" help:"relay one-sided relationship changes to the other user"`
	MaxContentLength         int           `koanf:"max_content_length" help:"longest friend request text, in characters"`
}

// MessagesConfig are message rules.
type MessagesConfig struct {
	MaxTextLength           int           `koanf:"max_text_length" help:"longest message text, in characters"`
	MaxRecordsBytes         int           `koanf:"max_records_bytes" help:"largest total size of a message's records"`
	AllowStrangers          bool          `koanf:"allow_strangers" help:"let users message people who are not their friends"`
	AllowToSelf             bool          `koanf:"allow_to_self" help:"let users message themselves"`
	AllowRecall             bool          `koanf:"allow_recall" help:"let senders recall messages"`
	AllowEdit               bool          `koanf:"allow_edit" help:"let senders edit messages"`
	RecallWindow            time.Duration `koanf:"recall_window" help:"how long after sending a message may be recalled"`
	AllowTyping             bool          `koanf:"allow_typing" help:"relay typing statuses"`
	AllowReadDate           bool          `koanf:"allow_read_date" help:"let users set read dates"`
	NotifyContactOfReadDate bool          `koanf:"notify_contact_of_read_date" help:"tell the peer when a user reads their conversation"`
	UpdateReadDateAfterSend bool          `koanf:"update_read_date_after_send" help:"sending a message marks the conversation read"`
	NotifyGroupOfReadDate   bool          `koanf:"notify_group_of_read_date" help:"tell a group's members when one of them reads it"`
	MaxReactionsPerUser     int           `koanf:"max_reactions_per_user" help:"most reactions one user may have on one message"`
}

// PresenceConfig are online status rules.
type PresenceConfig struct {
	NotifyRelatedUsers bool `koanf:"notify_related_users" help:"relay status changes to related users too"`
}

// GroupsConfig are group rules. Group types (size limits, who may invite,
// how users join) are records, managed through the admin API.
type GroupsConfig struct {
	ActivateWhenCreated         bool          `koanf:"activate_when_created" help:"new groups are active"`
	AllowOwnerChangeType        bool          `koanf:"allow_owner_change_type" help:"let group owners move their group to another group type"`
	NotifyMembersOfMemberUpdate bool          `koanf:"notify_members_of_member_update" help:"relay member changes (name, role, mute) to the whole group"`
	InvitationTTL               time.Duration `koanf:"invitation_ttl" help:"how long a group invitation stays pending"`
	JoinRequestTTL              time.Duration `koanf:"join_request_ttl" help:"how long a group join request stays pending"`
	AllowRecallInvitation       bool          `koanf:"allow_recall_invitation" help:"let inviters, owners and managers recall pending group invitations"`
	AllowRecallJoinRequest      bool          `koanf:"allow_recall_join_request" help:"let users recall their pending group join requests"`
}

// LocationConfig are the rules of user locations and nearby-user queries.
type LocationConfig struct {
	Enabled           bool          `koanf:"enabled" help:"accept user locations and answer nearby-user queries"`
	MaxNearbyUsers    int           `koanf:"max_nearby_users" help:"most users a nearby-user query returns"`
	MaxDistanceMeters int           `koanf:"max_distance_meters" help:"largest radius of a nearby-user query, in meters"`
	TTL               time.Duration `koanf:"ttl" help:"forget a user's location not renewed for this long"`
}

// StorageConfig is the file store and its HTTP listener.
type StorageConfig struct {
	Addr              string        `koanf:"addr" help:"file upload and download listen address (empty disables storage)"`
	PublicURL         string        `koanf:"public_url" help:"base URL clients reach the file listener at (default http://<domain>:<port>)"`
	URLTTL            time.Duration `koanf:"url_ttl" help:"how long signed upload and download URLs stay valid"`
	MaxFileBytes      int64         `koanf:"max_file_bytes" help:"largest message attachment, in bytes"`
	MaxPictureBytes   int64         `koanf:"max_picture_bytes" help:"largest user or group picture, in bytes"`
	AllowedMediaTypes string        `koanf:"allowed_media_types" help:"comma-separated media types attachments may have, e.g. image/*,video/mp4 (empty allows all)"`
}

// Default returns the built-in defaults (Turms's, where Turms has one).
func Default() Config {
	return Config{
		DataDir: "./hermod-data", Domain: "localhost", NodeID: -1,
		Log:   LogConfig{Level: "info", Format: "text"},
		Store: StoreConfig{Driver: "sqlite"},
		Turms: TurmsConfig{
			TCPAddr: ":11510", WSAddr: ":10510", MaxFrameBytes: 16 << 10,
			LoginTimeout: 15 * time.Second, HeartbeatTimeout: 180 * time.Second,
			ExclusiveDeviceSessions: true, LoginFailuresPerMinute: 10,
			RequestsPerSecond: 50, RequestBurst: 100, IPRequestsPerSecond: 5000, IPRequestBurst: 10000,
			MaxSessionsPerUser: 16, SendQueue: 1024,
		},
		XMPP: XMPPConfig{
			TCPAddr: ":5222", TLSAddr: ":5223", WSAddr: ":5280", WSSAddr: ":5281", RequireTLS: true,
			MaxStanzaBytes: 256 << 10, MaxDepth: 32, NegotiationTimeout: 30 * time.Second,
			IdleTimeout: 10 * time.Minute, KeepAlive: 90 * time.Second, LoginFailuresPerMinute: 10,
			StanzasPerSecond: 50, StanzaBurst: 200, SendQueue: 1024, MaxResources: 16, DeviceType: "OTHERS", OfflineMessages: 500,
			RegistrationsPerMinute: 5, PEPMaxNodes: 100, PEPMaxItems: 256, PEPMaxItemBytes: 64 << 10, PrivateMaxBytes: 64 << 10,
			MUCHistory: 50, TypingPause: 10 * time.Second,
			BOSHMaxWait: 60 * time.Second, BOSHInactivity: 60 * time.Second, BOSHPolling: 2 * time.Second, BOSHSessionsPerMinute: 30,
			TURNCredentialTTL: 24 * time.Hour,
			SMResumeTimeout:   5 * time.Minute, SMMaxUnacked: 1000,
		},
		Admin:     AdminConfig{Addr: "127.0.0.1:8510"},
		Users:     UsersConfig{ScramIterations: 4096, PasswordMemo: 1 << 17},
		Relations: RelationsConfig{FriendRequestTTL: 30 * 24 * time.Hour, MaxContentLength: 200},
		Messages: MessagesConfig{
			MaxTextLength: 500, MaxRecordsBytes: 15 << 20, AllowStrangers: true, AllowRecall: true,
			AllowEdit: true, RecallWindow: 5 * time.Minute, AllowTyping: true, AllowReadDate: true,
			UpdateReadDateAfterSend: true, MaxReactionsPerUser: 20,
		},
		Storage:  StorageConfig{Addr: ":10530", URLTTL: 5 * time.Minute, MaxFileBytes: 10 << 20, MaxPictureBytes: 1 << 20},
		Location: LocationConfig{Enabled: true, MaxNearbyUsers: 100, MaxDistanceMeters: 10_000, TTL: time.Hour},
		Groups:   GroupsConfig{ActivateWhenCreated: true, InvitationTTL: 30 * 24 * time.Hour, JoinRequestTTL: 30 * 24 * time.Hour},
		Cluster:  ClusterConfig{Name: "hermod", NodeTTL: 10 * time.Second},
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir must be set"))
	}
	if c.NodeID < -1 || c.NodeID > 255 {
		errs = append(errs, fmt.Errorf("node_id %d is outside 0-255 (or -1 for automatic)", c.NodeID))
	}
	if c.Cluster.NATS != "" {
		if c.Store.Driver == "sqlite" {
			errs = append(errs, errors.New("cluster.nats is set but store.driver is sqlite: the nodes of a cluster share one store (store.driver = postgres)"))
		}
		if c.Cluster.NodeTTL < 2*time.Second {
			errs = append(errs, fmt.Errorf("cluster.node_ttl %v is below 2s", c.Cluster.NodeTTL))
		}
		if c.Cluster.Name == "" || strings.ContainsAny(c.Cluster.Name, ". *>") {
			errs = append(errs, fmt.Errorf("cluster.name %q must be a non-empty NATS token (no dots, spaces or wildcards)", c.Cluster.Name))
		}
	}
	switch c.Store.Driver {
	case "sqlite":
	case "postgres":
		if c.Store.PostgresDSN == "" {
			errs = append(errs, errors.New("store.postgres_dsn must be set for store.driver postgres"))
		}
	default:
		errs = append(errs, fmt.Errorf("store.driver %q is not supported (use sqlite or postgres)", c.Store.Driver))
	}
	if c.Store.PostgresMaxConns < 0 {
		errs = append(errs, errors.New("store.postgres_max_conns may not be negative"))
	}
	if c.Store.PostgresCommitters < 0 {
		errs = append(errs, errors.New("store.postgres_committers may not be negative"))
	}
	if c.Users.PasswordMemo < 0 {
		errs = append(errs, fmt.Errorf("users.password_memo %d is negative", c.Users.PasswordMemo))
	}
	if c.Users.ScramIterations < 4096 {
		errs = append(errs, fmt.Errorf("users.scram_iterations %d is below 4096", c.Users.ScramIterations))
	}
	if c.Turms.MaxFrameBytes < 64 {
		errs = append(errs, fmt.Errorf("turms.max_frame_bytes %d is too small", c.Turms.MaxFrameBytes))
	}
	if c.Turms.LoginTimeout <= 0 || c.Turms.HeartbeatTimeout <= 0 {
		errs = append(errs, errors.New("turms.login_timeout and turms.heartbeat_timeout must be positive"))
	}
	if c.Turms.SendQueue < 1 {
		errs = append(errs, errors.New("turms.send_queue must be at least 1"))
	}
	if c.XMPP.MaxStanzaBytes < 1024 || c.XMPP.MaxDepth < 4 {
		errs = append(errs, errors.New("xmpp.max_stanza_bytes must be at least 1024 and xmpp.max_depth at least 4"))
	}
	if c.Messages.MaxReactionsPerUser < 1 {
		errs = append(errs, errors.New("messages.max_reactions_per_user must be at least 1"))
	}
	if c.XMPP.PEPMaxNodes < 1 || c.XMPP.PEPMaxItems < 1 || c.XMPP.PEPMaxItemBytes < 1 || c.XMPP.PrivateMaxBytes < 1 {
		errs = append(errs, errors.New("xmpp.pep_max_nodes, xmpp.pep_max_items, xmpp.pep_max_item_bytes and xmpp.private_max_bytes must be at least 1"))
	}
	if c.XMPP.NegotiationTimeout <= 0 || c.XMPP.IdleTimeout <= 0 || c.XMPP.SendQueue < 1 {
		errs = append(errs, errors.New("xmpp.negotiation_timeout and xmpp.idle_timeout must be positive, xmpp.send_queue at least 1"))
	}
	if c.XMPP.BOSHMaxWait < 0 || c.XMPP.BOSHPolling < 0 || (c.XMPP.BOSHMaxWait > 0 && c.XMPP.BOSHInactivity < time.Second) {
		errs = append(errs, errors.New("xmpp.bosh_max_wait and xmpp.bosh_polling must not be negative, xmpp.bosh_inactivity at least 1s"))
	}
	if c.XMPP.TURNCredentialTTL < time.Second {
		errs = append(errs, errors.New("xmpp.turn_credential_ttl must be at least 1s"))
	}
	if c.XMPP.SMResumeTimeout < 0 || c.XMPP.SMMaxUnacked < 1 {
		errs = append(errs, errors.New("xmpp.sm_resume_timeout may not be negative, xmpp.sm_max_unacked must be at least 1"))
	}
	if _, ok := DeviceTypes[c.XMPP.DeviceType]; !ok {
		errs = append(errs, fmt.Errorf("xmpp.device_type %q is not one of DESKTOP, BROWSER, IOS, ANDROID, OTHERS", c.XMPP.DeviceType))
	}
	if _, err := c.ComponentSecrets(); err != nil {
		errs = append(errs, err)
	}
	if (c.XMPP.CertFile == "") != (c.XMPP.KeyFile == "") {
		errs = append(errs, errors.New("xmpp.cert_file and xmpp.key_file go together"))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q is not debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log.format %q is not text or json", c.Log.Format))
	}
	return errors.Join(errs...)
}

// ComponentSecrets parses xmpp.components: the shared secret of each
// external component (XEP-0114) by its domain, in lower case. A name
// without a dot is a subdomain of the server's domain ("bot" is
// bot.<domain>). A component may not take the server's own domain or that
// of a service the server runs itself (rooms, upload).
func (c Config) ComponentSecrets() (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(c.XMPP.Components) == "" {
		return out, nil
	}
	taken := map[string]string{strings.ToLower(c.Domain): "domain", "conference." + strings.ToLower(c.Domain): "xmpp.muc_domain",
		"upload." + strings.ToLower(c.Domain): "xmpp.upload_domain"}
	if c.XMPP.MUCDomain != "" {
		taken[strings.ToLower(c.XMPP.MUCDomain)] = "xmpp.muc_domain"
	}
	if c.XMPP.UploadDomain != "" {
		taken[strings.ToLower(c.XMPP.UploadDomain)] = "xmpp.upload_domain"
	}
	for _, entry := range strings.Split(c.XMPP.Components, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, secret, ok := strings.Cut(entry, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || secret == "" {
			return nil, fmt.Errorf("xmpp.components: %q is not domain=secret", entry)
		}
		if strings.ContainsAny(name, "@/ \t") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return nil, fmt.Errorf("xmpp.components: %q is not a domain", name)
		}
		if !strings.Contains(name, ".") {
			name += "." + strings.ToLower(c.Domain)
		}
		if what, ok := taken[name]; ok {
			return nil, fmt.Errorf("xmpp.components: %s is already the %s", name, what)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("xmpp.components: %s is listed twice", name)
		}
		out[name] = secret
	}
	return out, nil
}

// DeviceTypes are the Turms device type numbers by name.
var DeviceTypes = map[string]int32{"DESKTOP": 0, "BROWSER": 1, "IOS": 2, "ANDROID": 3, "OTHERS": 4}

// SQLitePath is the database file: store.sqlite_path, or hermod.db in the
// data directory.
func (c Config) SQLitePath() string {
	if c.Store.SQLitePath != "" {
		return c.Store.SQLitePath
	}
	return filepath.Join(c.DataDir, "hermod.db")
}
