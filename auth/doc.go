// Package auth issues and verifies the mock's access tokens: HS256 JWTs, as the real
// Commerce Layer auth service issues JWTs, whose payload carries exp (read by the official
// SDK to decide when to refresh), iat and the user the token acts for.
//
// It is its own package because tokens are needed by both the token endpoint and the
// middleware guarding /api, and because its failure modes (expired versus invalid) decide
// which of two 401s the API answers.
package auth
