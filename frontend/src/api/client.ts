/**
 * THE API client: every server call of the dashboard goes through `api`.
 *
 * - base `/api`, JSON in and out, `Authorization: Bearer <access token>`;
 * - a 401 on an authenticated call refreshes the token pair once (one refresh in flight,
 *   shared by every call that got a 401 meanwhile) and retries the call;
 * - a failed refresh ends the session ('expired'): the router sends the user to login;
 * - every failure is an `ApiError` carrying the server's `{code, status, message, errors}`.
 */
import { endSession, getSession, setSession } from './session'

export const API_BASE = '/api'

/** The one error shape of the API. */
export interface ErrorBody {
  code: number
  status: string
  message: string
  errors?: unknown
}

/** A failed API call; `errors` holds field errors for 422s (e.g. `{json: {email: [...]}}`). */
export class ApiError extends Error implements ErrorBody {
  readonly code: number
  readonly status: string
  readonly errors?: unknown

  constructor(body: ErrorBody) {
    super(body.message)
    this.name = 'ApiError'
    this.code = body.code
    this.status = body.status
    this.errors = body.errors
  }

  /**
   * Field errors flattened to `field -> first message`, whatever the location
   * (`json`, `query`, ...) the server nested them under; nested paths are dotted.
   */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    const walk = (value: unknown, path: string[]): void => {
      if (Array.isArray(value)) {
        if (value.every((item) => typeof item === 'string')) {
          if (value.length) out[path.join('.')] = value[0] as string
        } else value.forEach((item, i) => walk(item, [...path, String(i)]))
      } else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key])
      } else if (typeof value === 'string') {
        out[path.join('.')] = value
      }
    }
    const errors = this.errors
    if (errors && typeof errors === 'object' && !Array.isArray(errors)) {
      for (const [location, inner] of Object.entries(errors)) {
        // The request location is not part of the field's name.
        const isLocation = ['json', 'query', 'form', 'headers', 'path', 'files'].includes(location)
        walk(inner, isLocation ? [] : [location])
      }
    }
    return out
  }
}

export type Query = Record<string, string | number | boolean | null | undefined | Array<string | number>>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Send the access token (default true). Login/register send none. */
  auth?: boolean
  /** Use this token instead of the session's access token (refresh, logout). */
  token?: string
  signal?: AbortSignal
}

/** Build `/api/<path>?<query>`; arrays repeat the key (`status=a&status=b`). */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) value.forEach((item) => params.append(key, String(item)))
    else params.append(key, String(value))
  }
  const search = params.toString()
  return `${API_BASE}${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`
}

async function toError(response: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    // Not JSON (a proxy's HTML page, a dropped connection): keep the HTTP status.
  }
  if (body && typeof body === 'object' && 'message' in body && 'code' in body) {
    return new ApiError(body as ErrorBody)
  }
  return new ApiError({ code: response.status, status: response.statusText || 'Error', message: response.statusText || `HTTP ${response.status}` })
}

async function send(method: string, path: string, options: RequestOptions, token: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  try {
    return await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError({ code: 0, status: 'Network Error', message: 'The server cannot be reached. Check your connection.' })
  }
}

interface TokenPair {
  access_token: string
  refresh_token: string
}

let refreshing: Promise<boolean> | null = null

/**
 * Exchange the refresh token for a new pair. Concurrent callers share one request:
 * refresh tokens rotate, so a second refresh with the same token would revoke the session.
 */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = (async () => {
      const session = getSession()
      if (!session) return false
      const response = await send('POST', '/auth/refresh', {}, session.refreshToken).catch(() => null)
      if (!response?.ok) {
        // A token pair replaced meanwhile (another tab) is not an expiry.
        if (getSession()?.refreshToken === session.refreshToken) endSession('expired')
        return getSession() !== null
      }
      const pair = (await response.json()) as TokenPair
      setSession({ accessToken: pair.access_token, refreshToken: pair.refresh_token })
      return true
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

/** Call the API; resolves with the parsed JSON body (undefined for 204), rejects with ApiError. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth ?? true
  const tokenFor = () => options.token ?? (auth ? getSession()?.accessToken : undefined)
  const sentWith = tokenFor()
  let response = await send(method, path, options, sentWith)
  if (response.status === 401 && auth && !options.token && sentWith) {
    // Someone may have refreshed while this call was out: retry with the new token first.
    const fresh = getSession()?.accessToken
    const ok = fresh && fresh !== sentWith ? true : await refreshSession()
    if (ok) response = await send(method, path, options, tokenFor())
  }
  if (!response.ok) throw await toError(response)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** Shorthands; `api.get<T>('/workflows')`. */
export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
}
