/** `/logs/:id`: one run, step by step. Placeholder: h8logs builds it. */
import { Heading } from '@chakra-ui/react'
import { useParams } from 'react-router'

export default function ExecutionDetailPage() {
  const { id } = useParams()
  return <Heading as="h1" size="2xl">Run {id}</Heading>
}
