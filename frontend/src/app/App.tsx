/** The app: providers around the router. */
import { useState } from 'react'
import { RouterProvider } from 'react-router'

import { AppProviders } from './providers'
import { createRouter } from './routes'

export function App() {
  const [router] = useState(createRouter)
  return (
    <AppProviders>
      <RouterProvider router={router} />
    </AppProviders>
  )
}
