/** `/workflows/:id/logs`: one workflow's runs, live. */
import { Flex, Heading, Link } from '@chakra-ui/react'
import { Link as RouterLink, useParams } from 'react-router'

import { useBreadcrumbs } from '../../components/Breadcrumbs'
import { ExecutionLogs } from './ExecutionLogs'
import { useWorkflowName } from './queries'

/** The page of a workflow's runs, with breadcrumbs Dashboard › workflow › Logs. */
export default function WorkflowLogsPage() {
  const id = Number(useParams().id)
  const name = useWorkflowName(id).data?.name ?? `Workflow ${id}`
  useBreadcrumbs([{ label: 'Dashboard', to: '/' }, { label: name, to: `/workflows/${id}` }, { label: 'Logs' }])
  return (
    <>
      <Flex align="baseline" justify="space-between" gap="4" mb="4" wrap="wrap">
        <Heading as="h1" size="2xl">Logs of {name}</Heading>
        <Link asChild fontSize="sm"><RouterLink to={`/workflows/${id}`}>Open in the editor</RouterLink></Link>
      </Flex>
      <ExecutionLogs workflowId={id} />
    </>
  )
}
