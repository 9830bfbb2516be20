package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"kassa/internal/ids"
	"kassa/internal/store"
)

// AccountKeys is a new account with its keys, shown once: only their
// hashes are stored.
type AccountKeys struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	SecretKey      string `json:"secret_key"`
	PublishableKey string `json:"publishable_key"`
}

// HashKey is how API keys are stored and looked up. Keys carry ~140 bits of
// randomness, so a fast hash is enough: there is nothing to brute-force.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateAccount creates a test-mode account with a secret and a publishable key.
func (g *Gateway) CreateAccount(ctx context.Context, name string) (AccountKeys, error) {
	var keys AccountKeys
	err := g.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		keys, err = g.createAccount(ctx, tx, name)
		return err
	})
	return keys, err
}

func (g *Gateway) createAccount(ctx context.Context, tx store.Tx, name string) (AccountKeys, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return AccountKeys{}, errors.New("an account needs a name")
	}
	keys := AccountKeys{
		ID:             ids.New(ids.Account),
		Name:           name,
		SecretKey:      "sk_test_" + ids.Random(32),
		PublishableKey: "pk_test_" + ids.Random(32),
	}
	now := g.Clock.Now()
	if err := tx.InsertAccount(ctx, store.Account{ID: keys.ID, Name: name, APIVersion: DefaultAPIVersion, Created: now}); err != nil {
		return AccountKeys{}, err
	}
	for kind, key := range map[string]string{store.SecretKey: keys.SecretKey, store.PublishableKey: keys.PublishableKey} {
		k := store.APIKey{Hash: HashKey(key), AccountID: keys.ID, Kind: kind, Last4: key[len(key)-4:], Created: now}
		if err := tx.InsertAPIKey(ctx, k); err != nil {
			return AccountKeys{}, err
		}
	}
	return keys, nil
}

// EnsureSandboxAccount creates the first account when the database has
// none; created is false when accounts already exist. Counting and creating
// share one write transaction, so instances starting together on one
// database create one account.
func (g *Gateway) EnsureSandboxAccount(ctx context.Context) (keys AccountKeys, created bool, err error) {
	err = g.Store.Write(ctx, func(tx store.Tx) error {
		n, err := tx.CountAccounts(ctx)
		if err != nil || n > 0 {
			return err
		}
		keys, err = g.createAccount(ctx, tx, "Sandbox")
		created = err == nil
		return err
	})
	if err != nil {
		return AccountKeys{}, false, err
	}
	return keys, created, nil
}
