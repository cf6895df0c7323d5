/** What a lazy screen shows while its code loads. */
import { Center, Spinner } from '@chakra-ui/react'

export function PageLoader() {
  return (
    <Center py="16" role="status" aria-label="Loading">
      <Spinner size="lg" />
    </Center>
  )
}
