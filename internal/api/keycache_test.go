package api

import (
	"testing"
	"time"

	"kassa/internal/store"
)

func TestKeyCacheKeepsAKeyForItsTTL(t *testing.T) {
	var c keyCache
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	if _, ok := c.get("h", t0); ok {
		t.Fatal("an empty cache found a key")
	}
	c.put("h", store.Account{ID: "acct_1"}, store.APIKey{Hash: "h", Kind: store.SecretKey}, t0)
	for _, tc := range []struct {
		after time.Duration
		found bool
	}{
		{0, true},
		{keyCacheTTL, true},
		{keyCacheTTL + time.Nanosecond, false},
		{0, false}, // an expired entry is gone, not revived
	} {
		e, ok := c.get("h", t0.Add(tc.after))
		if ok != tc.found || (ok && e.account.ID != "acct_1") {
			t.Fatalf("after %v: found %v (%+v), want %v", tc.after, ok, e, tc.found)
		}
	}
	if _, ok := c.get("other", t0); ok {
		t.Fatal("another hash was found")
	}
}
