package api

import (
	"sync"
	"time"

	"kassa/internal/store"
)

// keyCacheTTL is how long a key found in the store is trusted without
// asking again. Keys and accounts never change once created today; the
// bound is for when they can be revoked: a revoked key would keep working
// on an instance for at most this long.
const keyCacheTTL = 10 * time.Second

// keyCache remembers the account of each API key recently used, so a
// request does not open a read transaction just to authenticate (a tenth
// of a create+confirm's server time on SQLite). Only keys that exist are
// kept: the cache holds at most one entry per stored key.
type keyCache struct{ entries sync.Map } // key hash → cachedKey

type cachedKey struct {
	account store.Account
	key     store.APIKey
	expires time.Time
}

func (c *keyCache) get(hash string, now time.Time) (cachedKey, bool) {
	v, ok := c.entries.Load(hash)
	if !ok {
		return cachedKey{}, false
	}
	e := v.(cachedKey)
	if now.After(e.expires) {
		c.entries.Delete(hash)
		return cachedKey{}, false
	}
	return e, true
}

func (c *keyCache) put(hash string, a store.Account, k store.APIKey, now time.Time) {
	c.entries.Store(hash, cachedKey{account: a, key: k, expires: now.Add(keyCacheTTL)})
}
