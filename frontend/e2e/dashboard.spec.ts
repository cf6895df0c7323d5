/** The dashboard against the real app: cards, Run, live updates, the toggle, the chart, isolation. */
import type { Page } from '@playwright/test'

import { apiCall, createUser, expect, expectAccessible, loginAs, screenshot, test, type TestUser, webhookWorkflow } from './fixtures'

interface Workflow { id: number; name: string; webhook_url: string; active: boolean }

async function makeWorkflow(request: Parameters<typeof createUser>[0], user: TestUser, name: string): Promise<Workflow> {
  return apiCall<Workflow>(request, user, 'POST', '/workflows', { name, definition: webhookWorkflow() })
}

const card = (page: Page, name: string) => page.getByRole('article', { name })

test('a workflow gets a card with its trigger, last run and rate; axe and screenshots', async ({ page, request }) => {
  const user = await createUser(request, 'cards')
  const wf = await makeWorkflow(request, user, 'Orders in')
  await loginAs(page, user)

  const orders = card(page, 'Orders in')
  await expect(orders).toBeVisible()
  await expect(orders.getByText('Webhook')).toBeVisible()
  await expect(orders.getByTestId('last-run')).toContainText('Never')
  await expect(orders.getByRole('switch', { name: 'Active Orders in' })).toBeChecked()
  await expect(orders.getByRole('link', { name: 'Edit Orders in' })).toHaveAttribute('href', `/workflows/${wf.id}`)
  await expect(orders.getByRole('link', { name: 'Logs of Orders in' })).toHaveAttribute('href', `/workflows/${wf.id}/logs`)
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open')
  await expect(page.getByRole('heading', { name: 'Executions, last 7 days' })).toBeVisible()
  await expectAccessible(page)
  await screenshot(page, 'dashboard')
})

test('Run starts a run and the card turns to success without a reload', async ({ page, request }) => {
  const user = await createUser(request, 'run')
  await makeWorkflow(request, user, 'Run me')
  await loginAs(page, user)
  const runMe = card(page, 'Run me')
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open')

  await runMe.getByRole('button', { name: 'Run Run me' }).click()
  await expect(page.getByText(/Run #\d+ started/)).toBeVisible()
  await expect(runMe.getByTestId('last-run').locator('[data-status]')).toHaveAttribute('data-status', 'success')
  await expect(runMe.getByTestId('success-rate')).toContainText('100%')
  await expect(page.getByTestId('chart-totals')).toContainText('1 runs')
})

test('a webhook sent from outside moves the card and the chart live', async ({ page, request }) => {
  const user = await createUser(request, 'live')
  const wf = await makeWorkflow(request, user, 'Hooked')
  await loginAs(page, user)
  const hooked = card(page, 'Hooked')
  await expect(hooked.getByTestId('last-run')).toContainText('Never')
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open')
  await expect(page.getByTestId('chart-totals')).toContainText('0 runs')

  const navigations: string[] = []
  page.on('framenavigated', (frame) => navigations.push(frame.url()))
  for (const value of [1, 2]) {
    const hook = await request.post(wf.webhook_url, { data: { value } })
    expect(hook.status()).toBe(202)
  }
  await expect(hooked.getByTestId('last-run').locator('[data-status]')).toHaveAttribute('data-status', 'success')
  await expect(hooked.getByTestId('success-rate')).toContainText('100% of last 2')
  await expect(page.getByTestId('chart-totals')).toContainText('2 runs')
  expect(navigations).toEqual([]) // no reload happened
  await screenshot(page, 'dashboard-live')
})

test('the active toggle saves on the server', async ({ page, request }) => {
  const user = await createUser(request, 'toggle')
  const wf = await makeWorkflow(request, user, 'Toggle me')
  await loginAs(page, user)
  const toggle = card(page, 'Toggle me').getByRole('switch', { name: 'Active Toggle me' })
  await expect(toggle).toBeChecked()
  await toggle.focus()
  await page.keyboard.press('Space') // keyboard reachable
  await expect(toggle).not.toBeChecked()
  await expect(card(page, 'Toggle me').getByText('Paused')).toBeVisible()
  await expect.poll(async () => (await apiCall<Workflow>(request, user, 'GET', `/workflows/${wf.id}`)).active).toBe(false)
  await page.reload()
  await expect(card(page, 'Toggle me').getByRole('switch', { name: 'Active Toggle me' })).not.toBeChecked()
})

test('another user sees none of it', async ({ page, request }) => {
  const owner = await createUser(request, 'owner')
  const wf = await makeWorkflow(request, owner, 'Private flow')
  expect((await request.post(wf.webhook_url, { data: { value: 1 } })).status()).toBe(202)

  const stranger = await createUser(request, 'stranger')
  await loginAs(page, stranger)
  await expect(page.getByRole('heading', { name: 'No workflows yet' })).toBeVisible()
  await expect(page.getByText('Private flow')).toHaveCount(0)
  await expect(page.getByTestId('chart-totals')).toContainText('0 runs')
  await expectAccessible(page)
  await screenshot(page, 'dashboard-empty')
  const stats = await apiCall<unknown[]>(request, stranger, 'GET', '/stats/workflows')
  expect(stats).toEqual([])
  await expect(request.get(`/api/stats/executions?workflow_id=${wf.id}`, {
    headers: { Authorization: `Bearer ${stranger.accessToken}` },
  }).then((r) => r.status())).resolves.toBe(404)
})

test('usable at 375 px and in the dark theme, keyboard first', async ({ page, request }) => {
  const user = await createUser(request, 'mobile')
  await makeWorkflow(request, user, 'Small screen')
  await page.setViewportSize({ width: 375, height: 812 })
  await loginAs(page, user)
  await expect(card(page, 'Small screen')).toBeVisible()
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'All runs' })).toBeVisible()
  await expectAccessible(page)
  await screenshot(page, 'dashboard-mobile')

  // Tab from the top: the skip link first, and focus is visible.
  await page.keyboard.press('Tab')
  const skip = page.getByRole('link', { name: 'Skip to content' })
  await expect(skip).toBeFocused()
  await expect(skip).toBeInViewport()

  await page.getByRole('button', { name: 'Switch to dark theme' }).click()
  await expect(page.locator('html')).toHaveClass(/dark/)
  await expectAccessible(page)
  await screenshot(page, 'dashboard-dark-mobile')
})
