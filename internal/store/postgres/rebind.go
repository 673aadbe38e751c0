package postgres

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The shared SQL (package sqlrepo) uses ? placeholders; PostgreSQL wants
// $1, $2, ... A statement's text is rewritten once and the result kept, so
// that a hot statement costs a map lookup, not a scan.

// maxRebound bounds the cache: texts that vary without end (an IN list of
// every length, a client's LIMIT) are rewritten each time once it is full.
const maxRebound = 4096

type rebinder struct {
	cache sync.Map // string -> string
	n     atomic.Int64
}

func (r *rebinder) rebind(query string) string {
	if v, ok := r.cache.Load(query); ok {
		return v.(string)
	}
	out := rebind(query)
	if r.n.Load() < maxRebound {
		if _, loaded := r.cache.LoadOrStore(query, out); !loaded {
			r.n.Add(1)
		}
	}
	return out
}

// rebind replaces each ? outside quoted text ('...', "...") and comments
// (-- to the end of the line, /* ... */) by $n, counting from 1.
func rebind(query string) string {
	if strings.IndexByte(query, '?') < 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case c == '\'' || c == '"':
			// A doubled quote inside is an escaped quote: the scan leaves
			// and re-enters the quoted text, which comes to the same.
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
			continue
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
			continue
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+4])
			i += j + 3
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
