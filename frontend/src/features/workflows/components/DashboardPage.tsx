/** `/`: the dashboard (workflow cards and the executions chart). */
import { Heading, Stack, Text } from '@chakra-ui/react'

import { useBreadcrumbs } from '../../../components/Breadcrumbs'

export default function DashboardPage() {
  useBreadcrumbs([{ label: 'Dashboard' }])
  return (
    <Stack gap="4">
      <Heading as="h1" size="2xl">Dashboard</Heading>
      <Text color="fg.muted">Your workflows and their runs.</Text>
    </Stack>
  )
}
