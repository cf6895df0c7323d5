/** Mutation hooks of the auth feature. */
import { useMutation, useQueryClient } from '@tanstack/react-query'

import { type Credentials, login, logout, register } from './api'

/** Log in. */
export function useLogin() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: login,
    // Nothing cached from a previous user may show to this one.
    onSuccess: () => queryClient.clear(),
  })
}

/** Register, then log in with the same credentials. */
export function useRegister() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (credentials: Credentials) => {
      await register(credentials)
      await login(credentials)
    },
    onSuccess: () => queryClient.clear(),
  })
}

/** Log out (revokes the session on the server). */
export function useLogout() {
  const queryClient = useQueryClient()
  return useMutation({ mutationFn: logout, onSettled: () => queryClient.clear() })
}
