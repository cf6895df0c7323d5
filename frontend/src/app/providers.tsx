/** Everything the screens need around them: design system, theme, server state, breadcrumbs. */
import { ChakraProvider } from '@chakra-ui/react'
import { type QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { type ReactNode, useState } from 'react'

import { BreadcrumbsProvider } from '../components/Breadcrumbs'
import { Toaster } from '../components/toaster'
import { ColorModeProvider } from '../components/colorMode'
import { createQueryClient } from './queryClient'
import { system } from './theme'

/** Wraps the app (and component tests) in its providers. */
export function AppProviders({ children, queryClient }: { children: ReactNode; queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient())
  return (
    <ChakraProvider value={system}>
      <ColorModeProvider>
        <QueryClientProvider client={client}>
          <BreadcrumbsProvider>{children}</BreadcrumbsProvider>
          <Toaster />
        </QueryClientProvider>
      </ColorModeProvider>
    </ChakraProvider>
  )
}
