// Package nearby answers "who is near me": an in-memory index of where
// online users last said they were, bucketed on a grid of cells about
// 10 km wide so that a query looks only at the cells around it. Locations
// are not durable (as in Turms, where they live in Redis): they vanish
// when the user goes offline or after a time to live.
package nearby

import (
	"math"
	"sort"
	"sync"

	"hermod/internal/domain"
	"hermod/internal/status"
)

// Options are Turms's location settings.
type Options struct {
	Enabled bool
	// DefaultMaxCount and MaxCount bound how many users a query returns.
	DefaultMaxCount, MaxCount int
	// DefaultMaxDistanceMeters and MaxDistanceMeters bound its radius.
	DefaultMaxDistanceMeters, MaxDistanceMeters int
	// TTLMillis forgets a location not renewed for this long.
	TTLMillis int64
}

// DefaultOptions are Turms's defaults (and a one-hour time to live).
func DefaultOptions() Options {
	return Options{
		Enabled: true, DefaultMaxCount: 20, MaxCount: 100,
		DefaultMaxDistanceMeters: 10_000, MaxDistanceMeters: 10_000, TTLMillis: 3600_000,
	}
}

// Directory tells whether users are online (the router).
type Directory interface {
	Status(userID int64) (status int32, deviceTypes []int32)
}

// offline is the Turms OFFLINE status.
const offline = 1

// Location is where a user is.
type Location struct {
	UserID              int64
	Latitude, Longitude float32
	Timestamp           int64
	Details             map[string]string
}

// Nearby is a user found near a point.
type Nearby struct {
	Location
	DistanceMeters int32
}

const cellDegrees = 0.1 // about 11 km of latitude

type cell struct{ lat, lon int32 }

func cellOf(lat, lon float64) cell {
	return cell{int32(math.Floor(lat / cellDegrees)), int32(math.Floor(lon / cellDegrees))}
}

// Index is the location index; safe for concurrent use.
type Index struct {
	opts Options
	dir  Directory

	mu     sync.Mutex
	users  map[int64]*Location
	cells  map[cell]map[int64]*Location
	cellOf map[int64]cell
}

// New returns an empty index.
func New(dir Directory, opts Options) *Index {
	return &Index{opts: opts, dir: dir, users: map[int64]*Location{}, cells: map[cell]map[int64]*Location{}, cellOf: map[int64]cell{}}
}

func validCoordinates(lat, lon float32) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !math.IsNaN(float64(lat)) && !math.IsNaN(float64(lon))
}

// Update records where a user is now.
func (x *Index) Update(userID int64, lat, lon float32, details map[string]string) error {
	if !x.opts.Enabled {
		return domain.Refuse(status.UserLocationRelatedFeaturesAreDisabled)
	}
	if !validCoordinates(lat, lon) {
		return domain.Errorf(status.IllegalArgument, "latitude must be within ±90 and longitude within ±180")
	}
	loc := &Location{UserID: userID, Latitude: lat, Longitude: lon, Timestamp: domain.Now(), Details: details}
	c := cellOf(float64(lat), float64(lon))
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(userID)
	x.users[userID] = loc
	x.cellOf[userID] = c
	if x.cells[c] == nil {
		x.cells[c] = map[int64]*Location{}
	}
	x.cells[c][userID] = loc
	return nil
}

// Remove forgets a user's location.
func (x *Index) Remove(userID int64) {
	x.mu.Lock()
	x.removeLocked(userID)
	x.mu.Unlock()
}

func (x *Index) removeLocked(userID int64) {
	c, ok := x.cellOf[userID]
	if !ok {
		return
	}
	delete(x.users, userID)
	delete(x.cellOf, userID)
	delete(x.cells[c], userID)
	if len(x.cells[c]) == 0 {
		delete(x.cells, c)
	}
}

// Query returns the online users within maxDistance meters of a point,
// nearest first, at most maxCount, leaving out the requester. Zero limits
// take the defaults; larger ones are capped.
func (x *Index) Query(requesterID int64, lat, lon float32, maxCount, maxDistance int) ([]Nearby, error) {
	if !x.opts.Enabled {
		return nil, domain.Refuse(status.UserLocationRelatedFeaturesAreDisabled)
	}
	if !validCoordinates(lat, lon) {
		return nil, domain.Errorf(status.IllegalArgument, "latitude must be within ±90 and longitude within ±180")
	}
	if maxCount <= 0 {
		maxCount = x.opts.DefaultMaxCount
	}
	maxCount = min(maxCount, x.opts.MaxCount)
	if maxDistance <= 0 {
		maxDistance = x.opts.DefaultMaxDistanceMeters
	}
	maxDistance = min(maxDistance, x.opts.MaxDistanceMeters)

	// The cells a circle of maxDistance can touch: latitude degrees are
	// ~111 km everywhere, longitude degrees shrink towards the poles.
	dLat := float64(maxDistance) / 111_000
	dLon := dLat / math.Max(math.Cos(float64(lat)*math.Pi/180), 0.01)
	lo, hi := cellOf(float64(lat)-dLat, float64(lon)-dLon), cellOf(float64(lat)+dLat, float64(lon)+dLon)
	stale := domain.Now() - x.opts.TTLMillis

	var found []Nearby
	var expired []int64
	x.mu.Lock()
	for cl := lo.lat; cl <= hi.lat; cl++ {
		for cn := lo.lon; cn <= hi.lon; cn++ {
			for id, loc := range x.cells[cell{cl, cn}] {
				if id == requesterID {
					continue
				}
				if loc.Timestamp < stale {
					expired = append(expired, id)
					continue
				}
				d := distance(float64(lat), float64(lon), float64(loc.Latitude), float64(loc.Longitude))
				if d <= float64(maxDistance) {
					found = append(found, Nearby{Location: *loc, DistanceMeters: int32(d)})
				}
			}
		}
	}
	for _, id := range expired {
		x.removeLocked(id)
	}
	x.mu.Unlock()

	online := found[:0]
	for _, n := range found {
		if st, _ := x.dir.Status(n.UserID); st != offline {
			online = append(online, n)
		} else {
			x.Remove(n.UserID)
		}
	}
	sort.Slice(online, func(i, j int) bool {
		if online[i].DistanceMeters != online[j].DistanceMeters {
			return online[i].DistanceMeters < online[j].DistanceMeters
		}
		return online[i].UserID < online[j].UserID
	})
	if len(online) > maxCount {
		online = online[:maxCount]
	}
	if len(online) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return online, nil
}

// distance is the great-circle distance in meters (haversine).
func distance(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6_371_000
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
