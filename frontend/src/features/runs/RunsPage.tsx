/** `/runs`: every run of the user. Placeholder: h8logs builds it. */
import { Heading } from '@chakra-ui/react'

import { ExecutionLogs } from '../logs'

export default function RunsPage() {
  return (
    <>
      <Heading as="h1" size="2xl" mb="4">All runs</Heading>
      <ExecutionLogs showWorkflowFilter />
    </>
  )
}
