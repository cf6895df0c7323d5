/**
 * Shared end-to-end helpers: a fresh user per test, API calls as that user, logging in
 * through the UI or by planting the token pair, screenshots and the axe check.
 */
import AxeBuilder from '@axe-core/playwright'
import { type APIRequestContext, expect, type Page, test as base } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots')

export const PASSWORD = 'a long e2e password'

export interface TestUser {
  email: string
  password: string
  accessToken: string
  refreshToken: string
}

/** Register a new user through the API and log it in; each call gives a different user. */
export async function createUser(request: APIRequestContext, label = 'user'): Promise<TestUser> {
  const email = `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`
  const registered = await request.post('/api/auth/register', { data: { email, password: PASSWORD } })
  expect(registered.status(), await registered.text()).toBe(201)
  const login = await request.post('/api/auth/login', { data: { email, password: PASSWORD } })
  expect(login.status()).toBe(200)
  const pair = (await login.json()) as { access_token: string; refresh_token: string }
  return { email, password: PASSWORD, accessToken: pair.access_token, refreshToken: pair.refresh_token }
}

/** Call the API as `user`; throws with the body when the status is not 2xx. */
export async function apiCall<T = unknown>(request: APIRequestContext, user: TestUser, method: string, path: string, data?: unknown): Promise<T> {
  const response = await request.fetch(`/api${path}`, {
    method,
    data: data === undefined ? undefined : data,
    headers: { Authorization: `Bearer ${user.accessToken}` },
  })
  const text = await response.text()
  if (!response.ok()) throw new Error(`${method} ${path} -> ${response.status()}: ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

/** Put a token pair in the browser's storage, as a login would, once (not again on reload). */
export async function plantSession(page: Page, accessToken: string, refreshToken: string): Promise<void> {
  await page.addInitScript(([access, refresh]) => {
    if (!sessionStorage.getItem('e2e.planted')) {
      sessionStorage.setItem('e2e.planted', '1')
      localStorage.setItem('automateos.session', JSON.stringify({ accessToken: access, refreshToken: refresh }))
    }
  }, [accessToken, refreshToken])
}

/** Open the app already logged in as `user`. */
export async function loginAs(page: Page, user: TestUser, path = '/'): Promise<void> {
  await plantSession(page, user.accessToken, user.refreshToken)
  await page.goto(path)
}

/** Log in through the login form. */
export async function loginThroughForm(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
}

/** Save a full-page screenshot under test-results/screenshots/<screen>.png (kept as an artefact). */
export async function screenshot(page: Page, screen: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${screen}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Fail on any serious or critical accessibility violation of the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

/** A node on the editor's canvas, by id. */
export const canvasNode = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`)

/** The editor's side panel of the selected node. */
export const nodePanel = (page: Page) => page.getByTestId('node-panel')

/** Select a node on the canvas and wait for its panel. */
export async function openNode(page: Page, id: string): Promise<void> {
  // The header of a node is never under a handle.
  await canvasNode(page, id).getByText(id, { exact: false }).first().click()
  await expect(nodePanel(page)).toContainText(`nodes.${id}`)
}

/** A minimal webhook -> transform workflow definition. */
export function webhookWorkflow(field = 'echo') {
  return {
    nodes: [
      { id: 'hook', type: 'webhook', params: {} },
      { id: 'shape', type: 'transform', params: { fields: { [field]: '{{ input.body.value }}' } } },
    ],
    edges: [{ source: 'hook', target: 'shape' }],
  }
}

export const test = base
export { expect }
