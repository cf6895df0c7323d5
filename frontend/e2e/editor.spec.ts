/**
 * The workflow editor end to end: a webhook -> filter -> transform workflow built with the
 * mouse (dragged from the palette, handles dragged to connect), its params filled in, saved,
 * and run by a webhook call; a param the API refuses shows its error on the field; export
 * then import; unsaved changes are guarded; axe and screenshots of the editor and settings.
 */
import type { Locator, Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import {
  apiCall, canvasNode as node, createUser, expect, expectAccessible, loginAs, nodePanel as panel, openNode, screenshot, test, type TestUser,
} from './fixtures'

interface Definition {
  nodes: { id: string; type: string; params?: Record<string, unknown>; position?: { x: number; y: number } }[]
  edges: { source: string; target: string; output?: string }[]
}

interface Workflow {
  id: number
  name: string
  webhook_url: string
  definition: Definition
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'features', 'editor', '__fixtures__')

/** Drag a node type from the palette onto the canvas, at a fraction (fx, fy) of its width and height. */
async function dropFromPalette(page: Page, type: string, fx: number, fy: number): Promise<void> {
  const canvas = page.getByTestId('editor-canvas')
  const box = await canvas.boundingBox()
  if (!box) throw new Error('no canvas')
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: { x: box.width * fx, y: box.height * fy } })
  await expect(node(page, type)).toBeVisible()
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox()
  if (!box) throw new Error('not on screen')
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
}

/** Drag from `from`'s output handle `port` to `to`'s input handle, as a person would. */
async function connect(page: Page, from: string, port: string, to: string): Promise<void> {
  const start = await centre(node(page, from).locator(`.react-flow__handle.source[data-handleid="${port}"]`))
  const end = await centre(node(page, to).locator('.react-flow__handle.target'))
  await page.mouse.move(start.x, start.y)
  await page.mouse.down()
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 8 })
  await page.mouse.move(end.x, end.y, { steps: 8 })
  await page.mouse.up()
}

/** Wait until the canvas stops moving (the fit-view animation after an auto-layout). */
async function settled(page: Page, id: string): Promise<void> {
  let last = ''
  await expect.poll(async () => {
    const now = JSON.stringify(await node(page, id).boundingBox())
    const still = now === last
    last = now
    return still
  }, { intervals: [150] }).toBe(true)
}

async function save(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Save', exact: true }).click()
}

async function getWorkflow(page: Page, user: TestUser, id: number): Promise<Workflow> {
  return apiCall<Workflow>(page.request, user, 'GET', `/workflows/${id}`)
}

function workflowIdOf(page: Page): number {
  const match = /\/workflows\/(\d+)/.exec(page.url())
  if (!match) throw new Error(`not on a workflow page: ${page.url()}`)
  return Number(match[1])
}

test('the node catalogue the unit tests use is what the app serves', async ({ request }) => {
  const live = await (await request.get('/api/nodes')).json()
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'nodes.json'), 'utf8'))
  // Refresh with: node src/features/editor/__fixtures__/capture.mjs <app URL>
  expect(live).toEqual(fixture)
})

test('build webhook -> filter -> transform with the mouse, save it, and it runs', async ({ page }) => {
  // Many steps, each a real round trip: give a loaded machine room.
  test.slow()
  const user = await createUser(page.request, 'editor')
  await loginAs(page, user, '/workflows/new')
  await expect(page.getByRole('heading', { name: 'New workflow', level: 1 })).toBeVisible()

  // Palette -> canvas, by dragging.
  await dropFromPalette(page, 'webhook', 0.2, 0.2)
  await dropFromPalette(page, 'filter', 0.2, 0.5)
  await dropFromPalette(page, 'transform', 0.2, 0.8)
  await page.getByRole('button', { name: 'Auto-layout' }).click()
  await settled(page, 'webhook')
  // Connect the ports by dragging from handle to handle.
  await connect(page, 'webhook', 'main', 'filter')
  await expect(page.locator('.react-flow__edge')).toHaveCount(1)
  await connect(page, 'filter', 'main', 'transform')
  await expect(page.locator('.react-flow__edge')).toHaveCount(2)
  // A node added by mistake goes with the Delete key.
  await page.getByTestId('palette-delay').click()
  await expect(node(page, 'delay')).toBeVisible()
  await page.keyboard.press('Delete')
  await expect(node(page, 'delay')).toHaveCount(0)
  await expect(page.locator('.react-flow__node')).toHaveCount(3)

  // Params: the filter's condition, with a name from the expression helper.
  await openNode(page, 'filter')
  await panel(page).getByRole('button', { name: 'Insert an expression into left' }).click()
  await page.getByRole('menuitem', { name: /^input\.body/ }).click()
  const left = panel(page).getByRole('textbox', { name: /^left/ })
  await expect(left).toHaveValue('{{ input.body }}')
  await left.fill('{{ input.body.amount }}')
  await panel(page).getByRole('combobox', { name: /^op/ }).selectOption('gt')
  await panel(page).getByRole('textbox', { name: /^right/ }).fill('100')
  // The transform's output fields.
  await openNode(page, 'transform')
  await panel(page).getByRole('button', { name: 'Add field' }).click()
  await panel(page).getByLabel('Field name').fill('total')
  await panel(page).getByLabel('Field name').press('Tab')
  await panel(page).getByRole('textbox', { name: /^total/ }).fill('{{ input.body.amount * 2 }}')
  await expect(page.getByTestId('dirty')).toBeVisible()

  await save(page)
  await page.waitForURL(/\/workflows\/\d+$/)
  await expect(page.getByTestId('dirty')).toHaveCount(0)
  const id = workflowIdOf(page)
  const saved = await getWorkflow(page, user, id)
  expect(saved.definition.edges).toEqual([{ source: 'webhook', target: 'filter' }, { source: 'filter', target: 'transform' }])
  expect(saved.definition.nodes.map((n) => [n.id, n.type])).toEqual([['webhook', 'webhook'], ['filter', 'filter'], ['transform', 'transform']])
  expect(saved.definition.nodes[1]!.params).toMatchObject({ conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 100 }] })
  expect(saved.definition.nodes[2]!.params).toEqual({ fields: { total: '{{ input.body.amount * 2 }}' } })

  // The webhook card shows the URL the API gave, and a curl example for it.
  await expect(page.getByTestId('webhook-url')).toHaveValue(saved.webhook_url)
  await expect(page.getByTestId('curl-example')).toContainText(saved.webhook_url)

  // What was built runs: a webhook call goes through filter and transform.
  const hook = await page.request.post(new URL(saved.webhook_url).pathname, { data: { amount: 150 } })
  expect(hook.status()).toBe(202)
  const { log_id: logId } = (await hook.json()) as { log_id: number }
  await expect.poll(async () => (await apiCall<{ status: string }>(page.request, user, 'GET', `/logs/${logId}`)).status).toBe('success')
  expect((await apiCall<{ result: unknown }>(page.request, user, 'GET', `/logs/${logId}`)).result).toEqual({ total: 300 })

  await openNode(page, 'filter')
  await screenshot(page, 'editor')
  await expectAccessible(page)
})

/** webhook -> filter (amount > 100) -> transform, saved through the API. */
const ordersWorkflow: Definition = {
  nodes: [
    { id: 'hook', type: 'webhook', params: {}, position: { x: 0, y: 0 } },
    { id: 'big', type: 'filter', params: { conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 100 }] }, position: { x: 300, y: 0 } },
    { id: 'shape', type: 'transform', params: { fields: { total: '{{ input.body.amount * 2 }}' } }, position: { x: 600, y: 0 } },
  ],
  edges: [{ source: 'hook', target: 'big' }, { source: 'big', target: 'shape' }],
}

test('a param the API refuses shows on its field and node; leaving unsaved asks; Run now links to the run', async ({ page }) => {
  test.slow()
  const user = await createUser(page.request, 'editor-errors')
  const { id } = await apiCall<Workflow>(page.request, user, 'POST', '/workflows', { name: 'Big orders', definition: ordersWorkflow })
  await loginAs(page, user, `/workflows/${id}`)
  await openNode(page, 'big')

  // op 'eq' needs a right side: a rule only the server knows.
  await panel(page).getByRole('combobox', { name: /^op/ }).selectOption('eq')
  await panel(page).getByRole('textbox', { name: /^right/ }).fill('')
  await save(page)
  await expect(page.getByTestId('save-errors')).toContainText('The workflow was not saved')
  await expect(panel(page).getByTestId('field-error')).toHaveText("Required by op 'eq'.")
  await expect(panel(page).getByRole('textbox', { name: /^right/ })).toHaveAttribute('aria-invalid', 'true')
  await expect(node(page, 'big').getByLabel('1 error')).toBeVisible()
  expect((await getWorkflow(page, user, id)).definition.nodes[1]!.params).toMatchObject({ conditions: [{ op: 'gt', right: 100 }] })
  await screenshot(page, 'editor-field-error')

  // Leaving with unsaved changes asks first.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click()
  await expect(page.getByRole('alertdialog', { name: 'Leave without saving?' })).toBeVisible()
  await page.getByRole('button', { name: 'Stay' }).click()
  expect(workflowIdOf(page)).toBe(id)

  // Fixed and saved, then run now with a payload; the link leads to the new run.
  await panel(page).getByRole('combobox', { name: /^op/ }).selectOption('gte')
  await panel(page).getByRole('textbox', { name: /^right/ }).fill('5')
  await save(page)
  await expect(page.getByTestId('save-errors')).toHaveCount(0)
  await expect(page.getByTestId('dirty')).toHaveCount(0)
  await page.getByRole('button', { name: 'Run now' }).click()
  const dialog = page.getByRole('dialog', { name: 'Run now' })
  await dialog.getByRole('textbox').fill(JSON.stringify({ body: { amount: 7 } }))
  await dialog.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(dialog.getByTestId('run-started')).toBeVisible()
  const runId = Number(/Run #(\d+)/.exec((await dialog.getByTestId('run-started').textContent()) ?? '')?.[1])
  await expect.poll(async () => (await apiCall<{ status: string; result: unknown }>(page.request, user, 'GET', `/logs/${runId}`)).result).toEqual({ total: 14 })
  await dialog.getByRole('link', { name: 'Open the run' }).click()
  await expect(page).toHaveURL(new RegExp(`/logs/${runId}$`))

  // Back in the editor, its Logs tab lists the run.
  await page.goBack()
  await page.getByRole('tab', { name: 'Logs' }).click()
  await expect(page.locator(`[data-testid="log-row"][data-log-id="${runId}"]`)).toBeVisible()
})

test('export a workflow as JSON, then import it as a new workflow', async ({ page }) => {
  test.slow()
  const user = await createUser(page.request, 'transfer')
  const definition: Definition = {
    nodes: [
      { id: 'hook', type: 'webhook', params: { respond: 'immediately' }, position: { x: 0, y: 0 } },
      { id: 'check', type: 'if', params: { conditions: [{ left: '{{ input.body.vip }}', op: 'eq', right: true }] }, position: { x: 300, y: 0 } },
      { id: 'vip', type: 'transform', params: { fields: { tier: 'gold' } }, position: { x: 600, y: -80 } },
      { id: 'rest', type: 'transform', params: { fields: { tier: 'standard' } }, position: { x: 600, y: 80 } },
    ],
    edges: [{ source: 'hook', target: 'check' }, { source: 'check', target: 'vip', output: 'true' }, { source: 'check', target: 'rest', output: 'false' }],
  }
  const original = await apiCall<Workflow>(page.request, user, 'POST', '/workflows', { name: 'VIP routing', description: 'by tier', definition, retention_days: 14 })
  await loginAs(page, user, `/workflows/${original.id}?tab=settings`)
  await expect(page.getByRole('heading', { name: 'Export and import' })).toBeVisible()
  await screenshot(page, 'editor-settings')
  await expectAccessible(page)

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export as JSON' }).click()])
  expect(download.suggestedFilename()).toBe('vip-routing.json')
  const file = await download.path()
  const exported = JSON.parse(readFileSync(file, 'utf8'))
  expect(exported).toMatchObject({ format: 'automateos.workflow', name: 'VIP routing', description: 'by tier', retention_days: 14 })
  expect(exported.definition.edges).toEqual(definition.edges)

  // A file that is no workflow is refused before anything is sent.
  await page.getByLabel('Or paste the JSON').fill('{"nodes": [{"id": "x", "type": "nope"}]}')
  await expect(page.getByTestId('import-problems')).toContainText("unknown type 'nope'")
  await expect(page.getByRole('button', { name: 'Create a new workflow' })).toBeDisabled()
  await page.getByLabel('Or paste the JSON').fill('')

  await page.getByLabel('From a file').setInputFiles(file)
  await expect(page.getByText('Ready: “VIP routing”, 4 nodes, 3 connections.')).toBeVisible()
  await page.getByRole('button', { name: 'Create a new workflow' }).click()
  await expect.poll(() => workflowIdOf(page)).not.toBe(original.id)
  await expect(page.getByRole('heading', { name: 'VIP routing', level: 1 })).toBeVisible()
  const imported = await getWorkflow(page, user, workflowIdOf(page))
  expect(imported.definition.edges).toEqual(definition.edges)
  expect(imported.definition.nodes.map(({ id, type, position }) => ({ id, type, position }))).toEqual(
    definition.nodes.map(({ id, type, position }) => ({ id, type, position })),
  )
  expect(imported.definition.nodes.map((n) => n.params)).toEqual(exported.definition.nodes.map((n: Definition['nodes'][number]) => n.params))
  await expect(node(page, 'vip')).toBeVisible()

  // A bare definition pasted in replaces the canvas; Save keeps it (laid out, as it had no positions).
  const copyId = workflowIdOf(page)
  await page.getByRole('tab', { name: 'Settings' }).click()
  await page.getByLabel('Or paste the JSON').fill(JSON.stringify({
    nodes: [{ id: 'hook', type: 'webhook' }, { id: 'pause', type: 'delay', params: { seconds: 1 } }],
    edges: [{ source: 'hook', target: 'pause' }],
  }))
  await page.getByRole('button', { name: "Replace this workflow's definition" }).click()
  await expect(page.getByTestId('dirty')).toBeVisible()
  await page.getByRole('tab', { name: 'Editor' }).click()
  await expect(page.locator('.react-flow__node')).toHaveCount(2)
  await save(page)
  await expect(page.getByTestId('dirty')).toHaveCount(0)
  const replaced = await getWorkflow(page, user, copyId)
  expect(replaced.definition.nodes.map((n) => n.id)).toEqual(['hook', 'pause'])
  expect(replaced.definition.nodes[1]!.position!.x).toBeGreaterThan(replaced.definition.nodes[0]!.position!.x)
})
