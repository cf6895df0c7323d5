import { describe, expect, it } from 'vitest'

import nodes from '../__fixtures__/nodes.json'
import { checkParams, valueAt } from './params'
import type { NodeTypeInfo } from './types'

const catalogue = nodes as unknown as NodeTypeInfo[]

/** Per built-in node type: params the API accepts, and params it refuses at `field`. */
const EXAMPLES: Record<string, { valid: Record<string, unknown>; invalid: Record<string, unknown>; field: string }> = {
  manual: { valid: {}, invalid: { extra: 1 }, field: '' },
  schedule: { valid: { cron: '*/15 * * * *', timezone: 'UTC' }, invalid: { timezone: 'UTC' }, field: 'cron' },
  webhook: { valid: { respond: 'when_finished', respond_timeout_seconds: 10, secret: null }, invalid: { respond: 'later' }, field: 'respond' },
  delay: { valid: { seconds: 1.5 }, invalid: { seconds: -1 }, field: 'seconds' },
  fail: { valid: { message: 'stop' }, invalid: { message: '' }, field: 'message' },
  http_request: { valid: { url: 'https://example.com/x', method: 'POST', json: { a: 1 } }, invalid: { url: 'https://example.com', method: 'FETCH' }, field: 'method' },
  transform: { valid: { fields: { total: '{{ input.body.amount * 1.2 }}' } }, invalid: { fields: {} }, field: 'fields' },
  filter: { valid: { conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 100 }], combine: 'any' }, invalid: { conditions: [{ left: 1, op: 'bigger' }] }, field: 'conditions.0.op' },
  if: { valid: { conditions: [{ left: '{{ input.ok }}', op: 'exists' }] }, invalid: { conditions: [] }, field: 'conditions' },
  merge: { valid: {}, invalid: { anything: true }, field: '' },
  respond: { valid: { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'ok' }, invalid: { status: 700 }, field: 'status' },
  // The two plugins in plugins/, installed by the project's set-up.
  email_send: { valid: { credential: 1, from: 'a@example.com', to: ['b@example.com'], subject: 'Hi', text: 'x' }, invalid: { credential: 1, from: 'a@example.com', to: ['b@example.com'], subject: 'a\nb' }, field: 'subject' },
  slack_message: { valid: { credential: 1, channel: 'C0123', text: 'hi' }, invalid: { credential: 1, channel: '' }, field: 'channel' },
  slack_webhook_message: { valid: { credential: 1, text: 'hi' }, invalid: { credential: 0 }, field: 'credential' },
}

describe('node params schemas (GET /api/nodes of the real app)', () => {
  it('has an example for every built-in node type', () => {
    expect(catalogue.map((t) => t.type).sort()).toEqual(Object.keys(EXAMPLES).sort())
  })

  for (const info of catalogue) {
    const example = EXAMPLES[info.type]
    it(`${info.type}: accepts valid params and names the field of invalid ones`, () => {
      expect(example).toBeDefined()
      if (!example) return
      expect(checkParams(info.params_schema, example.valid)).toEqual([])
      const errors = checkParams(info.params_schema, example.invalid)
      expect(errors.length).toBeGreaterThan(0)
      if (example.field) expect(errors.map((e) => e.property?.replace(/^\./, ''))).toContain(example.field)
    })
  }

  it('does not type-check values that are expressions, as the API does not', () => {
    const delay = catalogue.find((t) => t.type === 'delay')!
    expect(checkParams(delay.params_schema, { seconds: '{{ input.wait }}' })).toEqual([])
    expect(checkParams(delay.params_schema, { seconds: 'soon' }).map((e) => e.property)).toEqual(['.seconds'])
    const http = catalogue.find((t) => t.type === 'http_request')!
    expect(checkParams(http.params_schema, { url: '{{ input.body.callback }}' })).toEqual([])
    // A missing required field stays an error whatever else holds expressions.
    expect(checkParams(http.params_schema, { method: '{{ input.m }}' }).map((e) => e.name)).toContain('required')
  })

  it('reads the value an error is about', () => {
    expect(valueAt({ a: [{ b: 3 }] }, '.a.0.b')).toBe(3)
    expect(valueAt({ a: 1 }, '.x.y')).toBeUndefined()
  })
})
