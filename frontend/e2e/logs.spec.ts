/**
 * Execution logs end to end: a webhook sent by the test shows up live on the logs page and
 * turns green without a reload; the detail shows each step's output; a failing workflow
 * shows its error and traceback; re-run navigates to the new run; another user sees none
 * of it. axe on every screen; screenshots of the logs page, all runs and the detail.
 */
import type { APIRequestContext, Page } from '@playwright/test'

import { apiCall, createUser, expect, expectAccessible, loginAs, screenshot, test, type TestUser, webhookWorkflow } from './fixtures'

interface Workflow {
  id: number
  name: string
  webhook_url: string
}

async function createWorkflow(request: APIRequestContext, user: TestUser, name: string, definition: unknown): Promise<Workflow> {
  return apiCall<Workflow>(request, user, 'POST', '/workflows', { name, definition })
}

/** Call a workflow's webhook like a third party would (no token); returns the new run's id. */
async function sendWebhook(request: APIRequestContext, workflow: Workflow, body: unknown): Promise<number> {
  const response = await request.post(new URL(workflow.webhook_url).pathname, { data: body })
  expect(response.status(), await response.text()).toBe(202)
  return ((await response.json()) as { log_id: number }).log_id
}

const row = (page: Page, id: number) => page.locator(`[data-testid="log-row"][data-log-id="${id}"]`)

const failingWorkflow = {
  nodes: [
    { id: 'hook', type: 'webhook', params: {} },
    { id: 'boom', type: 'fail', params: { message: 'Order {{ input.body.value }} was refused' } },
  ],
  edges: [{ source: 'hook', target: 'boom' }],
}

test('a webhook run appears live on the logs page, turns green, and shows each step', async ({ page, request }) => {
  const user = await createUser(request, 'logs')
  const workflow = await createWorkflow(request, user, 'Orders in', webhookWorkflow())

  await loginAs(page, user, `/workflows/${workflow.id}/logs`)
  await expect(page.getByRole('heading', { name: 'Logs of Orders in' })).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText('Orders in')
  await expect(page.getByText('No runs yet')).toBeVisible()
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open')
  // Anything that reloads the page would drop this marker.
  await page.evaluate(() => { (window as unknown as { marker: string }).marker = 'same page' })

  const logId = await sendWebhook(request, workflow, { value: 'ORD-4242' })
  await expect(row(page, logId)).toBeVisible()
  await expect(row(page, logId)).toHaveAttribute('data-status', 'success')
  await expect(page.getByTestId('count-success')).toHaveText('1')
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page')

  // A second run arrives on top of the first, still without a reload.
  const second = await sendWebhook(request, workflow, { value: 'ORD-4243' })
  await expect(row(page, second)).toHaveAttribute('data-status', 'success')
  await expect(page.getByTestId('log-row').first()).toHaveAttribute('data-log-id', String(second))
  await expect(page.getByTestId('count-success')).toHaveText('2')
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page')

  // Filters: trigger "manual" hides both webhook runs; clearing it brings them back.
  await page.getByRole('button', { name: 'manual' }).click()
  await expect(page.getByText('No run matches these filters')).toBeVisible()
  await page.getByRole('button', { name: 'Clear filters' }).click()
  await expect(page.getByTestId('log-row')).toHaveCount(2)
  await expectAccessible(page)
  await screenshot(page, 'logs')

  await row(page, logId).click()
  await expect(page).toHaveURL(new RegExp(`/logs/${logId}$`))
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'success')
  await expect(page.getByTestId('timeline-bar')).toHaveCount(2)
  for (const node of ['hook', 'shape']) {
    const step = page.locator(`[data-testid="step"][data-node="${node}"]`)
    await step.locator('summary').click()
    await expect(step.getByTestId('step-output')).toBeVisible()
  }
  // The transform's output is its evaluated field; the webhook's carries the body.
  const shapeOutput = page.locator('[data-testid="step"][data-node="shape"]').getByTestId('step-output')
  await expect(shapeOutput).toContainText('"echo"')
  await expect(shapeOutput).toContainText('"ORD-4242"')
  const hookOutput = page.locator('[data-testid="step"][data-node="hook"]').getByTestId('step-output')
  await hookOutput.getByRole('button', { name: 'Expand body' }).click()
  await expect(hookOutput).toContainText('"ORD-4242"')
  await expectAccessible(page)
  await screenshot(page, 'execution-detail')

  // Re-run with an edited payload: the app navigates to the new run, which used it.
  await page.getByText('Edit the payload').click()
  await expect(page.getByRole('checkbox', { name: 'Edit the payload' })).toBeChecked()
  await page.getByLabel('Payload (JSON)').fill('{"body": {"value": "EDITED-1"}}')
  await page.getByRole('button', { name: 'Re-run' }).click()
  await expect(page).not.toHaveURL(new RegExp(`/logs/${logId}$`))
  await expect(page.getByRole('link', { name: `Run #${logId}` })).toBeVisible()
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'success')
  const rerun = page.locator('[data-testid="step"][data-node="shape"]')
  await rerun.locator('summary').click()
  await expect(rerun.getByTestId('step-output')).toContainText('"EDITED-1"')
})

test('a failing run shows its error and traceback, and all runs lists every workflow', async ({ page, request }) => {
  const user = await createUser(request, 'fails')
  const good = await createWorkflow(request, user, 'Good one', webhookWorkflow())
  const bad = await createWorkflow(request, user, 'Broken one', failingWorkflow)
  const goodRun = await sendWebhook(request, good, { value: 'fine' })
  const badRun = await sendWebhook(request, bad, { value: 'ORD-9' })

  await loginAs(page, user, '/runs')
  await expect(page.getByRole('heading', { name: 'All runs' })).toBeVisible()
  await expect(row(page, badRun)).toHaveAttribute('data-status', 'failed')
  await expect(row(page, goodRun)).toHaveAttribute('data-status', 'success')
  await expect(row(page, badRun)).toContainText('Broken one')
  await expect(page.getByTestId('count-failed')).toHaveText('1')
  // The workflow filter keeps one workflow's runs.
  await page.getByLabel('Workflow').selectOption({ label: 'Good one' })
  await expect(page.getByTestId('log-row')).toHaveCount(1)
  await expect(row(page, goodRun)).toBeVisible()
  await page.getByLabel('Workflow').selectOption({ label: 'All workflows' })
  await expect(page.getByTestId('log-row')).toHaveCount(2)
  await expectAccessible(page)
  await screenshot(page, 'runs')

  await row(page, badRun).click()
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'failed')
  const error = page.getByTestId('error-panel').first()
  await expect(error).toContainText('Order ORD-9 was refused')
  await expect(error).toContainText('boom')
  await error.locator('summary', { hasText: 'Traceback' }).click()
  await expect(error.getByTestId('traceback')).toContainText('Traceback')
  await expectAccessible(page)
  await screenshot(page, 'execution-failed')

  // Re-run (original definition, same payload): a new run of the same workflow, failed again.
  await page.getByRole('button', { name: 'Re-run' }).click()
  await expect(page).not.toHaveURL(new RegExp(`/logs/${badRun}$`))
  await expect(page.getByRole('link', { name: `Run #${badRun}` })).toBeVisible()
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'failed')
})

test('another user sees none of it', async ({ page, request }) => {
  const owner = await createUser(request, 'owner')
  const workflow = await createWorkflow(request, owner, 'Private flow', webhookWorkflow())
  const logId = await sendWebhook(request, workflow, { value: 'secret' })
  await expect.poll(async () => (await apiCall<{ status: string }>(request, owner, 'GET', `/logs/${logId}`)).status)
    .toBe('success')

  const stranger = await createUser(request, 'stranger')
  await loginAs(page, stranger, '/runs')
  await expect(page.getByText('No runs yet')).toBeVisible()
  await expect(page.getByTestId('count-success')).toHaveText('0')

  await page.goto(`/logs/${logId}`)
  await expect(page.getByRole('alert')).toContainText(/not found|does not exist/i)
  await expect(page.getByText('secret')).toHaveCount(0)

  await page.goto(`/workflows/${workflow.id}/logs`)
  await expect(page.getByText('The runs could not be loaded')).toBeVisible()
  await expect(page.getByTestId('log-row')).toHaveCount(0)
})
