/** `/runs`: every run of the user, across workflows, with a workflow filter; live. */
import { Heading } from '@chakra-ui/react'

import { useBreadcrumbs } from '../../components/Breadcrumbs'
import { ExecutionLogs } from '../logs'

/** The page of every run of the user (`/runs`). */
export default function RunsPage() {
  useBreadcrumbs([{ label: 'Dashboard', to: '/' }, { label: 'All runs' }])
  return (
    <>
      <Heading as="h1" size="2xl" mb="4">All runs</Heading>
      <ExecutionLogs showWorkflowFilter />
    </>
  )
}
