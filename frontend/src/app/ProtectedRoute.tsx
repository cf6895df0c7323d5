/** Every route but login/register: without a session, go to login and come back after. */
import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router'

import { useSession } from '../api/useSession'

export function ProtectedRoute({ children }: { children: ReactNode }) {
  const session = useSession()
  const location = useLocation()
  if (!session) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
  }
  return <>{children}</>
}
