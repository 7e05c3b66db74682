package domain

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/commercelayer-mock/provmock/store"
)

// ErrBadCredentials means no user has the client credentials given.
var ErrBadCredentials = errors.New("domain: no user has those client credentials")

// UserByCredentials returns the user whose Provisioning API client credentials these are.
// The secret is compared in constant time.
func UserByCredentials(ctx context.Context, st *store.Store, clientID, clientSecret string) (store.Record, error) {
	if clientID == "" || clientSecret == "" {
		return nil, ErrBadCredentials
	}
	users, err := st.Unscoped().GetMany(ctx, st.Registry().Lookup("users"), "client_id", []string{clientID})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 || subtle.ConstantTimeCompare([]byte(users[0].String("client_secret")), []byte(clientSecret)) != 1 {
		return nil, ErrBadCredentials
	}
	return users[0], nil
}
