import type Form from '@rjsf/core'
import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { createRef, useState } from 'react'
import { describe, expect, it } from 'vitest'

import { AppProviders } from '../../../app/providers'
import nodes from '../__fixtures__/nodes.json'
import { paramsWithDefaults } from '../lib/defaults'
import { scopeNames } from '../lib/scope'
import type { NodeTypeInfo } from '../lib/types'
import { ParamsForm } from './ParamsForm'

// jsdom has no ResizeObserver; the helper menu's positioning asks for one.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const catalogue = nodes as unknown as NodeTypeInfo[]
const byType = (type: string) => catalogue.find((t) => t.type === type)!
const scope = scopeNames('shape', {
  nodes: [{ id: 'hook', type: 'webhook' }, { id: 'shape', type: 'transform' }],
  edges: [{ source: 'hook', target: 'shape' }],
}, (type) => type === 'webhook')

type FormRef = Form<Record<string, unknown>>

/** The form as the side panel uses it: params held by the parent, changes flowing back. */
function Harness({ info, initial, formRef, seen }: { info: NodeTypeInfo; initial: Record<string, unknown>; formRef?: React.Ref<FormRef>; seen?: Record<string, unknown>[] }) {
  // The editor fills schema defaults in when a node is added or loaded.
  const [params, setParams] = useState(() => paramsWithDefaults(info, initial))
  return (
    <ParamsForm nodeId="n1" schema={info.params_schema} params={params} scope={scope} formRef={formRef}
      onChange={(next) => { seen?.push(next); setParams(next) }} />
  )
}

function renderForm(info: NodeTypeInfo, initial: Record<string, unknown>, seen?: Record<string, unknown>[]) {
  const formRef = createRef<FormRef>()
  const view = render(<AppProviders><Harness info={info} initial={initial} formRef={formRef} seen={seen} /></AppProviders>)
  const validate = () => {
    let ok = false
    act(() => {
      ok = formRef.current!.validateForm()
    })
    return ok
  }
  return { ...view, validate }
}

/** Params the API accepts and refuses, per built-in node type (as in lib/params.test.ts). */
const EXAMPLES: Record<string, { valid: Record<string, unknown>; invalid: Record<string, unknown> }> = {
  manual: { valid: {}, invalid: { extra: 1 } },
  schedule: { valid: { cron: '*/15 * * * *', timezone: 'UTC' }, invalid: { timezone: 'UTC' } },
  webhook: { valid: { respond: 'immediately', respond_timeout_seconds: 30 }, invalid: { respond_timeout_seconds: 500 } },
  delay: { valid: { seconds: 2 }, invalid: { seconds: -1 } },
  fail: { valid: { message: 'stop' }, invalid: { message: '' } },
  http_request: { valid: { url: 'https://example.com', method: 'GET' }, invalid: { url: 'not a url' } },
  transform: { valid: { fields: { total: '{{ input.body.amount }}' } }, invalid: { fields: {} } },
  filter: { valid: { conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 100 }] }, invalid: { conditions: [{ left: 1, op: 'eq', right: 'x' }, { op: 'gt' }] } },
  if: { valid: { conditions: [{ left: '{{ input.ok }}', op: 'exists' }] }, invalid: { conditions: [{ left: 'a' }] } },
  merge: { valid: {}, invalid: { extra: true } },
  respond: { valid: { status: 200, body: 'ok' }, invalid: { status: 700 } },
  email_send: { valid: { credential: 1, from: 'a@example.com', to: ['b@example.com'], subject: 'Hi' }, invalid: { credential: 1, from: 'a@example.com', to: ['b@example.com'], subject: 'a\nb' } },
  slack_message: { valid: { credential: 1, channel: 'C0123' }, invalid: { credential: 1, channel: '' } },
  slack_webhook_message: { valid: { credential: 1 }, invalid: { credential: 0 } },
}

// Rendering whole forms in jsdom is slow on a shared machine.
describe('params form of each built-in node (schemas from GET /api/nodes)', { timeout: 30_000 }, () => {
  for (const info of catalogue) {
    it(`${info.type}: renders a labelled control per param, and validates`, async () => {
      const example = EXAMPLES[info.type]!
      const valid = renderForm(info, example.valid)
      for (const name of Object.keys(info.params_schema.properties ?? {})) {
        // Every param is reachable by its name: a control's label, or an array's legend.
        expect(screen.getAllByText(name, { exact: false }).length).toBeGreaterThan(0)
      }
      expect(valid.validate()).toBe(true)
      expect(screen.queryAllByTestId('field-error')).toEqual([])
      valid.unmount()

      const invalid = renderForm(info, example.invalid)
      expect(invalid.validate()).toBe(false)
      expect(screen.getAllByTestId('field-error').length).toBeGreaterThan(0)
      invalid.unmount()
    })
  }

  it('shows an error under the field that holds it', () => {
    const { validate } = renderForm(byType('delay'), { seconds: -5 })
    validate()
    const input = screen.getByRole('textbox', { name: /seconds/ })
    expect(input).toHaveAttribute('aria-invalid', 'true')
    const described = input.getAttribute('aria-describedby')!.split(' ')
    const error = screen.getByTestId('field-error')
    expect(described).toContain(error.id)
  })

  it('keeps numbers as numbers and takes an expression instead', async () => {
    const seen: Record<string, unknown>[] = []
    renderForm(byType('delay'), {}, seen)
    const input = screen.getByRole('textbox', { name: /seconds/ })
    await userEvent.type(input, '1.25')
    expect(seen.at(-1)).toEqual({ seconds: 1.25 })
    await userEvent.clear(input)
    await userEvent.type(input, '{{{{ input.wait }}')
    expect(seen.at(-1)).toEqual({ seconds: '{{ input.wait }}' })
  })

  it('reads untyped params (a condition\'s right side) as JSON when they are JSON', async () => {
    const seen: Record<string, unknown>[] = []
    renderForm(byType('filter'), { conditions: [{ left: '{{ input.body.amount }}', op: 'gt' }] }, seen)
    const right = screen.getByRole('textbox', { name: /^right/ })
    await userEvent.type(right, '100')
    expect(seen.at(-1)).toEqual({ combine: 'all', conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 100 }] })
    await userEvent.clear(right)
    await userEvent.type(right, 'gold')
    expect(seen.at(-1)).toEqual({ combine: 'all', conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 'gold' }] })
  })

  it('titles array items as a person would ("Condition 2", not "conditions-2")', () => {
    renderForm(byType('filter'), { conditions: [{ left: 1, op: 'exists' }, { left: 2, op: 'exists' }] })
    expect(screen.getByText('Condition 1')).toBeInTheDocument()
    expect(screen.getByText('Condition 2')).toBeInTheDocument()
    expect(screen.queryByText('conditions-2')).not.toBeInTheDocument()
  })

  it('inserts a name in scope from the expression helper', async () => {
    const seen: Record<string, unknown>[] = []
    renderForm(byType('fail'), { message: 'Order ' }, seen)
    await userEvent.click(screen.getByRole('button', { name: 'Insert an expression into message' }))
    const menu = await screen.findByRole('menu')
    expect(within(menu).getByText('nodes.hook')).toBeInTheDocument()
    expect(within(menu).getByText('execution.id')).toBeInTheDocument()
    await userEvent.click(within(menu).getByText('input.body'))
    expect(seen.at(-1)).toEqual({ message: 'Order {{ input.body }}' })
  })
})
