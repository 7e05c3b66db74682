// Drives the official @commercelayer/provisioning-sdk, unmodified, against the built provmock
// binary: every resource type's operations, every relationship method the SDK exposes, the
// actions, query parameters and errors. The only thing changed from a real set-up is the
// SDK's `fetch` option, which maps https://provisioning.commercelayer.io to the mock.

import { after, before, describe, it } from 'node:test'
import nodeAssert from 'node:assert/strict'
import { CommerceLayerProvisioning, CommerceLayerProvisioningStatic } from '@commercelayer/provisioning-sdk'

import { getToken, startMock } from './mock.js'

// assert, counting every assertion made through it (reported at the end).
let assertions = 0
const assert = new Proxy(nodeAssert, {
  apply (target, self, args) { assertions++; return Reflect.apply(target, self, args) },
  get (target, key) {
    const v = Reflect.get(target, key)
    if (typeof v !== 'function' || key === 'AssertionError') return v
    return (...args) => { assertions++; return v(...args) }
  }
})

const REAL_HOST = 'https://provisioning.commercelayer.io'
const requests = [] // "METHOD /api/path?query" of every request the SDK made

let mock
let clp
let token

/** The client a frontend team builds, with nothing changed but fetch. */
function sdkClient (mockURL, options = {}) {
  const mockFetch = (input, init) => {
    const url = String(input).replace(REAL_HOST, mockURL)
    requests.push(`${init?.method ?? 'GET'} ${url.slice(mockURL.length)}`)
    return fetch(url, init)
  }
  return CommerceLayerProvisioning({ accessToken: options.accessToken ?? token, fetch: mockFetch, ...options })
}

/** Runs fn, which must throw the SDK's ApiError with this HTTP status and error code. */
async function assertApiError (fn, status, code, extra = () => {}) {
  let err
  try {
    await fn()
  } catch (e) {
    err = e
  }
  assert.ok(err, `expected an ApiError ${status} ${code}, got success`)
  assert.ok(CommerceLayerProvisioningStatic.isApiError(err), `not an ApiError: ${err?.stack ?? err}`)
  assert.equal(err.name, 'ApiError')
  assert.equal(err.type, 'response')
  assert.equal(err.status, status)
  assert.equal(err.code, String(status))
  assert.ok(Array.isArray(err.errors) && err.errors.length > 0, 'errors[] present')
  assert.equal(err.errors[0].code, code)
  assert.equal(err.errors[0].status, String(status))
  extra(err)
  return err
}

// SDK lists are a ListResponse (an Array subclass whose map() keeps the class): plain arrays.
const pluck = (list, key) => Array.from(list, (r) => r[key])
const ids = (list) => pluck(list, 'id')
const sorted = (a) => [...a].sort()
const uniq = () => Math.random().toString(36).slice(2, 8)

before(async () => {
  mock = await startMock()
  const tok = await getToken(mock.url)
  token = tok.access_token
  clp = sdkClient(mock.url)
})

after(async () => {
  await mock?.stop()
  console.log(`# SDK HTTP requests: ${requests.length}; assertions: ${assertions}`)
})

describe('token endpoint', () => {
  it('issues a bearer JWT for the demo credentials', async () => {
    const tok = await getToken(mock.url)
    assert.equal(tok.token_type, 'bearer')
    assert.equal(typeof tok.expires_in, 'number')
    const payload = JSON.parse(Buffer.from(tok.access_token.split('.')[1], 'base64url').toString())
    assert.equal(typeof payload.exp, 'number', 'the SDK reads exp to decide when to refresh')
    assert.ok(payload.exp * 1000 > Date.now())
  })

  it('refuses bad credentials with an OAuth2 error', async () => {
    await assert.rejects(getToken(mock.url, 'demo-client-id', 'wrong'), /401.*invalid_client/)
  })

  it('builds the client with the token', () => {
    assert.equal(clp.currentAccessToken, token)
    assert.equal(clp.openApiSchemaVersion, '1.0.15')
  })
})

// ---------------------------------------------------------------------------------------
// Relationship methods: enumerated from the SDK's resource classes, each one checked
// against the demo data. Read-only, so this runs before anything writes.

const GENERIC = new Set(['constructor', 'create', 'update', 'delete', 'retrieve', 'list', 'count',
  'relationship', 'relationshipToMany', 'relationshipOneToOne', 'relationshipOneToMany', 'type', 'parse', 'path'])
const ACTIONS = new Set(['resend', 'transfer_ownership', '_disable', '_enable', '_add_missing_base_permissions'])
const RESOURCES = ['api_credentials', 'application_memberships', 'identity_providers', 'memberships',
  'membership_profiles', 'organizations', 'permissions', 'roles', 'user', 'versions']

function methodsOf (obj) {
  const names = new Set()
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (typeof Object.getOwnPropertyDescriptor(p, k).value === 'function') names.add(k)
    }
  }
  return [...names]
}

const isGuard = (name) => /^is[A-Z]/.test(name)

// [parent id, expected]: expected is {type, id} for to-one (or null), {type, ids} for to-many.
// A to-many list must hold exactly those ids; meta.recordCount must agree.
const RELATIONSHIPS = {
  'api_credentials.organization': [['apcBBErpIn', { type: 'organizations', id: 'orgBlueBrd' }],
    ['apcGGStore', { type: 'organizations', id: 'orgGreenGr' }]],
  'api_credentials.role': [['apcBBErpIn', { type: 'roles', id: 'rolBBAdmin' }], ['apcBBStore', null]],
  'application_memberships.api_credential': [['appBBOrdJm', { type: 'api_credentials', id: 'apcBBOrdAp' }]],
  'application_memberships.membership': [['appBBOrdJm', { type: 'memberships', id: 'memBBJamie' }]],
  'application_memberships.membership_profile': [['appBBOrdJm', { type: 'membership_profiles', id: 'mprBBMktGr' }]],
  'application_memberships.organization': [['appBBOrdJm', { type: 'organizations', id: 'orgBlueBrd' }]],
  'application_memberships.role': [['appBBOrdJm', { type: 'roles', id: 'rolBBMktEd' }]],
  'identity_providers.user': [['idpBBOkta1', { type: 'users', id: 'usrDemoOwn' }]],
  'membership_profiles.organization': [['mprBBMktGr', { type: 'organizations', id: 'orgBlueBrd' }]],
  'membership_profiles.application_memberships': [['mprBBMktGr', { type: 'application_memberships', ids: ['appBBOrdJm'] }],
    ['mprBBQAGrp', { type: 'application_memberships', ids: [] }]],
  'memberships.organization': [['memBBJamie', { type: 'organizations', id: 'orgBlueBrd' }]],
  'memberships.role': [['memBBJamie', { type: 'roles', id: 'rolBBMktEd' }]],
  'memberships.application_memberships': [['memBBJamie', { type: 'application_memberships', ids: ['appBBOrdJm'] }]],
  'memberships.membership_profile': [['memBBJamie', { type: 'membership_profiles', id: 'mprBBMktGr' }],
    ['memBBOwner', null]],
  'memberships.versions': [['memBBJamie', { type: 'versions', ids: ['verMemJm01'] }],
    ['memBBViewr', { type: 'versions', ids: ['verMemVw01'] }]],
  'organizations.memberships': [['orgBlueBrd', { type: 'memberships', ids: ['memBBOwner', 'memBBViewr', 'memBBJamie'] }],
    ['orgGreenGr', { type: 'memberships', ids: ['memGGOwner', 'memGGPriya', 'memGGTomIn'] }]],
  'organizations.roles': [['orgBlueBrd', { type: 'roles', ids: ['rolBBAdmin', 'rolBBReadO', 'rolBBMktEd'] }]],
  'organizations.permissions': [['orgBlueBrd', {
    type: 'permissions',
    ids: ['prmBBAdmOr', 'prmBBAdmSk', 'prmBBRoOrd', 'prmBBRoSku', 'prmBBMkPro', 'prmBBMkSku']
  }]],
  'organizations.api_credentials': [['orgBlueBrd', { type: 'api_credentials', ids: ['apcBBStore', 'apcBBErpIn', 'apcBBDashb', 'apcBBOrdAp'] }],
    ['orgGreenGr', { type: 'api_credentials', ids: ['apcGGStore', 'apcGGInteg'] }]],
  'permissions.organization': [['prmBBMkPro', { type: 'organizations', id: 'orgBlueBrd' }]],
  'permissions.role': [['prmBBMkPro', { type: 'roles', id: 'rolBBMktEd' }]],
  'permissions.versions': [['prmBBMkPro', { type: 'versions', ids: ['verPrmMk01'] }], ['prmBBAdmOr', { type: 'versions', ids: [] }]],
  'roles.organization': [['rolGGAdmin', { type: 'organizations', id: 'orgGreenGr' }]],
  'roles.permissions': [['rolBBMktEd', { type: 'permissions', ids: ['prmBBMkPro', 'prmBBMkSku'] }]],
  'roles.memberships': [['rolBBMktEd', { type: 'memberships', ids: ['memBBJamie'] }],
    ['rolGGAdmin', { type: 'memberships', ids: ['memGGOwner', 'memGGPriya'] }]],
  'roles.api_credentials': [['rolBBAdmin', { type: 'api_credentials', ids: ['apcBBErpIn', 'apcBBDashb'] }]],
  'roles.versions': [['rolBBMktEd', { type: 'versions', ids: ['verRolMk01', 'verRolMk02'] }]]
}

describe('the SDK surface', () => {
  it('has exactly the ten resource types this test drives', () => {
    const getters = Object.entries(Object.getOwnPropertyDescriptors(Object.getPrototypeOf(clp)))
      .filter(([k, d]) => d.get && !['currentAccessToken', 'interceptors'].includes(k)).map(([k]) => k)
    assert.deepEqual(sorted(getters), sorted(RESOURCES))
    assert.deepEqual(sorted(clp.resources()), sorted([...RESOURCES.filter((r) => r !== 'user'), 'users']))
  })

  it('has no relationship method or action this test does not check', () => {
    const found = []
    const actions = []
    for (const r of RESOURCES) {
      for (const m of methodsOf(clp[r])) {
        if (GENERIC.has(m) || isGuard(m)) continue
        if (ACTIONS.has(m)) actions.push(m)
        else found.push(`${r}.${m}`)
      }
    }
    assert.deepEqual(sorted(found), sorted(Object.keys(RELATIONSHIPS)))
    assert.deepEqual(sorted(actions), sorted(ACTIONS))
  })

  it('offers create/update/delete exactly where the API does', () => {
    const ops = (r) => ['create', 'update', 'delete', 'retrieve', 'list'].filter((m) => typeof clp[r][m] === 'function')
    for (const r of ['api_credentials', 'application_memberships', 'identity_providers', 'memberships', 'membership_profiles']) {
      assert.deepEqual(ops(r), ['create', 'update', 'delete', 'retrieve', 'list'], r)
    }
    for (const r of ['organizations', 'permissions', 'roles']) {
      assert.deepEqual(ops(r), ['create', 'update', 'retrieve', 'list'], r)
    }
    assert.deepEqual(ops('user'), ['update', 'retrieve'])
    // The SDK's base class gives every type update(); the API has no such operation on
    // versions, and answers it with 405.
    assert.deepEqual(ops('versions'), ['update', 'retrieve', 'list'])
  })

  it('an operation the API does not offer answers 405 through the SDK', async () => {
    await assertApiError(() => clp.versions.update({ id: 'verRolMk01', reference: 'x' }), 405, 'METHOD_NOT_ALLOWED')
  })
})

describe('rate-limit headers', () => {
  it('the raw response reader sees the X-Ratelimit headers on GET /api/user, as the SDK\'s own test asserts', async () => {
    const client = sdkClient(mock.url)
    const reader = client.addRawResponseReader({ headers: true })
    const user = await client.user.retrieve()
    assert.equal(user.type, 'users')
    assert.equal(reader.ok, true)
    const limit = Number(reader.headers['x-ratelimit-limit'])
    const interval = Number(reader.headers['x-ratelimit-interval'])
    const remaining = Number(reader.headers['x-ratelimit-remaining'])
    assert.ok(limit > 0 && interval > 0, `x-ratelimit-limit ${limit}, x-ratelimit-interval ${interval}`)
    // The request itself counted (how many others did depends on the windows' timing).
    assert.ok(remaining >= 0 && remaining < limit, `x-ratelimit-remaining ${remaining} of ${limit}`)
  })
})

describe('relationship methods', () => {
  for (const [name, cases] of Object.entries(RELATIONSHIPS)) {
    const [resource, method] = name.split('.')
    for (const [parent, expected] of cases) {
      it(`${name}(${parent})`, async () => {
        const got = await clp[resource][method](parent)
        if (expected === null) {
          assert.equal(got, null)
        } else if (expected.ids) {
          assert.ok(Array.isArray(got), 'a list')
          assert.deepEqual(sorted(ids(got)), sorted(expected.ids))
          assert.ok(got.every((r) => r.type === expected.type), `all ${expected.type}`)
          assert.equal(got.meta.recordCount, expected.ids.length)
          assert.equal(got.meta.pageCount, Math.ceil(expected.ids.length / 10))
        } else {
          assert.equal(got.type, expected.type)
          assert.equal(got.id, expected.id)
        }
      })
    }
  }

  it('take query parameters: filters on a to-many relationship', async () => {
    const pending = await clp.organizations.memberships('orgBlueBrd', { filters: { status_eq: 'pending' } })
    assert.deepEqual(ids(pending), ['memBBJamie'])
    assert.equal(pending[0].user_email, 'jamie.chen@bluebrand.example')
  })

  it('take query parameters: sparse fields (array form) and sort', async () => {
    const perms = await clp.roles.permissions('rolBBMktEd', { fields: ['subject', 'can_create'], sort: { created_at: 'desc' } })
    assert.deepEqual(pluck(perms, 'subject'), ['skus', 'promotions'])
    assert.deepEqual(Object.keys(perms[0]).sort(), ['can_create', 'id', 'subject', 'type'])
  })

  it('take query parameters: pagination of a relationship list', async () => {
    const page = await clp.organizations.permissions('orgBlueBrd', { pageSize: 4, pageNumber: 2, sort: ['created_at'] })
    assert.deepEqual(ids(page), ['prmBBMkPro', 'prmBBMkSku'])
    assert.equal(page.meta.recordCount, 6)
    assert.equal(page.meta.pageCount, 2)
    assert.equal(page.hasNextPage(), false)
    assert.equal(page.hasPrevPage(), true)
  })

  it('take query parameters: include on a to-one relationship', async () => {
    const org = await clp.api_credentials.organization('apcBBErpIn', { include: ['roles'] })
    assert.equal(org.id, 'orgBlueBrd')
    assert.deepEqual(sorted(ids(org.roles)), ['rolBBAdmin', 'rolBBMktEd', 'rolBBReadO'])
  })
})

// ---------------------------------------------------------------------------------------
// Query parameters on lists and retrieves.

describe('query parameters', () => {
  it('include with sparse fieldsets of the including and included types', async () => {
    const list = await clp.memberships.list({
      include: ['organization', 'role'],
      fields: { memberships: ['user_email', 'status', 'organization', 'role'], organizations: ['name'], roles: ['name', 'kind'] },
      filters: { organization_id_eq: 'orgBlueBrd' },
      sort: { created_at: 'asc' }
    })
    assert.deepEqual(ids(list), ['memBBOwner', 'memBBViewr', 'memBBJamie'])
    const owner = list[0]
    assert.equal(owner.user_email, 'demo@example.com')
    assert.equal(owner.owner, undefined, 'a field left out of fields[memberships] is absent')
    assert.deepEqual(owner.organization, { id: 'orgBlueBrd', type: 'organizations', name: 'The Blue Brand' })
    assert.deepEqual(owner.role, { id: 'rolBBAdmin', type: 'roles', name: 'admin', kind: 'admin' })
    assert.equal(list[2].role.name, 'Marketing editor')
  })

  it('nested include on retrieve', async () => {
    const cred = await clp.api_credentials.retrieve('apcBBOrdAp', { include: ['role', 'role.permissions', 'organization'] })
    assert.equal(cred.name, 'Custom orders app')
    assert.equal(cred.custom, true)
    assert.equal(cred.role.id, 'rolBBMktEd')
    assert.deepEqual(sorted(ids(cred.role.permissions)), ['prmBBMkPro', 'prmBBMkSku'])
    assert.equal(cred.organization.slug, 'the-blue-brand')
  })

  it('filters: predicates, _or_ attributes, relationship paths, array values, AND', async () => {
    const roles = await clp.roles.list({ filters: { name_cont: 'ADMIN', organization_name_start: 'green' } })
    assert.deepEqual(ids(roles), ['rolGGAdmin'])

    const perms = await clp.permissions.list({ filters: { subject_in: ['promotions', 'skus'], role_id_eq: 'rolBBMktEd' } })
    assert.deepEqual(sorted(ids(perms)), ['prmBBMkPro', 'prmBBMkSku'])

    const creds = await clp.api_credentials.list({ filters: { name_or_reference_cont: 'erp', mode_eq: 'test' } })
    assert.deepEqual(ids(creds), ['apcBBErpIn'])

    const orgs = await clp.organizations.list({ filters: { created_at_gt: '2024-01-31', region_eq: 'us-east-1' } })
    assert.deepEqual(ids(orgs), ['orgGreenGr'])

    const any = await clp.memberships.list({ filters: { user_email_end_any: ['@greengrocer.example', '@bluebrand.example'], owner_false: true } })
    assert.deepEqual(sorted(ids(any)), ['memBBJamie', 'memGGPriya', 'memGGTomIn'])
  })

  it('sort: array and object forms, descending', async () => {
    const byName = await clp.organizations.list({ sort: { name: 'desc' } })
    assert.deepEqual(pluck(byName, 'name'), ['The Blue Brand', 'Green Grocer Co.'])
    const byCreated = await clp.organizations.list({ sort: ['-created_at'] })
    assert.deepEqual(ids(byCreated), ['orgGreenGr', 'orgBlueBrd'])
  })

  it('pageSize and pageNumber, with the list meta', async () => {
    const page = await clp.permissions.list({ pageSize: 3, pageNumber: 2, sort: ['created_at', 'id'], filters: { organization_id_in: ['orgBlueBrd', 'orgGreenGr'] } })
    assert.equal(page.length, 3)
    assert.equal(page.meta.recordCount, 8)
    assert.equal(page.meta.pageCount, 3)
    assert.equal(page.meta.currentPage, 2)
    assert.equal(page.hasNextPage(), true)
    assert.equal(page.hasPrevPage(), true)
    const last = await clp.permissions.list({ pageSize: 3, pageNumber: 3, sort: ['created_at', 'id'], filters: { organization_id_in: ['orgBlueBrd', 'orgGreenGr'] } })
    assert.equal(last.length, 2)
    assert.equal(last.hasNextPage(), false)
    assert.equal(new Set([...ids(page), ...ids(last)]).size, 5)
  })

  it('count', async () => {
    assert.equal(await clp.api_credentials.count({ filters: { kind_eq: 'sales_channel' } }), 2)
    assert.equal(await clp.api_credentials.count({ kind_eq: 'integration' }), 2)
    assert.equal(await clp.versions.count(), 5)
  })

  it('sparse fieldset with object attributes (metadata, subscription_info)', async () => {
    const org = await clp.organizations.retrieve('orgBlueBrd', { fields: { organizations: ['name', 'metadata', 'subscription_info'] } })
    assert.deepEqual(org.metadata, { industry: 'fashion', tier: 'gold' })
    assert.equal(org.subscription_info.plan_type, 'growth')
    assert.equal(org.slug, undefined)
  })
  it('query encoding: spaces, plus signs, percent signs and brackets in values', async () => {
    const bySpace = await clp.roles.list({ filters: { organization_name_eq: 'The Blue Brand', name_eq: 'Marketing editor' } })
    assert.deepEqual(ids(bySpace), ['rolBBMktEd'])
    const byLike = await clp.organizations.list({ filters: { name_matches: '%Grocer Co.' } })
    assert.deepEqual(ids(byLike), ['orgGreenGr'])
    const byHash = await clp.organizations.list({ filters: { contrast_color_eq: '#F1F8E9' } })
    assert.deepEqual(ids(byHash), ['orgGreenGr'])
    const email = `sdk+${uniq()}@example.com`
    const m = await clp.memberships.create({ user_email: email, organization: blue(), role: clp.roles.relationship('rolBBReadO') })
    try {
      const byPlus = await clp.memberships.list({ filters: { user_email_eq: email } })
      assert.deepEqual(ids(byPlus), [m.id])
      const none = await clp.memberships.list({ filters: { user_email_eq: email.replace('+', ' ') } })
      assert.equal(none.length, 0, 'a + in a value is not a space')
    } finally {
      await clp.memberships.delete(m.id)
    }
  })
})

// ---------------------------------------------------------------------------------------
// Errors surface as the SDK's ApiError.

describe('filters the SDK treats specially, and through to-many relationships', () => {
  it('metadata_jcont: the SDK sends the object JSON-encoded; containment matches', async () => {
    const fashion = await clp.organizations.list({ filters: { metadata_jcont: { industry: 'fashion' } } })
    assert.deepEqual(Array.from(fashion, o => o.id), ['orgBlueBrd'])
    const none = await clp.organizations.list({ filters: { metadata_jcont: { industry: 'fashion', tier: 'silver' } } })
    assert.equal(none.length, 0)
  })

  it('_not_in_or_null: the SDK joins the array; records whose value is null match too', async () => {
    const roles = await clp.roles.list({ filters: { reference_not_in_or_null: ['MKT-EDITOR', 'NOPE'] }, pageSize: 25 })
    const ids = roles.map(r => r.id)
    assert.ok(!ids.includes('rolBBMktEd'), `rolBBMktEd (reference MKT-EDITOR) is excluded: ${ids}`)
    assert.ok(ids.includes('rolBBAdmin') && ids.includes('rolGGAdmin'), `roles with no reference are kept: ${ids}`)
  })

  it('through to-many relationships: organizations by a member, roles by a permission', async () => {
    const orgs = await clp.organizations.list({ filters: { memberships_user_email_cont: 'viewer@' } })
    assert.deepEqual(Array.from(orgs, o => o.id), ['orgBlueBrd'])
    const roles = await clp.roles.list({ filters: { permissions_subject_eq: 'promotions' } })
    assert.ok(roles.map(r => r.id).includes('rolBBMktEd'))
    assert.ok(!roles.map(r => r.id).includes('rolGGReadO'))
  })
})

describe('errors', () => {
  it('404 RECORD_NOT_FOUND for an unknown id', async () => {
    await assertApiError(() => clp.roles.retrieve('xxxxxxxxxx'), 404, 'RECORD_NOT_FOUND', (err) => {
      assert.equal(err.errors[0].title, 'Record not found')
    })
    await assertApiError(() => clp.memberships.organization('xxxxxxxxxx'), 404, 'RECORD_NOT_FOUND')
    await assertApiError(() => clp.identity_providers.delete('xxxxxxxxxx'), 404, 'RECORD_NOT_FOUND')
  })

  it('422 VALIDATION_ERROR with pointers, as in the SDK README', async () => {
    await assertApiError(() => clp.roles.create({ name: '' }), 422, 'VALIDATION_ERROR', (err) => {
      const pointers = err.errors.map((e) => e.source?.pointer)
      assert.ok(pointers.includes('/data/attributes/name'), JSON.stringify(err.errors))
      assert.ok(pointers.includes('/data/relationships/organization'), JSON.stringify(err.errors))
      const name = err.errors.find((e) => e.source.pointer === '/data/attributes/name')
      assert.equal(name.title, "can't be blank")
      assert.equal(name.detail, "name - can't be blank")
      assert.deepEqual(name.meta, { error: 'blank' })
    })
  })

  // The SDK README ("Handling validation errors") shows the real API's answer to
  // clp.roles.create({ name: '' }): the missing organization is "can't be blank"
  // (detail "organization - can't be blank", meta.error "blank").
  it('422 for a missing required relationship is worded as in the SDK README', async () => {
    await assertApiError(() => clp.roles.create({ name: '' }), 422, 'VALIDATION_ERROR', (err) => {
      const org = err.errors.find((e) => e.source?.pointer === '/data/relationships/organization')
      assert.equal(org.title, "can't be blank")
      assert.equal(org.detail, "organization - can't be blank")
      assert.deepEqual(org.meta, { error: 'blank' })
    })
  })

  it('422 for a linked id that does not exist', async () => {
    await assertApiError(() => clp.roles.create({ name: 'Ghost', organization: clp.organizations.relationship('xxxxxxxxxx') }),
      422, 'VALIDATION_ERROR', (err) => {
        assert.equal(err.errors[0].source.pointer, '/data/relationships/organization')
        assert.equal(err.errors[0].title, 'must exist')
      })
  })

  it('400 for a sort the type does not offer', async () => {
    await assertApiError(() => clp.api_credentials.list({ sort: ['name'] }), 400, 'INVALID_SORT_CRITERIA')
  })

  it('400 for a filter that is not allowed', async () => {
    await assertApiError(() => clp.roles.list({ filters: { nmae_eq: 'admin' } }), 400, 'FILTER_NOT_ALLOWED')
  })

  it('400 for a page size over 25', async () => {
    await assertApiError(() => clp.roles.list({ pageSize: 26 }), 400, 'INVALID_PAGE_VALUE')
  })

  it('401 for a token the mock did not issue', async () => {
    const stranger = sdkClient(mock.url, { accessToken: 'not-a-token' })
    await assertApiError(() => stranger.organizations.list(), 401, 'UNAUTHORIZED')
  })
})

// ---------------------------------------------------------------------------------------
// CRUD for every resource type.

const blue = () => clp.organizations.relationship('orgBlueBrd')

describe('api_credentials', () => {
  let created
  it('list', async () => {
    const list = await clp.api_credentials.list()
    assert.equal(list.meta.recordCount, 6)
    assert.ok(list.every((c) => c.type === 'api_credentials'))
  })
  it('retrieve', async () => {
    const c = await clp.api_credentials.retrieve('apcBBErpIn')
    assert.equal(c.name, 'ERP integration')
    assert.equal(c.kind, 'integration')
    assert.equal(c.reference, 'ERP-SAP-01')
    assert.equal(c.expires_in, 7200)
  })
  it('create', async () => {
    created = await clp.api_credentials.create({
      name: 'SDK webapp', kind: 'webapp', redirect_uri: 'https://sdk.example/callback',
      organization: blue(), role: clp.roles.relationship('rolBBReadO')
    }, { include: ['role'] })
    assert.equal(created.type, 'api_credentials')
    assert.match(created.id, /^[A-Za-z0-9]{10}$/)
    assert.equal(created.name, 'SDK webapp')
    assert.equal(created.confidential, true)
    assert.equal(created.client_id.length, 43)
    assert.ok(created.client_secret)
    assert.equal(created.expires_in, 7200)
    assert.equal(created.mode, 'test')
    assert.equal(created.role.name, 'read_only')
    assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const pub = await clp.api_credentials.create({ name: 'SDK channel', kind: 'sales_channel', organization: blue() })
    assert.equal(pub.confidential, false)
    assert.equal(pub.client_secret, null)
    assert.equal(pub.expires_in, 14400)
    await clp.api_credentials.delete(pub)
  })
  it('update', async () => {
    const u = await clp.api_credentials.update({ id: created.id, name: 'SDK webapp v2', expires_in: 10800, reference: 'SDK-1', metadata: { a: 1 } })
    assert.equal(u.name, 'SDK webapp v2')
    assert.equal(u.expires_in, 10800)
    assert.deepEqual(u.metadata, { a: 1 })
    const r = await clp.api_credentials.update({ id: created.id, role: clp.roles.relationship(null) }, { include: ['role'] })
    assert.equal(r.role, null)
    await assertApiError(() => clp.api_credentials.update({ id: created.id, expires_in: 60 }), 422, 'VALIDATION_ERROR')
  })
  it('delete', async () => {
    await clp.api_credentials.delete(created.id)
    await assertApiError(() => clp.api_credentials.retrieve(created.id), 404, 'RECORD_NOT_FOUND')
    assert.equal(await clp.api_credentials.count(), 6)
  })
})

describe('application_memberships', () => {
  let created
  it('list', async () => {
    const list = await clp.application_memberships.list({ include: ['membership'] })
    assert.deepEqual(ids(list), ['appBBOrdJm'])
    assert.equal(list[0].membership.user_email, 'jamie.chen@bluebrand.example')
  })
  it('retrieve', async () => {
    const a = await clp.application_memberships.retrieve('appBBOrdJm')
    assert.deepEqual(a.filters, { market_id_in: [202, 203] })
  })
  it('create', async () => {
    created = await clp.application_memberships.create({
      filters: { market_id_in: [301] },
      api_credential: clp.api_credentials.relationship('apcBBDashb'),
      membership: clp.memberships.relationship('memBBViewr'),
      membership_profile: clp.membership_profiles.relationship('mprBBQAGrp'),
      organization: blue(),
      role: clp.roles.relationship('rolBBReadO')
    })
    assert.equal(created.type, 'application_memberships')
    assert.deepEqual(created.filters, { market_id_in: [301] })
    const profile = await clp.application_memberships.membership_profile(created.id)
    assert.equal(profile.id, 'mprBBQAGrp')
    const viaProfile = await clp.membership_profiles.application_memberships('mprBBQAGrp')
    assert.deepEqual(ids(viaProfile), [created.id])
  })
  it('update', async () => {
    const u = await clp.application_memberships.update({ id: created.id, filters: { market_id_in: [301, 302] }, role: clp.roles.relationship('rolBBMktEd') })
    assert.deepEqual(u.filters, { market_id_in: [301, 302] })
    assert.equal((await clp.application_memberships.role(created.id)).id, 'rolBBMktEd')
  })
  it('delete', async () => {
    await clp.application_memberships.delete(created)
    assert.equal(await clp.application_memberships.count(), 1)
  })
})

describe('identity_providers', () => {
  let created
  it('list', async () => {
    const list = await clp.identity_providers.list({ sort: ['name'] })
    assert.deepEqual(pluck(list, 'name'), ['Blue Brand Okta', 'Legacy Auth0'])
  })
  it('retrieve', async () => {
    const i = await clp.identity_providers.retrieve('idpGGAuth0')
    assert.equal(i.disabled_at, '2024-03-10T12:00:00.000Z')
    assert.equal(i.status, 'pending')
  })
  it('create', async () => {
    created = await clp.identity_providers.create({
      name: 'SDK IdP', client_id: 'sdk-client', client_secret: 'sdk-secret', issuer: 'https://idp.sdk.example/',
      domains: 'sdk.example', token_url: 'https://idp.sdk.example/token', authorize_url: 'https://idp.sdk.example/authorize',
      jwks_url: 'https://idp.sdk.example/jwks'
    })
    assert.equal(created.status, 'pending')
    assert.match(created.txt_record, /^cl-verification=/)
    assert.equal(created.disabled_at, null)
    assert.equal((await clp.identity_providers.user(created.id)).email, 'demo@example.com')
  })
  it('update, with the _disable and _enable triggers', async () => {
    const u = await clp.identity_providers.update({ id: created.id, name: 'SDK IdP 2' })
    assert.equal(u.name, 'SDK IdP 2')
    const disabled = await clp.identity_providers._disable(created.id)
    assert.match(disabled.disabled_at, /^\d{4}-\d\d-\d\dT.*Z$/)
    const enabled = await clp.identity_providers._enable(created)
    assert.equal(enabled.disabled_at, null)
  })
  it('delete', async () => {
    await clp.identity_providers.delete(created.id)
    assert.equal(await clp.identity_providers.count(), 2)
  })
})

describe('membership_profiles', () => {
  let created
  it('list', async () => {
    const list = await clp.membership_profiles.list({ filters: { access_scope_eq: 'all_access' } })
    assert.deepEqual(ids(list), ['mprBBQAGrp'])
  })
  it('retrieve', async () => {
    const p = await clp.membership_profiles.retrieve('mprBBMktGr', { include: ['organization'] })
    assert.equal(p.name, 'Marketing group')
    assert.equal(p.organization.name, 'The Blue Brand')
  })
  it('create', async () => {
    created = await clp.membership_profiles.create({ name: 'SDK group', access_scope: 'test_access', organization: blue() })
    assert.equal(created.test_enabled, true)
  })
  it('update', async () => {
    const u = await clp.membership_profiles.update({ id: created.id, access_scope: 'live_access', name: 'SDK group 2' })
    assert.equal(u.name, 'SDK group 2')
    assert.equal(u.test_enabled, false)
  })
  it('delete', async () => {
    await clp.membership_profiles.delete(created.id)
    await assertApiError(() => clp.membership_profiles.retrieve(created.id), 404, 'RECORD_NOT_FOUND')
  })
})

describe('memberships', () => {
  let created
  it('list', async () => {
    const list = await clp.memberships.list()
    assert.equal(list.meta.recordCount, 6)
  })
  it('retrieve', async () => {
    const m = await clp.memberships.retrieve('memBBViewr')
    assert.equal(m.user_first_name, 'Sam')
    assert.equal(m.status, 'active')
  })
  it('create', async () => {
    created = await clp.memberships.create({
      user_email: `sdk-${uniq()}@example.com`, access_scope: 'test_access',
      organization: blue(), role: clp.roles.relationship('rolBBReadO')
    })
    assert.equal(created.status, 'pending')
    assert.equal(created.owner, false)
    assert.equal(created.test_enabled, true)
    const versions = await clp.memberships.versions(created.id)
    assert.deepEqual(pluck(versions, 'event'), ['create'])
    await assertApiError(() => clp.memberships.create({ user_email: 'viewer@example.com', organization: blue(), role: clp.roles.relationship('rolBBReadO') }),
      422, 'VALIDATION_ERROR', (err) => assert.equal(err.errors[0].meta.error, 'taken'))
  })
  it('update', async () => {
    const u = await clp.memberships.update({ id: created.id, access_scope: 'live_access', membership_profile: clp.membership_profiles.relationship('mprBBMktGr') })
    assert.equal(u.access_scope, 'live_access')
    assert.equal(u.test_enabled, false)
    assert.equal((await clp.memberships.membership_profile(created.id)).id, 'mprBBMktGr')
  })
  it('resend (action) on a pending membership', async () => {
    const before = requests.length
    const res = await clp.memberships.resend('memBBJamie')
    assert.equal(res, undefined)
    assert.equal(requests[before], 'POST /api/memberships/memBBJamie/resend')
    await clp.memberships.resend(created)
    await assertApiError(() => clp.memberships.resend('memBBViewr'), 422, 'VALIDATION_ERROR')
  })
  it('delete', async () => {
    await clp.memberships.delete(created.id)
    await assertApiError(() => clp.memberships.retrieve(created.id), 404, 'RECORD_NOT_FOUND')
    await assertApiError(() => clp.memberships.delete('memBBOwner'), 423, 'LOCKED')
  })
})

describe('permissions', () => {
  let created
  it('list', async () => {
    const list = await clp.permissions.list({ filters: { can_destroy_true: true }, sort: ['id'] })
    assert.deepEqual(ids(list), ['prmBBAdmOr', 'prmBBAdmSk', 'prmGGAdmOr'])
  })
  it('retrieve', async () => {
    const p = await clp.permissions.retrieve('prmBBMkSku')
    assert.deepEqual(p.restrictions, { market_id_in: [202, 203] })
  })
  it('create', async () => {
    created = await clp.permissions.create({
      subject: 'customers', can_create: false, can_read: true, can_update: false, can_destroy: false,
      role: clp.roles.relationship('rolBBReadO')
    }, { include: ['organization'] })
    assert.equal(created.subject, 'customers')
    assert.equal(created.organization.id, 'orgBlueBrd', 'organization follows from the role')
  })
  it('update', async () => {
    const u = await clp.permissions.update({ id: created.id, can_update: true })
    assert.equal(u.can_update, true)
    const versions = await clp.permissions.versions(created.id, { sort: ['created_at'] })
    assert.deepEqual(pluck(versions, 'event'), ['create', 'update'])
    assert.deepEqual(versions[1].changes.can_update, [false, true])
  })
})

describe('roles', () => {
  let created
  it('list', async () => {
    const list = await clp.roles.list({ filters: { kind_eq: 'custom' } })
    assert.deepEqual(ids(list), ['rolBBMktEd'])
  })
  it('retrieve', async () => {
    const r = await clp.roles.retrieve('rolBBMktEd', { include: ['versions'] })
    assert.equal(r.reference, 'MKT-EDITOR')
    assert.deepEqual(sorted(ids(r.versions)), ['verRolMk01', 'verRolMk02'])
  })
  it('create', async () => {
    created = await clp.roles.create({ name: 'SDK role', organization: blue() })
    assert.equal(created.kind, 'custom')
  })
  it('update, with the _add_missing_base_permissions trigger', async () => {
    const u = await clp.roles.update({ id: created.id, name: 'SDK role 2' })
    assert.equal(u.name, 'SDK role 2')
    assert.equal((await clp.roles.permissions(created.id)).meta.recordCount, 0)
    await clp.roles._add_missing_base_permissions(created.id)
    const perms = await clp.roles.permissions(created.id, { pageSize: 1 })
    assert.ok(perms.meta.recordCount > 10, `base permissions added: ${perms.meta.recordCount}`)
    assert.equal(perms[0].can_read, false)
    await assertApiError(() => clp.roles.update({ id: 'rolBBAdmin', name: 'superuser' }), 422, 'VALIDATION_ERROR')
  })
})

describe('user', () => {
  it('retrieve', async () => {
    const u = await clp.user.retrieve()
    assert.equal(u.type, 'users')
    assert.equal(u.id, 'usrDemoOwn')
    assert.equal(u.email, 'demo@example.com')
    assert.equal(u.time_zone, 'Europe/Rome')
  })
  it('update', async () => {
    const u = await clp.user.update({ first_name: 'Alexandra' })
    assert.equal(u.first_name, 'Alexandra')
    const withId = await clp.user.update({ id: 'usrDemoOwn', first_name: 'Alex' })
    assert.equal(withId.first_name, 'Alex')
    assert.equal((await clp.user.retrieve({ fields: ['first_name'] })).first_name, 'Alex')
  })
})

describe('versions', () => {
  it('list', async () => {
    const list = await clp.versions.list({ filters: { resource_type_eq: 'roles', resource_id_eq: 'rolBBMktEd' }, sort: ['created_at'] })
    assert.deepEqual(ids(list), ['verRolMk01', 'verRolMk02'])
  })
  it('retrieve', async () => {
    const v = await clp.versions.retrieve('verRolMk01')
    assert.equal(v.event, 'create')
    assert.deepEqual(v.changes.name, [null, 'Marketing editor'])
    assert.equal(v.who.user.email, 'demo@example.com')
  })
})

describe('organizations', () => {
  let created
  it('list', async () => {
    const list = await clp.organizations.list()
    assert.deepEqual(sorted(ids(list)), ['orgBlueBrd', 'orgGreenGr'])
  })
  it('retrieve', async () => {
    const o = await clp.organizations.retrieve('orgGreenGr', { include: ['memberships'] })
    assert.equal(o.slug, 'green-grocer-co')
    assert.equal(o.memberships.length, 3)
  })
  it('create', async () => {
    const name = `SDK Shop ${uniq()}`
    created = await clp.organizations.create({ name, support_email: 'help@sdk.example' })
    assert.equal(created.slug, name.toLowerCase().replace(/ /g, '-'))
    assert.equal(created.domain, `${created.slug}.commercelayer.io`)
    assert.equal(created.region, 'eu-west-1')
    const roles = await clp.organizations.roles(created.id)
    assert.deepEqual(sorted(pluck(roles, 'kind')), ['admin', 'read_only'])
    const members = await clp.organizations.memberships(created.id)
    assert.equal(members.length, 1)
    assert.equal(members[0].owner, true)
    assert.equal(members[0].status, 'active')
    assert.ok((await clp.organizations.permissions(created.id)).meta.recordCount > 0)
    assert.equal((await clp.organizations.api_credentials(created.id)).length, 0)
  })
  it('update', async () => {
    const u = await clp.organizations.update({ id: created.id, primary_color: '#123456', config: { mfe: { language: 'it-IT' } } })
    assert.equal(u.primary_color, '#123456')
    assert.deepEqual(u.config, { mfe: { language: 'it-IT' } })
    await assertApiError(() => clp.organizations.update({ id: created.id, support_email: 'not-an-email' }), 422, 'VALIDATION_ERROR')
  })
  it('transfer_ownership (action) to an active member', async () => {
    await assertApiError(() => clp.organizations.transfer_ownership('orgGreenGr',
      { type: 'organizations', id: 'orgGreenGr', new_owner_email: 'tom.baker@greengrocer.example' }), 422, 'VALIDATION_ERROR')
    const res = await clp.organizations.transfer_ownership('orgGreenGr',
      { type: 'organizations', id: 'orgGreenGr', new_owner_email: 'priya.patel@greengrocer.example' })
    assert.equal(res, undefined)
    const owners = await clp.organizations.memberships('orgGreenGr', { filters: { owner_true: true } })
    assert.deepEqual(ids(owners), ['memGGPriya'])
    const me = await clp.memberships.retrieve('memGGOwner', { include: ['role'] })
    assert.equal(me.owner, false)
    assert.equal(me.role.kind, 'admin')
  })
})

// ---------------------------------------------------------------------------------------
// In a browser the same client sends the same requests cross-origin: the headers it sets
// (Authorization, and Content-Type application/vnd.api+json) make every call preflighted.
// Replay the preflight a browser would send for the SDK's own requests.

describe('from a browser origin', () => {
  const origin = 'http://localhost:5173'
  const SAFELISTED = new Set(['accept', 'accept-language', 'content-language'])

  async function sdkRequest (call) {
    let seen
    const client = CommerceLayerProvisioning({
      accessToken: token,
      fetch: (input, init) => {
        seen = { url: String(input).replace(REAL_HOST, mock.url), init }
        requests.push(`${init?.method ?? 'GET'} ${seen.url.slice(mock.url.length)}`)
        return fetch(seen.url, init)
      }
    })
    await call(client)
    return seen
  }

  async function preflight (url, method, headers) {
    const requested = Object.keys(headers).map((h) => h.toLowerCase()).filter((h) => !SAFELISTED.has(h))
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': requested.join(',') }
    })
    assert.ok(res.status === 204 || res.status === 200, `preflight status ${res.status}`)
    const allowOrigin = res.headers.get('access-control-allow-origin')
    assert.ok(allowOrigin === '*' || allowOrigin === origin, `allow-origin ${allowOrigin}`)
    const methods = (res.headers.get('access-control-allow-methods') ?? '').toUpperCase().split(/\s*,\s*/)
    assert.ok(methods.includes(method), `${method} not in ${methods}`)
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/)
    for (const h of requested) assert.ok(allowed.includes('*') || allowed.includes(h), `${h} not in allowed headers ${allowed}`)
  }

  for (const [name, call] of [
    ['list', (c) => c.roles.list({ filters: { kind_eq: 'admin' } })],
    ['create', (c) => c.roles.create({ name: `Browser ${uniq()}`, organization: c.organizations.relationship('orgBlueBrd') })],
    ['update', (c) => c.user.update({ time_zone: 'Europe/Rome' })],
    ['delete', async (c) => c.membership_profiles.delete((await c.membership_profiles.create({ name: 'tmp', access_scope: 'live_access', organization: c.organizations.relationship('orgBlueBrd') })).id)],
    ['action', (c) => c.memberships.resend('memBBJamie')]
  ]) {
    it(`preflight admits the SDK's ${name} request, and the answer carries CORS headers`, async () => {
      const { url, init } = await sdkRequest(call)
      await preflight(url, init.method, init.headers)
      const res = await fetch(url, { method: 'GET', headers: { ...init.headers, Origin: origin } })
      assert.ok(res.headers.get('access-control-allow-origin'))
    })
  }

  it('an error answer carries CORS headers too, so the SDK can read it', async () => {
    const res = await fetch(`${mock.url}/api/roles/xxxxxxxxxx`, { headers: { Origin: origin, Authorization: `Bearer ${token}` } })
    assert.equal(res.status, 404)
    assert.ok(res.headers.get('access-control-allow-origin'))
  })

  it('the token endpoint admits a JSON POST from the page', async () => {
    await preflight(`${mock.url}/oauth/token`, 'POST', { 'Content-Type': 'application/json' })
  })
})

// ---------------------------------------------------------------------------------------
// The SDK's refresh hook: an expired token answers 401 UNAUTHORIZED (the provisioning API's
// code; the SDK's isExpiredTokenError accepts it beside the Core API's INVALID_TOKEN), the SDK calls
// refreshToken and retries with the new token. JWT times are whole seconds, so a token of a
// 2-second lifetime lives between 1 and 2 seconds: long enough for the retry, and surely
// expired after the 2.1 s waits below. (With 1 second, a refreshed token could expire
// before the retry arrives, and the SDK would rightly refresh twice.)

describe('token refresh', () => {
  let short
  before(async () => { short = await startMock(['--token-ttl', '2']) })
  after(async () => { await short?.stop() })

  it('refreshes an expired token through refreshToken and retries', async () => {
    const first = (await getToken(short.url)).access_token
    let refreshed = 0
    const client = sdkClient(short.url, {
      accessToken: first,
      refreshToken: async () => { refreshed++; return (await getToken(short.url)).access_token }
    })
    assert.equal((await client.user.retrieve()).email, 'demo@example.com')
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const orgs = await client.organizations.list()
    assert.equal(orgs.length, 2)
    assert.equal(refreshed, 1)
    assert.notEqual(client.currentAccessToken, first)
  })

  it('surfaces UNAUTHORIZED when there is no refresh hook', async () => {
    const first = (await getToken(short.url)).access_token
    const client = sdkClient(short.url, { accessToken: first })
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await assertApiError(() => client.roles.list(), 401, 'UNAUTHORIZED')
  })

  it('refreshes a token minted already expired by the control API, without waiting', async () => {
    const res = await fetch(`${mock.url}/_mock/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'demo@example.com', ttl_seconds: -60 })
    })
    assert.equal(res.status, 201)
    const expired = (await res.json()).access_token
    let refreshed = 0
    const client = sdkClient(mock.url, {
      accessToken: expired,
      refreshToken: async () => { refreshed++; return (await getToken(mock.url)).access_token }
    })
    assert.equal((await client.user.retrieve()).email, 'demo@example.com')
    assert.equal(refreshed, 1)
    assert.notEqual(client.currentAccessToken, expired)
  })
})
