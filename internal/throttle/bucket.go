package throttle

import "time"

// Bucket limits a session's request rate. It is used by the session's
// read loop only, so it needs no lock.
type Bucket struct {
	rate   float64 // tokens per second; 0 means unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func NewBucket(perSecond, burst int) Bucket {
	return Bucket{rate: float64(perSecond), burst: float64(burst), tokens: float64(burst)}
}

// Allow takes a token if one is left.
func (b *Bucket) Allow(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
