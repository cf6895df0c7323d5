/** `/workflows/new`, `/workflows/:id`: the workflow editor (tabs Editor | Logs | Settings). Placeholder: h7editor builds it. */
import { Heading, Text } from '@chakra-ui/react'
import { useParams } from 'react-router'

export default function EditorPage() {
  const { id } = useParams()
  return (
    <>
      <Heading as="h1" size="2xl">{id ? `Workflow ${id}` : 'New workflow'}</Heading>
      <Text color="fg.muted">The editor is on its way.</Text>
    </>
  )
}
