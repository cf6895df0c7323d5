/** `/login`: says why the last session ended, then returns to the page that was asked for. */
import { Link as ChakraLink } from '@chakra-ui/react'
import { useState } from 'react'
import { Link, Navigate, useLocation, useNavigate } from 'react-router'

import { takeEndReason } from '../../../api/session'
import { useSession } from '../../../api/useSession'
import { useLogin } from '../mutations'
import { AuthForm } from './AuthForm'

const NOTICES = {
  expired: 'Your session has expired. Please log in again.',
  logout: 'You have been logged out.',
} as const

/** The login screen. */
export default function LoginPage() {
  const session = useSession()
  const location = useLocation()
  const navigate = useNavigate()
  const login = useLogin()
  const [notice] = useState(() => {
    const reason = takeEndReason()
    return reason ? NOTICES[reason] : null
  })
  const from = (location.state as { from?: string } | null)?.from ?? '/'
  if (session && !login.isPending) return <Navigate to={from} replace />
  return (
    <AuthForm
      title="Log in"
      submitLabel="Log in"
      pending={login.isPending}
      error={login.error}
      notice={login.error ? null : notice}
      autoCompletePassword="current-password"
      onSubmit={(credentials) => login.mutate(credentials, { onSuccess: () => navigate(from, { replace: true }) })}
      footer={<>No account yet? <ChakraLink asChild color="brand.fg" textDecoration="underline"><Link to="/register">Create one</Link></ChakraLink></>}
    />
  )
}
