// Starts the built provmock binary for a test file and stops it again.
//
// The binary comes from PROVMOCK_BIN (relative to the working directory) or, by default,
// ../provmock beside this folder (`go build -o provmock .` at the project's root).

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

export const binary = process.env.PROVMOCK_BIN
  ? path.resolve(process.env.PROVMOCK_BIN)
  : path.resolve(here, '..', 'provmock')

// Every mock started by this process, killed on exit whatever happened before.
const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * Starts the mock on a free port and resolves once its banner names the address.
 * @param {string[]} extra flags beyond --addr and --fixtures
 * @returns {Promise<{ url: string, stop: () => Promise<void>, stderr: () => string }>}
 */
export function startMock (extra = []) {
  if (!existsSync(binary)) {
    return Promise.reject(new Error(`provmock binary not found at ${binary}: build it with ` +
      '`CGO_ENABLED=1 go build -o provmock .` at the project root, or set PROVMOCK_BIN'))
  }
  const child = spawn(binary, ['--addr', '127.0.0.1:0', '--fixtures', 'demo', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (s) => { stderr += s })
  child.stdout.setEncoding('utf8')

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    running.delete(child)
    resolve({ code, signal })
  }))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  return new Promise((resolve, reject) => {
    const fail = (err) => { stop().finally(() => reject(err)) }
    const timer = setTimeout(() => fail(new Error(`provmock printed no address within 15 s; stderr: ${stderr}`)), 15000)
    child.once('error', (err) => { clearTimeout(timer); fail(err) })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`provmock exited (${code ?? signal}) before listening; stderr: ${stderr}`))
    })
    child.stdout.on('data', function onData (s) {
      stdout += s
      const nl = stdout.indexOf('\n')
      if (nl < 0) return
      child.stdout.off('data', onData)
      child.stdout.resume() // keep draining whatever else it prints
      clearTimeout(timer)
      const first = stdout.slice(0, nl)
      const m = /^provmock listening on (http:\/\/\S+)$/.exec(first.trim())
      if (!m) return fail(new Error(`unexpected first line from provmock: ${JSON.stringify(first)}`))
      resolve({ url: m[1], stop, stderr: () => stderr })
    })
  })
}

/**
 * Obtains an access token from the mock's token endpoint, as from auth.commercelayer.io.
 */
export async function getToken (url, clientId = 'demo-client-id', clientSecret = 'demo-client-secret') {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret })
  })
  const body = await res.json()
  if (!res.ok) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`)
  return body
}
