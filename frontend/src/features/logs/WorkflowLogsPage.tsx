/** `/workflows/:id/logs`: one workflow's runs. Placeholder: h8logs builds it. */
import { Heading } from '@chakra-ui/react'
import { useParams } from 'react-router'

import { ExecutionLogs } from './ExecutionLogs'

export default function WorkflowLogsPage() {
  const id = Number(useParams().id)
  return (
    <>
      <Heading as="h1" size="2xl" mb="4">Logs</Heading>
      <ExecutionLogs workflowId={id} />
    </>
  )
}
