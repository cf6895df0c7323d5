/** Any unknown client route. */
import { Button, Heading, Stack, Text } from '@chakra-ui/react'
import { Link } from 'react-router'

export function NotFoundPage() {
  return (
    <Stack gap="4" py="10" align="start">
      <Heading as="h1" size="xl">Page not found</Heading>
      <Text color="fg.muted">There is nothing at this address.</Text>
      <Button asChild colorPalette="teal"><Link to="/">Back to the dashboard</Link></Button>
    </Stack>
  )
}
