package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
)

// TestIMSTokensAndProvisioningTokensRefuseEachOther: one key signs both families' tokens,
// and each family's verification refuses the other's.
func TestIMSTokensAndProvisioningTokensRefuseEachOther(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	iss := mustIssuer(t, testKeys()[0], time.Hour, clock)
	ims, err := iss.IssueIMS("client", "tech@techacct.adobe.com", "ORG@AdobeOrg", "openid", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := iss.Issue("usr1", "client")
	if err != nil {
		t.Fatal(err)
	}
	claims, err := iss.VerifyIMS(ims.AccessToken)
	if err != nil || claims.ClientID != "client" || claims.Org != "ORG@AdobeOrg" || claims.CreatedAt != "1735689600000" || claims.ExpiresIn != "86400000" {
		t.Fatalf("VerifyIMS = %+v, %v", claims, err)
	}
	if _, err := iss.Verify(ims.AccessToken); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("Verify(IMS token) = %v, want ErrInvalid", err)
	}
	if _, err := iss.VerifyIMS(prov.AccessToken); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("VerifyIMS(Provisioning token) = %v, want ErrInvalid", err)
	}
	other := mustIssuer(t, testKeys()[1], time.Hour, clock)
	if _, err := other.VerifyIMS(ims.AccessToken); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("another key's VerifyIMS = %v, want ErrInvalid", err)
	}
	// Expiry is checked on every use, the verified cache included.
	now = now.Add(25 * time.Hour)
	if _, err := iss.VerifyIMS(ims.AccessToken); !errors.Is(err, auth.ErrExpired) {
		t.Errorf("a day later, VerifyIMS = %v, want ErrExpired", err)
	}
}
