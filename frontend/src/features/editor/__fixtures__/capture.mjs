#!/usr/bin/env node
/**
 * Captures the fixtures of the editor's unit tests from a running app:
 *   node src/features/editor/__fixtures__/capture.mjs http://127.0.0.1:5000
 * - nodes.json: GET /api/nodes (the e2e suite checks the live app still answers the same);
 * - errors422.json: what POST /api/workflows answers for refused workflows, with what was sent.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const base = (process.argv[2] ?? 'http://127.0.0.1:5000').replace(/\/$/, '')
const here = dirname(fileURLToPath(import.meta.url))

async function call(method, path, body, token) {
  const response = await fetch(`${base}/api${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

const email = `fixtures-${Date.now()}@example.com`
await call('POST', '/auth/register', { email, password: 'a long fixture password' })
const token = (await call('POST', '/auth/login', { email, password: 'a long fixture password' })).body.access_token

const nodes = await call('GET', '/nodes')
writeFileSync(join(here, 'nodes.json'), `${JSON.stringify(nodes.body, null, 1)}\n`)

const hook = { id: 'hook', type: 'webhook' }
/** Refused workflows, one rule each (the API reports the first stage that fails). */
const cases = {
  bad_params: {
    name: 'bad params',
    definition: {
      nodes: [hook,
        { id: 'big', type: 'filter', params: { conditions: [{ left: '{{ input.body.amount }}', op: 'bigger' }], extra: 1 } },
        { id: 'shape', type: 'transform', params: {} }],
      edges: [{ source: 'hook', target: 'big' }, { source: 'big', target: 'shape' }],
    },
  },
  bad_override: {
    name: 'bad override',
    definition: { nodes: [hook, { id: 'wait', type: 'delay', params: { seconds: 1 }, timeout_seconds: -1 }], edges: [{ source: 'hook', target: 'wait' }] },
  },
  bad_graph: {
    name: 'bad graph',
    definition: {
      nodes: [hook, { id: 'check', type: 'if', params: { conditions: [{ left: 1, op: 'exists' }] } },
        { id: 'lonely', type: 'transform', params: { fields: { a: 1 } } }],
      edges: [{ source: 'hook', target: 'check', output: 'maybe' }, { source: 'check', target: 'hook', output: 'true' }],
    },
  },
  unreachable: {
    name: 'unreachable',
    definition: {
      nodes: [hook, { id: 'shape', type: 'transform', params: { fields: { a: 1 } } }, { id: 'lonely', type: 'transform', params: { fields: { a: 1 } } }],
      edges: [{ source: 'hook', target: 'shape' }],
    },
  },
  bad_name: {
    name: '',
    definition: { nodes: [hook], edges: [] },
  },
}
const errors = {}
for (const [key, sent] of Object.entries(cases)) {
  const answer = await call('POST', '/workflows', sent, token)
  if (answer.status !== 422) throw new Error(`${key}: expected 422, got ${answer.status}`)
  errors[key] = { sent, answer: answer.body }
}
writeFileSync(join(here, 'errors422.json'), `${JSON.stringify(errors, null, 1)}\n`)
console.log(`captured ${nodes.body.length} node types and ${Object.keys(errors).length} refusals from ${base}`)
