/**
 * Test events end to end: on a saved webhook workflow, "Listen for test event" shows the
 * test URL and a countdown; one request to that URL (from outside, as a sender would) shows
 * up as the trigger's sample, live; the next node's panel previews its params with it.
 * Nothing runs.
 */
import {
  apiCall, createUser, expect, expectAccessible, loginAs, nodePanel as panel, openNode, screenshot, test, webhookWorkflow,
} from './fixtures'

interface Workflow {
  id: number
  webhook_url: string
}

test('a test event is captured live and previews the next node', async ({ page, request }) => {
  const user = await createUser(request, 'test-events')
  const workflow = await apiCall<Workflow>(request, user, 'POST', '/workflows', { name: 'Test events', definition: webhookWorkflow('echo') })
  await loginAs(page, user, `/workflows/${workflow.id}`)

  await openNode(page, 'hook')
  await panel(page).getByRole('button', { name: 'Listen for test event' }).click()
  const url = panel(page).getByTestId('test-url')
  await expect(url).toHaveValue(`${workflow.webhook_url}/test`)
  await expect(panel(page).getByTestId('listening')).toContainText(/Listening for [45]:\d\d/)
  await expect(url).toHaveAttribute('data-live', 'true') // the event stream is open: the sample comes over it

  // The sender: one request to the test URL, from outside the page.
  const sent = await request.post(`${workflow.webhook_url}/test?source=e2e`, { data: { value: 'hello from the sender' } })
  expect(sent.status(), await sent.text()).toBe(200)

  const sample = panel(page).getByTestId('trigger-sample')
  await expect(sample).toContainText('hello from the sender')
  await expect(sample).toContainText('"source": "e2e"')
  await expect(panel(page).getByRole('button', { name: 'Listen for test event' })).toBeVisible() // disarmed after one
  await expectAccessible(page)
  await screenshot(page, 'editor-test-event')

  await openNode(page, 'shape')
  const line = panel(page).getByTestId('preview-line').filter({ hasText: 'fields.echo' })
  await expect(line).toContainText('"hello from the sender"')

  // Captured, not run: the workflow has no runs.
  const logs = await apiCall<{ items: unknown[] }>(request, user, 'GET', `/workflows/${workflow.id}/logs`)
  expect(logs.items).toEqual([])
})
