package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"hermod/internal/turms/pb"
)

// idle logs Sessions in and holds them for Duration. It returns how long
// they were held.
func (r *runner) idle(ctx context.Context) (time.Duration, error) {
	r.setPhase("ramp")
	t0 := time.Now()
	r.loginAll(ctx, 0, r.cfg.Sessions, func(int) func([]byte) { return nil })
	ramp := time.Since(t0)
	fmt.Fprintf(r.log, "bench: %d of %d sessions up in %.1fs\n", r.held.Load(), r.cfg.Sessions, ramp.Seconds())
	if r.noFiles.Load() {
		fmt.Fprintf(r.log, "bench: the open-file limit stopped the ramp at %d sessions\n", r.held.Load())
	}
	r.setPhase("hold")
	hold, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.keepalive(hold) }()
	<-hold.Done()
	wg.Wait()
	// logins_per_s of idle is the ramp's login rate.
	return ramp, nil
}

// loginPoolPerDialer is how many accounts per dialer the login scenario
// cycles over.
const loginPoolPerDialer = 4

// login logs in and out with Concurrency dialers for Duration.
//
// The dialers cycle over a pool of loginPoolPerDialer accounts each, and
// every account of the pool logs in once before the clock starts: a SCRAM
// client derives the salted password (PBKDF2, about a millisecond here) on
// its first login and keeps it, as real clients do, so that the timed
// logins measure the server, not the load generator's PBKDF2.
func (r *runner) login(ctx context.Context) (time.Duration, error) {
	pool := r.accts[:min(len(r.accts), loginPoolPerDialer*r.cfg.Concurrency)]
	if r.cfg.Protocol == "xmpp" && r.cfg.Mechanism != "PLAIN" {
		r.setPhase("warm-up")
		t0 := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(r.cfg.Concurrency, len(pool)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < len(pool) && !over(ctx); i = int(next.Add(1) - 1) {
					s, err := r.conn.login(ctx, pool[i], "b"+itoa(i), 0)
					if err != nil {
						r.fail(fmt.Errorf("login (warm-up): %w", err))
						continue
					}
					s.close()
				}
			}()
		}
		wg.Wait()
		fmt.Fprintf(r.log, "bench: warm-up: %d accounts logged in once in %.1fs (not counted)\n", len(pool), time.Since(t0).Seconds())
	}
	r.accts = pool
	r.setPhase("login")
	r.cpuFrom = r.markCPU()
	run, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !over(run) {
				i := int(next.Add(1) - 1)
				if r.cfg.Ramp > 0 && !sleepUntil(run, start.Add(time.Duration(float64(i)/r.cfg.Ramp*float64(time.Second)))) {
					return
				}
				s, err := r.loginOne(run, r.accts[i%len(r.accts)], i)
				if err != nil {
					if !over(run) {
						r.fail(fmt.Errorf("login: %w", err))
					}
					if r.noFiles.Load() {
						return
					}
					continue
				}
				s.close()
			}
		}()
	}
	wg.Wait()
	r.cpuTo = r.markCPU()
	return time.Since(start), nil
}

// chat runs Pairs pairs of sessions sending each other messages.
func (r *runner) chat(ctx context.Context) (time.Duration, error) {
	cfg := r.cfg
	r.flows = make([]*flow, cfg.Pairs)
	for i := range r.flows {
		r.flows[i] = newFlow(cfg.Window, 1)
	}
	r.fanout = 1
	r.setPhase("login")
	ss := r.loginAll(ctx, 0, 2*cfg.Pairs, func(int) func([]byte) { return r.onDelivery(-1) })
	var senders []sender
	for p := range cfg.Pairs {
		a, b := ss[2*p], ss[2*p+1]
		if a == nil || b == nil {
			continue
		}
		ends := [2]session{a, b}
		dests := [2]*dest{chatDest(cfg, r.accts[(2*p+1)%len(r.accts)]), chatDest(cfg, r.accts[(2*p)%len(r.accts)])}
		senders = append(senders, func(ctx context.Context, start time.Time) {
			r.sendLoop(ctx, p, len(senders), start, func(n int) (session, *dest) { return ends[n%2], dests[n%2] })
		})
	}
	if len(senders) == 0 {
		return 0, errors.New("no pair could log in")
	}
	return r.drive(ctx, senders)
}

// group runs Senders members of one group sending to it, with Online
// members logged in. Turms: a group of Members (created for the run).
// XMPP: the MUC room --room, which the Online sessions join (Members does
// not apply: a room's audience is its occupants).
func (r *runner) group(ctx context.Context) (time.Duration, error) {
	cfg := r.cfg
	need := cfg.Members
	if cfg.Protocol == "xmpp" && cfg.Room != "" {
		need = cfg.Online
	}
	if len(r.accts) < need {
		return 0, fmt.Errorf("group needs %d accounts, there are %d", need, len(r.accts))
	}
	onBody := func(i int) func([]byte) {
		if i < cfg.Senders {
			return r.onDelivery(i)
		}
		return r.onDelivery(-1)
	}
	var to *dest
	var ss []session
	if cfg.Protocol == "xmpp" {
		room := cfg.Room
		if room == "" {
			// hermod: the group, made over Turms, is the room <id>@<MUC service>.
			gid, err := r.makeGroup(ctx)
			if err != nil {
				return 0, fmt.Errorf("creating the group: %w", err)
			}
			room = strconv.FormatInt(gid, 10) + "@" + cfg.MUCDomain
		}
		fmt.Fprintf(r.log, "bench: room %s\n", room)
		to = &dest{xmppPrefix: xmppChatPrefix("groupchat", room)}
		r.afterLogin = func(i int, s session) error {
			return s.(*xmppClient).joinRoom(room, "b"+itoa(i), cfg.Timeout)
		}
		r.setPhase("login")
		// The first occupant alone, so that it creates (and unlocks) the
		// room before the others knock.
		first := r.loginAll(ctx, 0, 1, onBody)
		if first[0] == nil {
			why := "it could not log in"
			if e := r.errs.list(); len(e) > 0 {
				why = e[0]
			}
			return 0, fmt.Errorf("the first occupant could not join %s: %s", room, why)
		}
		ss = r.loginAll(ctx, 1, cfg.Online, onBody)
		ss[0] = first[0]
	} else {
		gid, err := r.makeGroup(ctx)
		if err != nil {
			return 0, fmt.Errorf("creating the group: %w", err)
		}
		to = &dest{id: gid, group: true}
		r.setPhase("login")
		ss = r.loginAll(ctx, 0, cfg.Online, onBody)
	}
	// Each message is for every member that is online, but its sender.
	r.fanout = -1
	for _, s := range ss {
		if s != nil {
			r.fanout++
		}
	}
	r.flows = make([]*flow, cfg.Senders)
	for i := range r.flows {
		r.flows[i] = newFlow(cfg.Window, r.fanout)
	}
	var senders []sender
	for i := range cfg.Senders {
		if ss[i] == nil {
			continue
		}
		senders = append(senders, func(ctx context.Context, start time.Time) {
			r.sendLoop(ctx, i, len(senders), start, func(int) (session, *dest) { return ss[i], to })
		})
	}
	if len(senders) == 0 {
		return 0, errors.New("no sender could log in")
	}
	return r.drive(ctx, senders)
}

// makeGroup creates the group, owned by the first account, with the first
// Members accounts in it, and returns its id. With the admin API it makes
// a group type that holds Members and lets the owner add them at once;
// without it the group has the default type (at most 500 members), whose
// members must accept an invitation, so each logs in once to accept.
func (r *runner) makeGroup(ctx context.Context) (int64, error) {
	cfg := r.cfg
	var typeID *int64
	if cfg.Provision != "" {
		id, err := newAdmin(cfg.Provision, cfg.AdminToken).createGroupType(ctx, cfg.Members)
		if err != nil {
			return 0, err
		}
		typeID = &id
	} else if cfg.Members > defaultGroupSize {
		return 0, fmt.Errorf("a group of more than %d members needs a group type that holds it: give --provision and an admin token", defaultGroupSize)
	}
	td := r.groupDialer()
	owner, err := td.login(ctx, r.accts[0])
	if err != nil {
		return 0, fmt.Errorf("owner login: %w", err)
	}
	defer owner.close()
	if owner.tcp != nil {
		owner.tcp.SetDeadline(time.Now().Add(setupAllowance))
	}
	ask := func(c *turmsClient, req *pb.TurmsRequest) (*pb.TurmsNotification, error) {
		n, err := c.request(ctx, req)
		if err == nil && n.GetCode() != codeOK {
			err = fmt.Errorf("%T: code %d %s", req.Kind, n.GetCode(), n.GetReason())
		}
		return n, err
	}
	n, err := ask(owner, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupRequest{CreateGroupRequest: &pb.CreateGroupRequest{
		Name: "bench", TypeId: typeID,
	}}})
	if err != nil {
		return 0, err
	}
	gid := n.GetData().GetLong()
	if typeID != nil {
		const batch = 500
		for i := 1; i < cfg.Members; i += batch {
			ids := make([]int64, 0, batch)
			for j := i; j < min(i+batch, cfg.Members); j++ {
				ids = append(ids, r.accts[j].id)
			}
			if _, err := ask(owner, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupMembersRequest{CreateGroupMembersRequest: &pb.CreateGroupMembersRequest{
				GroupId: gid, UserIds: ids,
			}}}); err != nil {
				return 0, err
			}
		}
	} else if err := r.inviteMembers(ctx, td, owner, gid, ask); err != nil {
		return 0, err
	}
	fmt.Fprintf(r.log, "bench: group %d with %d members\n", gid, cfg.Members)
	return gid, nil
}

// groupDialer is the Turms dialer that creates the group: the run's own,
// or, for the xmpp group scenario on hermod, one to --turms-target.
func (r *runner) groupDialer() *turmsDialer {
	if r.conn.t != nil {
		return r.conn.t
	}
	tc := *r.cfg
	tc.Protocol, tc.Transport, tc.Target = "turms", "tcp", r.cfg.TurmsTarget
	return newTurmsDialer(&tc, r.dialer)
}

// defaultGroupSize is the size limit of Turms's default group type.
const defaultGroupSize = 500

// inviteMembers invites every member and has each accept.
func (r *runner) inviteMembers(ctx context.Context, td *turmsDialer, owner *turmsClient, gid int64, ask func(*turmsClient, *pb.TurmsRequest) (*pb.TurmsNotification, error)) error {
	invitations := make([]int64, r.cfg.Members)
	for j := 1; j < r.cfg.Members; j++ {
		n, err := ask(owner, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupInvitationRequest{CreateGroupInvitationRequest: &pb.CreateGroupInvitationRequest{
			GroupId: gid, InviteeId: r.accts[j].id, Content: "bench",
		}}})
		if err != nil {
			return err
		}
		invitations[j] = n.GetData().GetLong()
	}
	var next atomic.Int64
	next.Store(1)
	var wg sync.WaitGroup
	errs := make(chan error, r.cfg.Concurrency)
	for range r.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1) - 1)
				if j >= r.cfg.Members || ctx.Err() != nil {
					return
				}
				m, err := td.login(ctx, r.accts[j])
				if err == nil {
					_, err = ask(m, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupInvitationRequest{UpdateGroupInvitationRequest: &pb.UpdateGroupInvitationRequest{
						InvitationId: invitations[j], ResponseAction: pb.ResponseAction_ACCEPT,
					}}})
					m.close()
				}
				if err != nil {
					errs <- fmt.Errorf("member %s accepting: %w", r.accts[j].user, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// onDelivery returns the body handler of a session; self is the flow the
// session sends on (its own group messages are not deliveries), or -1.
func (r *runner) onDelivery(self int) func([]byte) {
	return func(b []byte) {
		f, slot, sent, ok := parseBody(b, r.marker)
		if !ok || f == self || f < 0 || f >= len(r.flows) {
			return
		}
		r.msgLat.record(r.now() - sent)
		r.delivered.Add(1)
		r.flows[f].delivered(slot)
	}
}

// sender sends on one flow until ctx ends; start is when sending began.
type sender func(ctx context.Context, start time.Time)

// drive runs the senders for Duration, then waits up to Drain for the
// messages in flight. It returns the sending time.
func (r *runner) drive(ctx context.Context, senders []sender) (time.Duration, error) {
	r.setPhase("send")
	r.cpuFrom = r.markCPU()
	start := time.Now()
	run, cancel := context.WithDeadline(ctx, start.Add(r.cfg.Duration))
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() { defer wg.Done(); s(run, start) }()
	}
	// Receivers that only listen would look idle to the server.
	kctx, kcancel := context.WithCancel(ctx)
	var kwg sync.WaitGroup
	kwg.Add(1)
	go func() { defer kwg.Done(); r.keepalive(kctx) }()
	defer func() { kcancel(); kwg.Wait() }()
	sendersDone := make(chan struct{})
	go func() { wg.Wait(); close(sendersDone) }()
	aborted := false
	select {
	case <-sendersDone:
	case <-run.Done():
		// A sender stuck writing to a server that stopped reading would
		// hold the run forever: closing the connections frees it.
		select {
		case <-sendersDone:
		case <-time.After(stuckGrace):
			fmt.Fprintf(r.log, "bench: senders still stuck writing %s after the end: closing the sessions\n", stuckGrace)
			r.abortAll()
			<-sendersDone
			aborted = true
		}
	}
	elapsed := time.Since(start)
	r.cpuTo = r.markCPU()
	r.deliveredInWindow = r.delivered.Load()
	r.setPhase("drain")
	want := r.sent.Load() * int64(r.fanout)
	deadline := time.Now().Add(r.cfg.Drain)
	for !aborted && r.delivered.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	return elapsed, nil
}

// stuckGrace is how long senders may stay in a write after the sending
// time is over before their connections are closed under them.
var stuckGrace = 10 * time.Second

// sendLoop sends on flow f until ctx ends: as fast as the window allows,
// or, with Rate, on a schedule shared by all nFlows flows. pick gives the
// session and destination of the n-th message.
func (r *runner) sendLoop(ctx context.Context, f, nFlows int, start time.Time, pick func(n int) (session, *dest)) {
	fl := r.flows[f]
	var interval, offset time.Duration
	if r.cfg.Rate > 0 {
		interval = time.Duration(float64(nFlows) / r.cfg.Rate * float64(time.Second))
		offset = time.Duration(float64(f) / r.cfg.Rate * float64(time.Second))
	}
	var body []byte
	// One timer for the whole loop: the pace costs no allocation a message.
	tm := time.NewTimer(time.Hour)
	defer tm.Stop()
	for n := 0; !over(ctx); n++ {
		var sent time.Duration
		if interval > 0 {
			// The time stamp is the scheduled time, not the actual one:
			// a server that stalls the sender is charged for the wait
			// (no coordinated omission).
			at := start.Add(offset + time.Duration(n)*interval)
			if d := time.Until(at); d > 0 {
				tm.Reset(d)
				select {
				case <-tm.C:
				case <-ctx.Done():
					return
				}
			}
			sent = at.Sub(r.epoch)
		}
		slot, ok := fl.acquire(ctx)
		if !ok {
			return
		}
		if interval == 0 {
			sent = r.now()
		}
		s, to := pick(n)
		body = appendBody(body[:0], r.marker, f, slot, sent, r.cfg.BodySize)
		if err := s.sendBody(to, body); err != nil {
			if !r.closing.Load() {
				r.fail(fmt.Errorf("send: %w", err))
			}
			return
		}
		r.sent.Add(1)
	}
}
