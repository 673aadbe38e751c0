package server

import (
	"context"
	"sync/atomic"

	"hermod/internal/domain/event"
)

// watchedPublisher publishes events through the router, then shows them to
// a watcher: the XMPP adapter sends push notifications (XEP-0357) for
// messages that reached no session that would show them. The watcher is
// set once the adapter exists, after the services that publish.
type watchedPublisher struct {
	event.Publisher
	watcher atomic.Pointer[func(context.Context, []int64, *event.Event)]
}

func (p *watchedPublisher) watch(fn func(context.Context, []int64, *event.Event)) {
	p.watcher.Store(&fn)
}

func (p *watchedPublisher) Publish(ctx context.Context, to []int64, ev *event.Event) {
	p.Publisher.Publish(ctx, to, ev)
	if fn := p.watcher.Load(); fn != nil {
		(*fn)(ctx, to, ev)
	}
}
