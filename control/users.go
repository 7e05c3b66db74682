package control

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/store"
)

// User is a user of the data with the client credentials that act as them: what the
// console offers to browse the API as.
type User struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// listUsers answers the users who can sign in (those with client credentials) with their
// credentials, oldest first. It is under /_mock,
// behind the control API's protections, because the credentials are the data's secrets.
func (ctl *Controller) listUsers(c echo.Context) error {
	recs, _, err := ctl.st.Unscoped().List(c.Request().Context(), ctl.st.Registry().Lookup("users"), store.ListQuery{})
	if err != nil {
		return err
	}
	out := make([]User, 0, len(recs))
	for _, r := range recs {
		if r.String("client_id") == "" {
			continue // an account that cannot sign in: nothing to browse as
		}
		out = append(out, User{ID: r.ID(), Email: r.String("email"), FirstName: r.String("first_name"),
			LastName: r.String("last_name"), ClientID: r.String("client_id"), ClientSecret: r.String("client_secret")})
	}
	return c.JSON(http.StatusOK, out)
}
