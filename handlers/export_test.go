package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/store"
)

// NewServerForTest is NewServer that also returns a reading of the response cache's own
// accounting: the bytes its documents cost, and how many it holds.
func NewServerForTest(st *store.Store, cfg Config) (*echo.Echo, func() (int64, int)) {
	e, a := newServer(st, cfg)
	return e, a.cache.docs.usage
}
