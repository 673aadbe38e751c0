// Package cache keeps the results of store reads that every message
// repeats (is the recipient an active account, has one user blocked the
// other), so that a chat message costs no read of the store beyond its own
// insert.
//
// A cache never expires entries by time: whoever changes what an entry was
// read from calls Invalidate with its key after the change is committed. In
// a cluster a change made on another node must reach this node's Invalidate
// too (the services that own a cache export it for that). A read racing
// with an invalidation is not kept: every Invalidate moves an epoch, and a
// value read before the epoch moved is returned to its caller but not
// stored, so a cache never holds a value older than the last invalidation
// of its key.
package cache

import "sync"

// Cache maps keys to values loaded on a miss. When full, a new entry
// replaces an arbitrary one.
type Cache[K comparable, V any] struct {
	mu    sync.RWMutex
	m     map[K]V
	epoch uint64
	max   int
}

// New returns a cache of at most size entries (at least 1).
func New[K comparable, V any](size int) *Cache[K, V] {
	return &Cache[K, V]{m: map[K]V{}, max: max(size, 1)}
}

// Get returns the value of k, loading and keeping it on a miss. An error of
// load is returned and nothing is kept.
func (c *Cache[K, V]) Get(k K, load func() (V, error)) (V, error) {
	c.mu.RLock()
	v, ok := c.m[k]
	epoch := c.epoch
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.epoch == epoch {
		if len(c.m) >= c.max {
			for old := range c.m { // an arbitrary entry: map order is random
				delete(c.m, old)
				break
			}
		}
		c.m[k] = v
	}
	c.mu.Unlock()
	return v, nil
}

// Invalidate drops k, and keeps no value of k read before this call.
func (c *Cache[K, V]) Invalidate(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.epoch++
	c.mu.Unlock()
}

// Len returns the number of entries held.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
