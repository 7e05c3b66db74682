// Drives the official @commercelayer/js-auth, unmodified, against the built provmock binary:
// authenticate (success and bad credentials), jwtDecode, jwtVerify (which fetches the
// mock's JWKS) and revoke.
//
// js-auth always calls https://auth.{domain} (authenticate) or the token's iss, which is
// https://auth.commercelayer.io (jwtVerify, revoke), with the global fetch: pointing it at
// the mock is mapping that host, as below.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { authenticate, getProvisioningApiBaseEndpoint, jwtDecode, jwtVerify, revoke } from '@commercelayer/js-auth'

import { startMock } from './mock.js'

const AUTH_HOST = 'https://auth.commercelayer.io'
const realFetch = globalThis.fetch
const authCalls = [] // "METHOD path" of every call js-auth made to the auth host

let mock

before(async () => {
  mock = await startMock()
  globalThis.fetch = (input, init) => {
    const url = String(input)
    if (url.startsWith(AUTH_HOST)) {
      authCalls.push(`${init?.method ?? 'GET'} ${url.slice(AUTH_HOST.length)}`)
      return realFetch(mock.url + url.slice(AUTH_HOST.length), init)
    }
    return realFetch(input, init)
  }
})

after(async () => {
  globalThis.fetch = realFetch
  await mock?.stop()
})

const credentials = { clientId: 'demo-client-id', clientSecret: 'demo-client-secret' }

/** GET /api/user with the token: the status. */
async function apiStatus (token) {
  const res = await realFetch(`${mock.url}/api/user`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.api+json' }
  })
  await res.arrayBuffer()
  return res.status
}

describe('js-auth authenticate', () => {
  it('obtains a token with the client credentials', async () => {
    const auth = await authenticate('client_credentials', credentials)
    assert.equal(auth.errors, undefined)
    assert.equal(auth.tokenType, 'bearer')
    assert.equal(auth.scope, 'provisioning-api')
    assert.equal(auth.expiresIn, 7200)
    assert.ok(auth.expires instanceof Date && !Number.isNaN(auth.expires.getTime()))
    assert.equal(await apiStatus(auth.accessToken), 200)
    assert.equal(authCalls.at(-1), 'POST /oauth/token')
  })

  it('returns errors, as the real service\'s answer makes it, for bad credentials', async () => {
    const auth = await authenticate('client_credentials', { ...credentials, clientSecret: 'wrong' })
    assert.deepEqual(auth.errors, [{
      title: 'invalid_client',
      detail: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
      code: 'UNAUTHORIZED',
      status: 401
    }])
    assert.equal(auth.accessToken, undefined)
  })
})

describe('js-auth jwtDecode', () => {
  it('decodes the header and the payload of a real provisioning token', async () => {
    const { accessToken } = await authenticate('client_credentials', credentials)
    const { header, payload } = jwtDecode(accessToken)
    assert.equal(header.alg, 'RS512')
    assert.equal(typeof header.kid, 'string')
    assert.deepEqual(Object.keys(payload).sort(),
      ['application', 'exp', 'iat', 'iss', 'rand', 'scope', 'test', 'user'])
    assert.equal(payload.user.id, 'usrDemoOwn')
    assert.equal(payload.application.kind, 'user')
    assert.equal(payload.application.public, false)
    assert.match(payload.application.id, /^[A-Za-z]{10}$/)
    assert.equal(payload.scope, 'provisioning-api')
    assert.equal(payload.test, false)
    assert.ok(payload.rand >= 0 && payload.rand < 1)
    assert.equal(payload.iss, AUTH_HOST)
    assert.equal(payload.exp - payload.iat, 7200)
    assert.equal(getProvisioningApiBaseEndpoint(accessToken), 'https://provisioning.commercelayer.io')
  })
})

describe('js-auth jwtVerify', () => {
  it('verifies a token with the key from the mock\'s JWKS', async () => {
    const { accessToken } = await authenticate('client_credentials', credentials)
    const before = authCalls.length
    const decoded = await jwtVerify(accessToken)
    assert.equal(decoded.payload.user.id, 'usrDemoOwn')
    assert.deepEqual(authCalls.slice(before), ['GET /.well-known/jwks.json'])
  })

  it('rejects a token whose signature was tampered with', async () => {
    const { accessToken } = await authenticate('client_credentials', credentials)
    const [h, p, s] = accessToken.split('.')
    const sig = Buffer.from(s, 'base64url')
    sig[sig.length >> 1] ^= 1
    await assert.rejects(jwtVerify(`${h}.${p}.${sig.toString('base64url')}`), { name: 'InvalidTokenError', message: 'Invalid signature' })
  })

  it('rejects a token minted already expired by the control API', async () => {
    const res = await realFetch(`${mock.url}/_mock/tokens`, {
      method: 'POST', body: JSON.stringify({ user_id: 'usrDemoOwn', ttl_seconds: -60 })
    })
    const { access_token: expired } = await res.json()
    await assert.rejects(jwtVerify(expired), { name: 'TokenExpiredError' })
    await jwtVerify(expired, { ignoreExpiration: true }) // genuine all the same
  })
})

describe('js-auth revoke', () => {
  it('revokes a token, which the API then refuses', async () => {
    const { accessToken } = await authenticate('client_credentials', credentials)
    const other = (await authenticate('client_credentials', credentials)).accessToken
    assert.equal(await apiStatus(accessToken), 200)
    const result = await revoke({ ...credentials, token: accessToken })
    assert.deepEqual(result, {})
    assert.equal(authCalls.at(-1), 'POST /oauth/revoke')
    assert.equal(await apiStatus(accessToken), 401)
    assert.equal(await apiStatus(other), 200)
  })

  it('answers errors for bad credentials and keeps the token', async () => {
    const { accessToken } = await authenticate('client_credentials', credentials)
    const result = await revoke({ ...credentials, clientSecret: 'wrong', token: accessToken })
    assert.equal(result.errors?.[0]?.code, 'UNAUTHORIZED')
    assert.equal(await apiStatus(accessToken), 200)
  })
})
