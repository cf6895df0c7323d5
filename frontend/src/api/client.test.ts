import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { api, ApiError, apiUrl } from './client'
import { endSession, getSession, setSession, takeEndReason } from './session'

/** A fake server: routes by "METHOD path", records every request it got. */
function fakeServer(handler: (method: string, path: string, auth: string | null) => Response | Promise<Response>) {
  const calls: Array<{ method: string; path: string; auth: string | null }> = []
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost')
    const headers = new Headers(init?.headers)
    const call = { method: init?.method ?? 'GET', path: url.pathname + url.search, auth: headers.get('Authorization') }
    calls.push(call)
    return handler(call.method, call.path, call.auth)
  })
  return calls
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const expired = () => json(401, { code: 401, status: 'Unauthorized', message: 'Token has expired' })

beforeEach(() => setSession({ accessToken: 'old-access', refreshToken: 'old-refresh' }))
afterEach(() => {
  vi.unstubAllGlobals()
  endSession('logout')
  takeEndReason()
})

describe('apiUrl', () => {
  it('prefixes /api and repeats array params', () => {
    expect(apiUrl('/logs', { status: ['failed', 'success'], q: '', limit: 5, since: undefined }))
      .toBe('/api/logs?status=failed&status=success&limit=5')
  })
})

describe('api client', () => {
  it('sends the access token and parses JSON', async () => {
    const calls = fakeServer(() => json(200, [{ id: 1 }]))
    await expect(api.get('/workflows')).resolves.toEqual([{ id: 1 }])
    expect(calls).toEqual([{ method: 'GET', path: '/api/workflows', auth: 'Bearer old-access' }])
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    const calls = fakeServer((method, path, auth) => {
      if (path === '/api/auth/refresh') {
        return auth === 'Bearer old-refresh'
          ? json(200, { access_token: 'new-access', refresh_token: 'new-refresh', token_type: 'bearer', expires_in: 900 })
          : expired()
      }
      return auth === 'Bearer new-access' ? json(200, { ok: method }) : expired()
    })
    // Three calls fail together: one refresh serves all of them (refresh tokens rotate).
    const results = await Promise.all([api.get('/a'), api.get('/b'), api.post('/c', { x: 1 })])
    expect(results).toEqual([{ ok: 'GET' }, { ok: 'GET' }, { ok: 'POST' }])
    expect(calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1)
    expect(getSession()).toEqual({ accessToken: 'new-access', refreshToken: 'new-refresh' })
  })

  it('ends the session as expired when the refresh fails', async () => {
    fakeServer((_method, path) => (path === '/api/auth/refresh'
      ? json(401, { code: 401, status: 'Unauthorized', message: 'Token has been revoked' })
      : expired()))
    const error = await api.get('/workflows').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(401)
    expect(getSession()).toBeNull()
    expect(takeEndReason()).toBe('expired')
  })

  it('does not refresh for calls without auth (login)', async () => {
    const calls = fakeServer(() => json(401, { code: 401, status: 'Unauthorized', message: 'Bad credentials' }))
    await expect(api.post('/auth/login', { email: 'a@b.c', password: 'x' }, { auth: false }))
      .rejects.toMatchObject({ code: 401, message: 'Bad credentials' })
    expect(calls.map((c) => c.path)).toEqual(['/api/auth/login'])
    expect(getSession()).not.toBeNull()
  })

  it('carries the error shape and flattens field errors', async () => {
    fakeServer(() => json(422, {
      code: 422,
      status: 'Unprocessable Entity',
      message: 'The request is invalid',
      errors: { json: { email: ['Not a valid email address.'], definition: { nodes: { 0: { params: ['Bad.'] } } } } },
    }))
    const error = (await api.post('/auth/register', {}).catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 422, status: 'Unprocessable Entity', message: 'The request is invalid' })
    expect(error.fieldErrors()).toEqual({ email: 'Not a valid email address.', 'definition.nodes.0.params': 'Bad.' })
  })

  it('turns a non-JSON failure and a network failure into ApiError', async () => {
    fakeServer(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    await expect(api.get('/x')).rejects.toMatchObject({ code: 502, status: 'Bad Gateway' })
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')))
    await expect(api.get('/x')).rejects.toMatchObject({ code: 0, status: 'Network Error' })
  })

  it('returns undefined for 204', async () => {
    fakeServer(() => new Response(null, { status: 204 }))
    await expect(api.post('/auth/logout')).resolves.toBeUndefined()
  })
})
