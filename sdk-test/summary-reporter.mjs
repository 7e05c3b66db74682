// A node:test reporter for `make test`: nothing for the tests that pass, the error and the
// file's output for each that fails, and one closing line "sdk: N passed, N failed, N
// skipped in Ts". (The spec reporter prints some 700 lines for a passing run.)
import { inspect } from 'node:util'

export default async function * summary (source) {
  const started = Date.now()
  let passed = 0
  let failed = 0
  let skipped = 0
  const failures = []
  const output = new Map() // file: its stdout and stderr
  for await (const { type, data } of source) {
    if (type === 'test:stdout' || type === 'test:stderr') {
      output.set(data.file, (output.get(data.file) ?? '') + data.message)
      continue
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue
    const suite = data.details?.type === 'suite'
    if (data.skip || data.todo) {
      if (!suite) skipped++
    } else if (type === 'test:pass') {
      if (!suite) passed++
    } else if (!suite || data.details.error?.failureType !== 'subtestsFailed') {
      // A test, or a suite that failed on its own (a hook, the file itself).
      failed++
      failures.push(data)
    }
  }
  for (const f of failures) {
    const where = f.file ? ` (${f.file}${f.line ? ':' + f.line : ''})` : ''
    yield `✖ ${f.name}${where}\n${indent(inspect(f.details.error?.cause ?? f.details.error, { depth: 4 }))}\n`
  }
  const files = new Set(failures.map(f => f.file))
  for (const file of files) {
    if (output.get(file)) yield `--- output of ${file}\n${output.get(file)}\n`
  }
  yield `sdk: ${passed} passed, ${failed} failed, ${skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)}s\n`
}

function indent (text) {
  return text.split('\n').map(l => '    ' + l).join('\n')
}
