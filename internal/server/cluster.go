package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"hermod/internal/cluster"
	"hermod/internal/config"
	"hermod/internal/router"
	"hermod/internal/xmpp"
)

// groupTopic is the invalidation topic of group caches: a node that
// changes a group tells the others to drop their copy.
const groupTopic = "group"

// userTopic and relationTopic are those of the account and relationship
// caches (whether an account is active; whom a user blocked), by user id.
const (
	userTopic     = "user"
	relationTopic = "relation"
)

// joinCluster makes the node a cluster member when cluster.nats is set,
// and settles the node id: the configured one, leased from the cluster
// when it is -1, or 0 for a node on its own.
func joinCluster(cfg config.Config, log *slog.Logger) (*cluster.Node, int, error) {
	if cfg.Cluster.NATS == "" {
		id := max(cfg.NodeID, 0)
		router.SetNode(id)
		return nil, id, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Cluster.NodeTTL+30*time.Second)
	defer cancel()
	node, err := cluster.Join(ctx, cluster.Options{
		URL: cfg.Cluster.NATS, Name: cfg.Cluster.Name, NodeID: cfg.NodeID, NodeTTL: cfg.Cluster.NodeTTL, Log: log,
	})
	if err != nil {
		return nil, 0, err
	}
	router.SetNode(node.ID())
	log.Info("joined the cluster", "node_id", node.ID(), "nats", cfg.Cluster.NATS)
	return node, node.ID(), nil
}

// Lost is closed when the node must stop because another process took its
// node id (never, for a node on its own).
func (s *Server) Lost() <-chan struct{} {
	if s.cluster == nil {
		return nil
	}
	return s.cluster.Lost()
}

// NodeID is the id this node makes ids with.
func (s *Server) NodeID() int { return s.nodeID }

// Cluster returns the node's cluster membership, nil for a node on its own.
func (s *Server) Cluster() *cluster.Node { return s.cluster }

func (s *Server) attachCluster() error {
	if s.cluster == nil {
		return nil
	}
	s.cluster.Handle(groupTopic, s.groups.Forget)
	s.cluster.Handle(userTopic, s.users.Invalidate)
	s.cluster.Handle(relationTopic, s.rels.Invalidate)
	s.cluster.Handle(xmpp.TopicPush, func(id int64) { s.xmpp.Forget(xmpp.TopicPush, id) })
	if err := s.cluster.Attach(s.router); err != nil {
		return fmt.Errorf("joining the cluster's routing: %w", err)
	}
	return nil
}

// LeaseNodeID settles the node id for a process that makes ids without
// serving (the user commands): in a cluster it holds a leased id until
// release is called, so that its ids do not collide with a node's.
func LeaseNodeID(cfg config.Config, log *slog.Logger) (id int, release func(), err error) {
	node, id, err := joinCluster(cfg, log)
	if err != nil {
		return 0, nil, err
	}
	if node == nil {
		return id, func() {}, nil
	}
	return id, func() { node.Close() }, nil
}
