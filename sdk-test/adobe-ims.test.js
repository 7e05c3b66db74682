// Drives Adobe's own IMS client, @adobe/aio-lib-ims, unmodified, against the built provmock
// binary: a client_credentials token from the mock's IMS endpoint, then the Destination SDK
// credentials API with that token over fetch, as an Adobe integration calls it.
//
// aio-lib-ims has no setting for the IMS host: an Ims instance takes it from its environment
// ('prod' is https://ims-na1.adobelogin.com) into its public `endpoint` property, which is
// what is pointed at the mock here. Its client_credentials call is a multipart POST to
// /ims/token/v2, and it reads the token's expiry from the JWT's created_at and expires_in.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Ims, getTokenData } from '@adobe/aio-lib-ims'

import { startMock } from './mock.js'

const CLIENT_ID = 'demo-adobe-client-id'
const CLIENT_SECRET = 'demo-adobe-client-secret'
const ORG = 'DEMO1234567890ABCDEF0123@AdobeOrg'
const PATH = '/data/core/activation/authoring/credentials'

let mock
let token

before(async () => {
  mock = await startMock()
})

after(async () => {
  await mock?.stop()
})

/** An Ims client of the prod environment whose host is the mock. */
function imsOfMock () {
  const ims = new Ims('prod')
  ims.endpoint = mock.url
  return ims
}

/** Calls the credentials API as an integration does, with the gateway's headers. */
async function platform (method, path, { body, sandbox, headers = {} } = {}) {
  const h = { Authorization: `Bearer ${token}`, 'x-api-key': CLIENT_ID, 'x-gw-ims-org-id': ORG, ...headers }
  if (sandbox) h['x-sandbox-name'] = sandbox
  if (body !== undefined) h['Content-Type'] = 'application/json'
  const res = await fetch(mock.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined, type: res.headers.get('content-type') }
}

describe('@adobe/aio-lib-ims against the mock', () => {
  it('gets a client_credentials token whose expiry it reads from the token', async () => {
    const before = Date.now()
    const result = await imsOfMock().getAccessTokenByClientCredentials(CLIENT_ID, CLIENT_SECRET, ORG, ['openid', 'AdobeID'])
    token = result.access_token.token
    assert.equal(result.payload.token_type, 'bearer')
    assert.equal(result.payload.expires_in, 86399)
    const day = 24 * 3600 * 1000
    assert.ok(result.access_token.expiry >= before + day - 1000 && result.access_token.expiry <= Date.now() + day,
      `expiry ${result.access_token.expiry} is not a day from now`)
    const claims = getTokenData(token)
    assert.equal(claims.type, 'access_token')
    assert.equal(claims.client_id, CLIENT_ID)
    assert.equal(claims.org, ORG)
    assert.equal(claims.scope, 'openid,AdobeID')
  })

  it('is refused a token with a wrong secret, in IMS words', async () => {
    await assert.rejects(
      imsOfMock().getAccessTokenByClientCredentials(CLIENT_ID, 'guess', ORG, ['openid']),
      /400 \(Bad Request\): \{"error":"invalid_client","error_description":"invalid client_secret parameter"\}/)
  })

  it('creates, lists, replaces and deletes a credential with the token', async () => {
    const created = await platform('POST', PATH, {
      body: { name: 'from aio-lib-ims', oauth2ClientAuthentication: { url: 'https://auth.example/token', clientId: 'c', clientSecret: 's' } }
    })
    assert.equal(created.status, 200)
    assert.equal(created.type, 'application/json')
    const id = created.body.instanceId
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.deepEqual(created.body, {
      instanceId: id, createdDate: created.body.createdDate, lastModifiedDate: created.body.createdDate,
      type: 'OAUTH2_CLIENT_CREDENTIAL', name: 'from aio-lib-ims',
      oauth2ClientAuthentication: { url: 'https://auth.example/token', clientId: 'c', clientSecret: 's' }
    })
    assert.match(created.body.createdDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)

    const list = await platform('GET', PATH)
    assert.equal(list.status, 200)
    assert.deepEqual(list.body.items.map((c) => c.instanceId),
      ['3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f', '8d5e4b1a-2c3f-4a6b-9e7d-1f2a3b4c5d6e', id])

    const replaced = await platform('PUT', `${PATH}/${id}`, { body: { basicAuthentication: { username: 'u', password: 'p' } } })
    assert.equal(replaced.status, 200)
    assert.equal(replaced.body.type, 'BASIC')
    assert.equal(replaced.body.name, undefined)
    assert.equal(replaced.body.oauth2ClientAuthentication, undefined)

    const dev = await platform('GET', PATH, { sandbox: 'dev' })
    assert.equal(dev.body.items.length, 2)
    assert.ok(!dev.body.items.some((c) => c.instanceId === id))

    assert.equal((await platform('DELETE', `${PATH}/${id}`)).status, 200)
    const gone = await platform('GET', `${PATH}/${id}`)
    assert.equal(gone.status, 404)
    assert.equal(gone.body.type, 'https://ns.adobe.com/aep/errors/DSDK-0404-404')
  })

  it('answers the gateway errors verbatim', async () => {
    const noKey = await platform('GET', PATH, { headers: { 'x-api-key': '' } })
    assert.equal(noKey.status, 403)
    assert.deepEqual(noKey.body, { error_code: '403000', message: 'Api Key is required' })
    const otherOrg = await platform('GET', PATH, { headers: { 'x-gw-ims-org-id': 'OTHER234567890ABCDEF0123@AdobeOrg' } })
    assert.equal(otherOrg.status, 403)
    assert.deepEqual(otherOrg.body, { error_code: '403025', message: 'Profile is not valid' })
  })
})
