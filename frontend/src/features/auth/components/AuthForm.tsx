/** The email + password form shared by login and register, with the API's field errors. */
import { Alert, Box, Button, Field, Heading, Input, Stack, Text } from '@chakra-ui/react'
import { type FormEvent, type ReactNode, useState } from 'react'

import { ApiError } from '../../../api/client'
import type { Credentials } from '../api'

interface AuthFormProps {
  title: string
  submitLabel: string
  pending: boolean
  error: unknown
  notice?: string | null
  footer: ReactNode
  passwordHint?: string
  autoCompletePassword: 'current-password' | 'new-password'
  onSubmit: (credentials: Credentials) => void
}

/** Email + password card; field errors come from the API's 422 `errors`. */
export function AuthForm(props: AuthFormProps) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const apiError = props.error instanceof ApiError ? props.error : null
  const fieldErrors = apiError?.fieldErrors() ?? {}
  const generalError = props.error && Object.keys(fieldErrors).length === 0
    ? (apiError?.message ?? 'Something went wrong. Try again.')
    : null

  const submit = (event: FormEvent) => {
    event.preventDefault()
    props.onSubmit({ email, password })
  }

  return (
    <Box as="main" id="main" minH="100dvh" display="flex" alignItems="center" justifyContent="center" p="4" bg="bg.subtle">
      <Box asChild w="full" maxW="sm" bg="bg" borderWidth="1px" borderRadius="lg" p={{ base: '5', md: '8' }} shadow="sm">
        <form onSubmit={submit} noValidate>
        <Stack gap="5">
          <Stack gap="1">
            <Text fontWeight="bold" color="brand.fg">AutomateOS</Text>
            <Heading as="h1" size="xl">{props.title}</Heading>
          </Stack>
          {props.notice && (
            <Alert.Root status="info" role="status">
              <Alert.Indicator />
              <Alert.Title>{props.notice}</Alert.Title>
            </Alert.Root>
          )}
          {generalError && (
            <Alert.Root status="error" role="alert">
              <Alert.Indicator />
              <Alert.Title>{generalError}</Alert.Title>
            </Alert.Root>
          )}
          <Field.Root invalid={Boolean(fieldErrors.email)} required>
            <Field.Label>Email</Field.Label>
            <Input type="email" name="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
            <Field.ErrorText>{fieldErrors.email}</Field.ErrorText>
          </Field.Root>
          <Field.Root invalid={Boolean(fieldErrors.password)} required>
            <Field.Label>Password</Field.Label>
            <Input type="password" name="password" autoComplete={props.autoCompletePassword} value={password} onChange={(e) => setPassword(e.target.value)} />
            {props.passwordHint && !fieldErrors.password && <Field.HelperText>{props.passwordHint}</Field.HelperText>}
            <Field.ErrorText>{fieldErrors.password}</Field.ErrorText>
          </Field.Root>
          <Button type="submit" colorPalette="teal" loading={props.pending}>{props.submitLabel}</Button>
          <Text fontSize="sm">{props.footer}</Text>
        </Stack>
        </form>
      </Box>
    </Box>
  )
}
