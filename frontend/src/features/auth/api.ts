/** Server calls of the auth feature. */
import { api } from '../../api/client'
import { endSession, getSession, setSession } from '../../api/session'

export interface Credentials {
  email: string
  password: string
}

export interface User {
  id: number
  email: string
  created_at: string
}

interface TokenPair {
  access_token: string
  refresh_token: string
}

/** Log in and keep the token pair. */
export async function login(credentials: Credentials): Promise<void> {
  const pair = await api.post<TokenPair>('/auth/login', credentials, { auth: false })
  setSession({ accessToken: pair.access_token, refreshToken: pair.refresh_token })
}

/** Create an account (does not log in). */
export function register(credentials: Credentials): Promise<User> {
  return api.post<User>('/auth/register', credentials, { auth: false })
}

/** Revoke the session on the server, then forget it here (even if the server is gone). */
export async function logout(): Promise<void> {
  const session = getSession()
  try {
    if (session) await api.post<void>('/auth/logout', undefined, { token: session.refreshToken })
  } finally {
    endSession('logout')
  }
}

/** The logged-in user. */
export function fetchMe(): Promise<User> {
  return api.get<User>('/auth/me')
}
