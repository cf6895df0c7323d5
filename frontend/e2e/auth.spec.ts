/** Accounts in the browser: register, log in, log out (revoked), protected routes, silent refresh. */
import { apiCall, createUser, expect, expectAccessible, loginThroughForm, PASSWORD, plantSession, screenshot, test } from './fixtures'

test('register through the form lands on the empty dashboard', async ({ page }) => {
  await page.goto('/register')
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible()
  await expectAccessible(page)
  await screenshot(page, 'register')

  const email = `new-${Date.now()}@example.com`
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()

  await expect(page).toHaveURL('/')
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'No workflows yet' })).toBeVisible()
  await expect(page.getByText(email)).toBeVisible()
})

test('register shows the API field errors next to their fields', async ({ page, request }) => {
  await page.goto('/register')
  await page.getByLabel('Email').fill('not-an-email')
  await page.getByLabel('Password').fill('short')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByText('Not a valid email address.')).toBeVisible()
  await expect(page.getByText(/Length must be between 8 and/)).toBeVisible()
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true')
  await screenshot(page, 'register-errors')

  // A taken email is the API's 409, shown as a message.
  const user = await createUser(request, 'taken')
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('alert')).toContainText(/already/i)
})

test('log in, and a wrong password says so', async ({ page, request }) => {
  const user = await createUser(request, 'login')
  await page.goto('/login')
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible()
  await expectAccessible(page)
  await screenshot(page, 'login')

  await loginThroughForm(page, user.email, 'wrong password!')
  await expect(page.getByRole('alert')).toBeVisible()
  await expect(page).toHaveURL(/\/login$/)

  await loginThroughForm(page, user.email, user.password)
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible()
})

test('every other route is protected and returns there after login', async ({ page, request }) => {
  for (const path of ['/', '/runs', '/workflows/new', '/workflows/1', '/workflows/1/logs', '/logs/1']) {
    await page.goto(path)
    await expect(page).toHaveURL(/\/login$/)
  }
  const user = await createUser(request, 'protected')
  await page.goto('/runs')
  await loginThroughForm(page, user.email, user.password)
  await expect(page).toHaveURL(/\/runs$/)
  await expect(page.getByRole('heading', { name: 'All runs', level: 1 })).toBeVisible()
})

test('logout revokes the session on the server', async ({ page, request }) => {
  const user = await createUser(request, 'logout')
  await page.goto('/login')
  await loginThroughForm(page, user.email, user.password)
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible()
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('automateos.session') ?? 'null'))

  await page.getByRole('button', { name: 'Log out' }).click()
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByText('You have been logged out.')).toBeVisible()
  expect(await page.evaluate(() => localStorage.getItem('automateos.session'))).toBeNull()

  // The tokens the browser had no longer work.
  const refresh = await request.post('/api/auth/refresh', { headers: { Authorization: `Bearer ${stored.refreshToken}` } })
  expect(refresh.status()).toBe(401)
  const me = await request.get('/api/auth/me', { headers: { Authorization: `Bearer ${stored.accessToken}` } })
  expect(me.status()).toBe(401)
  await page.goto('/')
  await expect(page).toHaveURL(/\/login$/)
})

test('a bad access token is refreshed silently', async ({ page, request }) => {
  const user = await createUser(request, 'refresh')
  await plantSession(page, 'expired-or-garbage', user.refreshToken)
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'No workflows yet' })).toBeVisible()
  await expect(page).toHaveURL('/')
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('automateos.session') ?? 'null'))
  expect(stored.accessToken).not.toBe('expired-or-garbage')
  expect(stored.refreshToken).not.toBe(user.refreshToken) // refresh tokens rotate
  await apiCall(request, { ...user, accessToken: stored.accessToken }, 'GET', '/auth/me')
})

test('a failed refresh returns to login with a message', async ({ page, request }) => {
  const user = await createUser(request, 'expired')
  await apiCall(request, user, 'POST', '/auth/logout') // the session is revoked: its refresh token dies
  await plantSession(page, 'expired-or-garbage', user.refreshToken)
  await page.goto('/runs')
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByText('Your session has expired. Please log in again.')).toBeVisible()
  await screenshot(page, 'login-expired')
})
