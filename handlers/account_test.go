package handlers_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/commercelayer-mock/provmock/store"
)

// Membership belongs to the account, not to an email: these tests change emails through
// PATCH /api/user and check who may then read and write which organization.

const (
	demoPriya      = "usrPriyaPt" // admin member of Green Grocer Co., with an account but no credentials
	demoPriyaEmail = "priya.patel@greengrocer.example"
)

// wantUnauthorized is the real service's answer to a write the user may not make.
var wantUnauthorized = jm{"title": "Access denied",
	"detail": "You are not authorized to perform this action on the requested resource.", "code": "UNAUTHORIZED", "status": "401"}

func transferTo(tb testing.TB, org, email string) request {
	return domPatch(tb, "/api/organizations/"+org+"/transfer_ownership", "organizations", org, jm{"new_owner_email": email}, nil)
}

func changeEmail(t *testing.T, s *testServer, userID, email string) {
	t.Helper()
	u := mustUpdated(t, s, domAs(s, t, userID, domPatch(t, "/api/user", "users", "", jm{"email": email}, nil)))
	mustAttrs(t, u, jm{"email": email})
}

// orgIDsOf lists the ids of the organizations the user sees.
func orgIDsOf(t *testing.T, s *testServer, userID string) []string {
	t.Helper()
	var out []string
	for _, o := range domGetAllAs(t, s, userID, "/api/organizations") {
		out = append(out, o["id"].(string))
	}
	slices.Sort(out)
	return out
}

// mustNotReachOrganization checks that the organization answers the user as an unknown one
// does, on a read and on a write, that nothing inside it is listed to them, and that a
// record cannot be created in it.
func mustNotReachOrganization(t *testing.T, s *testServer, userID, orgID string) {
	t.Helper()
	unknown := s.do(t, domAs(s, t, userID, request{path: "/api/organizations/orgUnknown0"}))
	mustSameAnswer(t, s.do(t, domAs(s, t, userID, request{path: "/api/organizations/" + orgID})), unknown, http.StatusNotFound)
	patch := func(id string) request {
		return domAs(s, t, userID, domPatch(t, "/api/organizations/"+id, "organizations", id, jm{"support_phone": "+1 555 0199"}, nil))
	}
	before := s.dump(t)
	mustSameAnswer(t, s.do(t, patch(orgID)), s.do(t, patch("orgUnknown0")), http.StatusNotFound)
	if slices.Contains(orgIDsOf(t, s, userID), orgID) {
		t.Errorf("%s lists %s", userID, orgID)
	}
	if n := len(domGetAllAs(t, s, userID, "/api/memberships?filter[q][organization_id_eq]="+orgID)); n != 0 {
		t.Errorf("%s sees %d memberships of %s", userID, n, orgID)
	}
	rec := s.do(t, domAs(s, t, userID, domPost(t, "/api/roles", "roles", jm{"name": "Taken over"},
		jm{"organization": relTo("organizations", orgID)})))
	if rec.Code == http.StatusCreated {
		t.Errorf("%s created a role in %s: %s", userID, orgID, rec.Body.String())
	}
	if diff := domDumpDiff(before, s.dump(t)); diff != "" {
		t.Errorf("refused requests of %s changed the store:\n%s", userID, diff)
	}
}

// mustWriteOrganization checks that the user reads the organization and may write in it.
func mustWriteOrganization(t *testing.T, s *testServer, userID, orgID string) {
	t.Helper()
	mustStatus(t, s.do(t, domAs(s, t, userID, request{path: "/api/organizations/" + orgID})), http.StatusOK)
	mustUpdated(t, s, domAs(s, t, userID, domPatch(t, "/api/organizations/"+orgID, "organizations", orgID, jm{"support_phone": "+1 555 0100"}, nil)))
	mustCreated(t, s, domAs(s, t, userID, domPost(t, "/api/roles", "roles", jm{"name": "Role of " + userID},
		jm{"organization": relTo("organizations", orgID)})))
}

// TestTenancyEmailOfAnActiveAdmin: the read-only demo user takes the email of an active
// admin member of Green Grocer Co., and still can neither read nor write it.
func TestTenancyEmailOfAnActiveAdmin(t *testing.T) {
	t.Run("MemberWithAnAccount", func(t *testing.T) {
		s := mustServer(t)
		// Taken while Priya's account has it...
		mustRefuse(t, s, domAs(s, t, demoViewer, domPatch(t, "/api/user", "users", "", jm{"email": demoPriyaEmail}, nil)),
			422, wantTaken("email", demoPriyaEmail))
		mustNotReachOrganization(t, s, demoViewer, "orgGreenGr")
		// ...and free once she changes hers; her membership stays hers.
		changeEmail(t, s, demoPriya, "priya@greengrocer.example")
		changeEmail(t, s, demoViewer, demoPriyaEmail)
		mustNotReachOrganization(t, s, demoViewer, "orgGreenGr")
		if got := orgIDsOf(t, s, demoViewer); !slices.Equal(got, []string{"orgBlueBrd"}) {
			t.Errorf("the viewer sees %v, want The Blue Brand only", got)
		}
		mustWriteOrganization(t, s, demoPriya, "orgGreenGr")
		mustAttrs(t, domGetOne(t, s, "/api/memberships/memGGPriya"), jm{"user_email": "priya@greengrocer.example", "status": "active"})
	})

	t.Run("MemberWithoutAnAccount", func(t *testing.T) {
		s := mustServer(t)
		// An active admin membership no account holds, as a database written before
		// memberships had accounts holds them: it grants nothing to anyone.
		const ghost = "ghost@greengrocer.example"
		if _, err := s.st.Insert(context.Background(), s.st.Registry().Lookup("memberships"), store.Record{
			"id": "memGGGhost", "user_email": ghost, "status": "active", "owner": false, "access_scope": "all_access",
			"organization_id": "orgGreenGr", "role_id": "rolGGAdmin",
		}); err != nil {
			t.Fatal(err)
		}
		changeEmail(t, s, demoViewer, ghost)
		mustNotReachOrganization(t, s, demoViewer, "orgGreenGr")
		if got := orgIDsOf(t, s, demoViewer); !slices.Equal(got, []string{"orgBlueBrd"}) {
			t.Errorf("the viewer sees %v, want The Blue Brand only", got)
		}
		// Still read-only where they are a member.
		mustRefuse(t, s, domAs(s, t, demoViewer, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd",
			jm{"support_phone": "+1 555 0199"}, nil)), http.StatusUnauthorized, wantUnauthorized)
	})
}

// TestTenancyOwnerChangesEmail: the owner keeps everything under a new email, and their old
// one, taken by another user, gives that user nothing.
func TestTenancyOwnerChangesEmail(t *testing.T) {
	s := mustServer(t)
	const newEmail = "alex.morgan@example.com"
	changeEmail(t, s, demoOwner, newEmail)
	if got := orgIDsOf(t, s, demoOwner); !slices.Equal(got, []string{"orgBlueBrd", "orgGreenGr"}) {
		t.Errorf("the owner sees %v, want both demo organizations", got)
	}
	mustWriteOrganization(t, s, demoOwner, "orgBlueBrd")
	mustWriteOrganization(t, s, demoOwner, "orgGreenGr")
	// Their memberships show the account as it is now.
	for _, id := range []string{"memBBOwner", "memGGOwner"} {
		mustAttrs(t, domGetOne(t, s, "/api/memberships/"+id), jm{"user_email": newEmail, "owner": true, "status": "active"})
	}

	// The viewer takes the old email: still the read-only member of The Blue Brand only.
	changeEmail(t, s, demoViewer, demoOwnerEmail)
	if got := orgIDsOf(t, s, demoViewer); !slices.Equal(got, []string{"orgBlueBrd"}) {
		t.Errorf("the viewer with the owner's old email sees %v, want The Blue Brand only", got)
	}
	mustNotReachOrganization(t, s, demoViewer, "orgGreenGr")
	mustRefuse(t, s, domAs(s, t, demoViewer, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd",
		jm{"support_phone": "+1 555 0199"}, nil)), http.StatusUnauthorized, wantUnauthorized)
	mustRefuse(t, s, domAs(s, t, demoViewer, transferTo(t, "orgBlueBrd", demoOwnerEmail)), http.StatusUnauthorized, wantUnauthorized)
	// A new organization of the viewer's does not count as the owner's.
	mustCreated(t, s, domAs(s, t, demoViewer, domPost(t, "/api/organizations", "organizations", jm{"name": "Viewer Shop"}, nil)))
	totals := domAttrs(domGetOne(t, s, "/api/organizations/orgBlueBrd"))["subscription_info"].(jm)["totals"].(jm)
	if totals["organizations"] != 2.0 {
		t.Errorf("the owner's totals.organizations = %v, want 2", totals["organizations"])
	}

	// The owner still gives an organization away, by the new owner's email, as the owner.
	rec := s.do(t, transferTo(t, "orgGreenGr", demoPriyaEmail))
	mustStatus(t, rec, http.StatusAccepted)
	mustAttrs(t, domGetOne(t, s, "/api/memberships/memGGPriya"), jm{"owner": true})
	mustAttrs(t, domGetOne(t, s, "/api/memberships/memGGOwner"), jm{"owner": false, "user_email": newEmail})
}
