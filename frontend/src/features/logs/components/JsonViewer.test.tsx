import { ChakraProvider, defaultSystem } from '@chakra-ui/react'
import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { CHILDREN_PER_SLICE, JsonViewer, RAW_LIMIT, STRING_PREVIEW } from './JsonViewer'

// About 5 MB of JSON: 20,000 orders, each with a nested customer and 5 items.
const big = {
  orders: Array.from({ length: 20_000 }, (_, i) => ({
    id: `ORD-${i}`, note: 'x'.repeat(100),
    customer: { email: `c${i}@example.com`, tags: ['a', 'b'] },
    items: Array.from({ length: 5 }, (_, j) => ({ sku: `SKU-${j}`, qty: j, price: j * 1.5 })),
  })),
  total: 42,
}

const nodes = (container: HTMLElement) => container.querySelectorAll('[data-json-node]').length

const renderViewer = (value: unknown) =>
  render(<ChakraProvider value={defaultSystem}><JsonViewer value={value} label="Output of shape" /></ChakraProvider>)

describe('JsonViewer on a large value', () => {
  it('is several megabytes of JSON', () => {
    expect(JSON.stringify(big).length).toBeGreaterThan(5_000_000)
  })

  it('renders only the root level until a level is opened', () => {
    const { container } = renderViewer(big)
    // root + its two keys; nothing of the 20,000 orders yet
    expect(nodes(container)).toBe(3)
    expect(screen.getByText('[20000 items]')).toBeInTheDocument()

    fireEvent.click(screen.getByLabelText('Expand orders'))
    // one slice of orders, each collapsed
    expect(nodes(container)).toBe(3 + CHILDREN_PER_SLICE)
    expect(screen.getByText('Show 100 more (19,900 left)')).toBeInTheDocument()

    fireEvent.click(screen.getByLabelText('Expand 0'))
    expect(nodes(container)).toBe(3 + CHILDREN_PER_SLICE + 4)
    expect(screen.getByText('"ORD-0"')).toBeInTheDocument()

    fireEvent.click(screen.getByText(/^Show 100 more/))
    expect(nodes(container)).toBe(3 + 2 * CHILDREN_PER_SLICE + 4)

    fireEvent.click(screen.getByLabelText('Collapse orders'))
    expect(nodes(container)).toBe(3)
  })

  it('cuts long strings and raw text, and shows them on request', () => {
    const long = 'y'.repeat(STRING_PREVIEW + 50)
    const { container } = renderViewer({ long })
    expect(container.textContent).not.toContain(long)
    fireEvent.click(screen.getByText('50 more characters'))
    expect(container.textContent).toContain(long)
  })

  it('caps the raw text', () => {
    renderViewer(big)
    fireEvent.click(screen.getByText('Show raw'))
    const raw = screen.getByLabelText('Output of shape as raw JSON')
    expect(raw.textContent!.length).toBeLessThan(RAW_LIMIT + 100)
    expect(raw.textContent).toMatch(/more characters$/)
  })

  it('shows scalars with their type', () => {
    const { container } = renderViewer({ n: 1.5, b: false, s: 'hi', z: null })
    expect(container.querySelector('.json-number')!.textContent).toBe('1.5')
    expect(container.querySelector('.json-boolean')!.textContent).toBe('false')
    expect(container.querySelector('.json-string')!.textContent).toBe('"hi"')
    expect(container.querySelectorAll('.json-null')).toHaveLength(1)
  })
})
