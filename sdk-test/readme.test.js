// Runs every js block of the README against the built binary, as a module of its own in this
// directory (so that its imports find the SDK's packages), with the README's address replaced
// by the mock's: a snippet that throws or does not load fails the test.

import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { startMock } from './mock.js'

const here = dirname(fileURLToPath(import.meta.url))
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map(m => ({
  code: m[1],
  line: readme.slice(0, m.index).split('\n').length
}))

let mock
before(async () => { mock = await startMock() })
after(async () => { await mock?.stop() })

it('the README has js blocks', () => assert.ok(blocks.length >= 2, `${blocks.length} js blocks`))

for (const { code, line } of blocks) {
  it(`README.md:${line} runs`, async () => {
    assert.match(code, /'http:\/\/127\.0\.0\.1:8080'/, 'the block names the mock at its default address')
    const file = join(here, `.readme-snippet-${line}.mjs`)
    writeFileSync(file, code.replaceAll("'http://127.0.0.1:8080'", `'${mock.url}'`))
    try {
      await promisify(execFile)(process.execPath, [file], { cwd: here, timeout: 30000 })
    } catch (err) {
      assert.fail(`README.md:${line}: the snippet failed: ${err.message}\n${err.stderr ?? ''}`)
    } finally {
      rmSync(file, { force: true })
    }
  })
}
