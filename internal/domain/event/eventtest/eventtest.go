// Package eventtest makes domain events for tests of the event codec and
// of the adapters' renderers: one payload of each type, with every field
// set.
package eventtest

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"hermod/internal/domain/event"
)

// Payloads returns one zero payload of each type, as the domain publishes
// them (pointers). The event package's tests check that it lists every
// payload type the package declares.
func Payloads() []any {
	return []any{
		&event.MessageCreated{}, &event.MessageUpdated{}, &event.TypingStatus{},
		&event.FriendRequestCreated{}, &event.FriendRequestRecalled{}, &event.FriendRequestReplied{},
		&event.RelationshipChanged{}, &event.RelationshipGroupsChanged{}, &event.UserInfoUpdated{},
		&event.OnlineStatusUpdated{}, &event.Relayed{}, &event.ReadDateUpdated{}, &event.SessionKicked{},
		&event.GroupCreated{}, &event.GroupUpdated{}, &event.GroupDeleted{}, &event.GroupMembersAdded{},
		&event.GroupMembersRemoved{}, &event.GroupMemberUpdated{}, &event.GroupBlocklistChanged{},
		&event.GroupInvitationChanged{}, &event.GroupJoinRequestChanged{}, &event.SettingsChanged{},
		&event.ReactionsChanged{},
	}
}

// Fill says how New sets a payload's fields.
type Fill int

const (
	// Full sets every field, recursively, to a distinct non-zero value, so
	// that a field a codec forgets (one added to a store record later, say)
	// shows in a round trip.
	Full Fill = iota
	// Zero leaves every field zero (and every slice and map nil).
	Zero
	// EmptyLists is Full with every slice and map empty but not nil.
	EmptyLists
)

// New returns a new payload of the type of like (a pointer), filled as f
// says.
func New(tb testing.TB, like any, f Fill) any {
	tb.Helper()
	v := reflect.New(reflect.TypeOf(like).Elem())
	if f != Zero {
		(&filler{tb: tb, emptyLists: f == EmptyLists}).fill(v.Elem())
	}
	return v.Interface()
}

// Name returns the name of a payload's type.
func Name(p any) string { return reflect.TypeOf(p).Elem().Name() }

type filler struct {
	tb         testing.TB
	n          int64
	emptyLists bool
}

func (f *filler) fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		f.n++
		switch f.n % 3 { // short and long varints, negative too
		case 0:
			v.SetInt(f.n)
		case 1:
			v.SetInt(-f.n * 1_000_000_007)
		default:
			v.SetInt(math.MaxInt64 - f.n)
		}
	case reflect.Int32:
		f.n++
		switch f.n % 3 {
		case 0:
			v.SetInt(f.n)
		case 1:
			v.SetInt(-f.n * 1000)
		default:
			v.SetInt(math.MaxInt32 - f.n)
		}
	case reflect.String:
		f.n++
		v.SetString(fmt.Sprintf("s%d é <&>", f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if f.emptyLists {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			f.n++
			v.SetBytes(fmt.Appendf(nil, `{"b":%d}`, f.n))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 3, 3))
		for i := range v.Len() {
			f.fill(v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		if f.emptyLists {
			return
		}
		for range 3 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k)
			f.fill(e)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	default:
		f.tb.Fatalf("eventtest has no value for a %s (%s): teach it one", v.Kind(), v.Type())
	}
}
