package mock

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/store"
)

// tokenKeyName is where mocks sharing a database keep the key that signs their tokens.
const tokenKeyName = "token_key"

// sharedTokenKey is the token key of the mocks serving st's database when none is
// configured: the first to start generates it and stores it beside the records, the others
// read it, so that a token issued by one is accepted by all.
func sharedTokenKey(ctx context.Context, st *store.Store) (*rsa.PrivateKey, error) {
	text, ok, err := st.LookupShared(ctx, tokenKeyName)
	if err != nil {
		return nil, err
	}
	if !ok {
		key, err := rsa.GenerateKey(rand.Reader, auth.KeyBits)
		if err != nil {
			return nil, err
		}
		candidate := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if text, err = st.SharedValue(ctx, tokenKeyName, string(candidate)); err != nil {
			return nil, err
		}
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, fmt.Errorf("mock: the shared token key is not PEM")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("mock: the shared token key: %w", err)
	}
	return key, nil
}
