/** `/register`: creates the account and logs in. */
import { Link as ChakraLink } from '@chakra-ui/react'
import { Link, Navigate, useNavigate } from 'react-router'

import { useSession } from '../../../api/useSession'
import { useRegister } from '../mutations'
import { AuthForm } from './AuthForm'

/** The registration screen. */
export default function RegisterPage() {
  const session = useSession()
  const navigate = useNavigate()
  const register = useRegister()
  if (session && !register.isPending) return <Navigate to="/" replace />
  return (
    <AuthForm
      title="Create your account"
      submitLabel="Create account"
      pending={register.isPending}
      error={register.error}
      passwordHint="At least 8 characters."
      autoCompletePassword="new-password"
      onSubmit={(credentials) => register.mutate(credentials, { onSuccess: () => navigate('/', { replace: true }) })}
      footer={<>Already registered? <ChakraLink asChild color="brand.fg" textDecoration="underline"><Link to="/login">Log in</Link></ChakraLink></>}
    />
  )
}
