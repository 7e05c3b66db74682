package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// NewServerForTest is NewServer that also returns a reading of the response cache's own
// accounting: the bytes its documents cost, and how many it holds.
func NewServerForTest(st *store.Store, cfg Config) (*echo.Echo, func() (int64, int)) {
	e, a := newServer(st, cfg)
	return e, a.cache.docs.usage
}

// BothFamiliesForTest mounts both families over the store in one front door, and returns
// how many answers their response caches have served.
func BothFamiliesForTest(st *store.Store, cfg Config) (*echo.Echo, func() int64) {
	a, prov := newFamily(st, cfg)
	adobe, ad := newAdobeFamily(st, cfg)
	fd := frontdoor.New(frontdoor.Config{})
	fd.Mount(prov)
	fd.Mount(ad)
	return fd.Echo(), func() int64 { return a.cache.docs.hits.Load() + adobe.cache.docs.hits.Load() }
}
