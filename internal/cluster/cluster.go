// Package cluster makes hermod nodes one service over NATS: events reach
// users' sessions on whichever nodes hold them, a registry in JetStream
// key-value buckets says who is online on which device, and node ids are
// leased so that the ids a node makes are unique across the cluster.
//
// Routing is by subject interest: a node subscribes to a user's subject
// while it holds a session of that user, and an event for a user is
// published once to that subject; NATS carries it to the nodes that are
// interested and nowhere else. No node keeps a copy of the whole registry:
// it reads the few records it needs (a user's status, the sessions a login
// conflicts with) when it needs them.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hermod/internal/router"
)

// Options configure a node's membership.
type Options struct {
	// URL is the NATS server (or comma-separated servers of a NATS cluster).
	URL string
	// Name prefixes every subject and bucket, so that several hermod
	// clusters can share one NATS. Default "hermod".
	Name string
	// NodeID is this node's id, 0-255; negative leases a free one.
	NodeID int
	// NodeTTL is how long a node that stopped heartbeating still counts as
	// alive: its sessions leave the registry within about this long after
	// it dies. Default 10s.
	NodeTTL time.Duration
	// Log receives the cluster's warnings.
	Log *slog.Logger
}

func (o *Options) defaults() {
	if o.Name == "" {
		o.Name = "hermod"
	}
	if o.NodeTTL <= 0 {
		o.NodeTTL = 10 * time.Second
	}
	if o.NodeTTL < 2*time.Second {
		o.NodeTTL = 2 * time.Second // JetStream's minimum bucket TTL is above its duplicate window
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Node is this process's membership in the cluster. Its methods are safe
// for concurrent use.
type Node struct {
	opts     Options
	nc       *nats.Conn
	nodes    jetstream.KeyValue // node id -> boot id, expiring after NodeTTL
	sessions jetstream.KeyValue // user id -> record
	id       int
	boot     uint64 // tells this run of node id apart from earlier ones
	leaseRev uint64 // revision of our lease entry, for compare-and-set
	router   *router.Router
	live     liveness

	mu       sync.Mutex
	subs     map[int64]*userSub // users with sessions here, and their subjects
	handlers map[string]func(int64)

	counters

	inbox   chan *nats.Msg
	stop    chan struct{}
	stopped sync.WaitGroup
	lost    chan struct{} // closed when the lease was taken over
	closed  bool
}

type userSub struct {
	sub  *nats.Subscription
	refs int
}

// inboxSize bounds the events from other nodes waiting to be delivered
// here; beyond it NATS drops them (a slow consumer), as a session's own
// queue drops a client that does not read.
const inboxSize = 1 << 16

// Join connects to NATS, makes sure the buckets exist and leases a node
// id. The node takes part in routing only after Attach.
func Join(ctx context.Context, opts Options) (*Node, error) {
	opts.defaults()
	n := &Node{opts: opts, subs: map[int64]*userSub{}, handlers: map[string]func(int64){},
		inbox: make(chan *nats.Msg, inboxSize), stop: make(chan struct{}), lost: make(chan struct{})}
	n.live.init()
	var b [8]byte
	rand.Read(b[:])
	n.boot = binary.LittleEndian.Uint64(b[:]) | 1 // never 0
	nc, err := nats.Connect(opts.URL,
		nats.Name("hermod"),
		nats.NoEcho(), // this node delivers its own events directly
		nats.MaxReconnects(-1),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			opts.Log.Warn("cluster: NATS", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: connecting to NATS at %s: %w", opts.URL, err)
	}
	n.nc = nc
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if n.nodes, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: opts.Name + "_nodes", Description: "hermod nodes alive, by id",
		TTL: opts.NodeTTL, History: 1, Storage: jetstream.MemoryStorage,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: the nodes bucket: %w", err)
	}
	if n.sessions, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: opts.Name + "_sessions", Description: "hermod sessions online, by user id",
		History: 1, Storage: jetstream.MemoryStorage,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: the sessions bucket: %w", err)
	}
	if err := n.lease(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return n, nil
}

// ID is the node id this node holds.
func (n *Node) ID() int { return n.id }

// Lost is closed when another process took this node's id over (this node
// failed to heartbeat for longer than the TTL): ids it makes from then on
// may collide, so the node must stop.
func (n *Node) Lost() <-chan struct{} { return n.lost }

// Handle registers fn for invalidations broadcast under topic (see
// Broadcast). Call it before Attach.
func (n *Node) Handle(topic string, fn func(id int64)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.handlers[topic] = fn
}

// Broadcast tells every other node that the thing id of topic changed
// (e.g. a group, so that they drop it from their caches).
func (n *Node) Broadcast(topic string, id int64) {
	var b [binary.MaxVarintLen64]byte
	err := n.nc.Publish(n.subject("inv", topic), b[:binary.PutVarint(b[:], id)])
	if err == nil {
		// Out now, not with the next batch: the change's requester may
		// turn to another node as soon as it is answered.
		err = n.nc.FlushTimeout(time.Second)
	}
	if err != nil {
		n.opts.Log.Warn("cluster: broadcasting an invalidation", "topic", topic, "err", err)
	}
}

// Attach makes r this node's router in the cluster and starts routing:
// r publishes to other nodes through n, and events for r's users arrive.
func (n *Node) Attach(r *router.Router) error {
	n.router = r
	r.Join(n)
	if _, err := n.nc.Subscribe(n.subject("node", strconv.Itoa(n.id)), n.onNodeMsg); err != nil {
		return err
	}
	n.mu.Lock()
	topics := make([]string, 0, len(n.handlers))
	for t := range n.handlers {
		topics = append(topics, t)
	}
	n.mu.Unlock()
	for _, t := range topics {
		if _, err := n.nc.Subscribe(n.subject("inv", t), n.onInvalidation); err != nil {
			return err
		}
	}
	if err := n.nc.Flush(); err != nil {
		return err
	}
	n.live.set(n.id, n.boot, time.Now())
	watcher, err := n.nodes.WatchAll(context.Background())
	if err != nil {
		return fmt.Errorf("cluster: watching the nodes: %w", err)
	}
	n.stopped.Add(3)
	go n.dispatch()
	go n.heartbeat()
	go n.watchNodes(watcher)
	return nil
}

// Close leaves the cluster: it stops routing, gives the node id back and
// closes the connection. Sessions should have unregistered before.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	close(n.stop)
	n.stopped.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := n.nodes.Delete(ctx, strconv.Itoa(n.id), jetstream.LastRevision(n.leaseRev))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		err = nil // someone else holds it now
	}
	n.nc.Close()
	return err
}

// subject builds "<name>.<kind>.<id>".
func (n *Node) subject(kind, id string) string {
	return n.opts.Name + "." + kind + "." + id
}

func (n *Node) userSubject(userID int64) string {
	return n.subject("u", strconv.FormatInt(userID, 10))
}

func (n *Node) onInvalidation(m *nats.Msg) {
	topic := m.Subject[len(n.opts.Name)+len(".inv."):]
	id, k := binary.Varint(m.Data)
	if k <= 0 {
		return
	}
	n.mu.Lock()
	fn := n.handlers[topic]
	n.mu.Unlock()
	if fn != nil {
		fn(id)
	}
}
