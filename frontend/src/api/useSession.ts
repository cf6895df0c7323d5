/** React binding of the session store. */
import { useSyncExternalStore } from 'react'

import { getSession, type Session, subscribeSession } from './session'

/** The current token pair (re-renders on login, refresh, logout, expiry). */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession, getSession)
}
