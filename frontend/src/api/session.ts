/**
 * The login session: the token pair, kept in localStorage so a reload stays logged in,
 * with a tiny subscribe API so React (useSyncExternalStore) and the API client share it.
 */

export interface Session {
  accessToken: string
  refreshToken: string
}

/** Why a session ended, shown on the login page. */
export type EndReason = 'logout' | 'expired'

const STORAGE_KEY = 'automateos.session'
const END_KEY = 'automateos.sessionEnd'

type Listener = () => void
const listeners = new Set<Listener>()

function read(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const parsed = JSON.parse(raw) as Partial<Session>
    return parsed.accessToken && parsed.refreshToken
      ? { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken }
      : null
  } catch {
    return null // corrupt storage is a logged-out user, not a crash
  }
}

let current: Session | null = read()

function emit(): void {
  for (const listener of listeners) listener()
}

/** The current token pair, or null when logged out. */
export function getSession(): Session | null {
  return current
}

/** Store a new token pair (after login or refresh). */
export function setSession(session: Session): void {
  current = session
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session))
  sessionStorage.removeItem(END_KEY)
  emit()
}

/** Forget the tokens; `reason` tells the login page what to say. */
export function endSession(reason: EndReason): void {
  current = null
  localStorage.removeItem(STORAGE_KEY)
  sessionStorage.setItem(END_KEY, reason)
  emit()
}

/** Why the last session ended (read once by the login page), or null. */
export function takeEndReason(): EndReason | null {
  const reason = sessionStorage.getItem(END_KEY) as EndReason | null
  sessionStorage.removeItem(END_KEY)
  return reason
}

/** Subscribe to session changes; returns the unsubscribe function. */
export function subscribeSession(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

// Another tab logging in or out changes this tab's session too.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY) {
      current = read()
      emit()
    }
  })
}
