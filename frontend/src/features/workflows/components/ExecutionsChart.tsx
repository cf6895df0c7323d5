/** Runs over the last 7 days, success and failed stacked per hour or day (uPlot, canvas). */
import { Box, Flex, Heading, HStack, SegmentGroup, Skeleton, Stack, Text } from '@chakra-ui/react'
import { useEffect, useMemo, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

import { useColorMode } from '../../../components/colorMode'
import { useExecutionStats } from '../queries'
import type { Bucket, ExecutionStats } from '../types'

const COLORS = {
  light: { success: '#16a34a', failed: '#dc2626', axis: '#52525b', grid: 'rgba(0,0,0,0.07)' },
  dark: { success: '#4ade80', failed: '#f87171', axis: '#a1a1aa', grid: 'rgba(255,255,255,0.08)' },
}

/**
 * uPlot's columns: time (s), failed stacked on success, success; plus one empty bucket at
 * the end so that the current bucket's bar is drawn whole, not cut at the edge.
 */
export function toColumns(stats: ExecutionStats): uPlot.AlignedData {
  const size = stats.bucket === 'day' ? 86_400 : 3600
  const x = stats.buckets.map((b) => Date.parse(b.start) / 1000)
  const success: Array<number | null> = stats.buckets.map((b) => b.success)
  const stacked: Array<number | null> = stats.buckets.map((b) => b.success + b.failed)
  if (x.length) {
    x.push(x[x.length - 1]! + size)
    success.push(null)
    stacked.push(null)
  }
  return [x, stacked, success]
}

function Plot({ stats, bucket }: { stats: ExecutionStats; bucket: Bucket }) {
  const container = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const { colorMode } = useColorMode()
  const colors = COLORS[colorMode]
  const failed = useMemo(() => stats.buckets.map((b) => b.failed), [stats])
  const failedRef = useRef(failed)
  useEffect(() => {
    failedRef.current = failed
  })

  // (Re)build when the look changes; data alone only calls setData below.
  useEffect(() => {
    const el = container.current
    if (!el) return
    const bars = uPlot.paths.bars!({ size: [0.8, 40], align: 0 })
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 220,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { stroke: colors.axis, grid: { stroke: colors.grid }, ticks: { stroke: colors.grid } },
        { stroke: colors.axis, grid: { stroke: colors.grid }, ticks: { stroke: colors.grid }, size: 44,
          values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      ],
      series: [
        { value: (_u, v) => (v == null ? '' : new Date(v * 1000).toLocaleString(undefined, bucket === 'day'
          ? { dateStyle: 'medium' } : { dateStyle: 'short', timeStyle: 'short' })) },
        { label: 'Failed', fill: colors.failed, stroke: colors.failed, paths: bars, points: { show: false },
          value: (_u, _v, _si, idx) => (idx == null ? '' : String(failedRef.current[idx] ?? 0)) },
        { label: 'Success', fill: colors.success, stroke: colors.success, paths: bars, points: { show: false } },
      ],
    }
    const chart = new uPlot(opts, toColumns(stats), el)
    plot.current = chart
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: 220 }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      chart.destroy()
      plot.current = null
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- data updates go through setData
  }, [colors, bucket])

  useEffect(() => {
    plot.current?.setData(toColumns(stats))
  }, [stats])

  return <Box ref={container} w="full" minH="220px" css={{ '& .u-legend': { fontSize: 'sm', color: 'fg' } }} />
}

export function ExecutionsChart({ bucket, onBucketChange }: { bucket: Bucket; onBucketChange: (b: Bucket) => void }) {
  const { data, isPending, isError } = useExecutionStats(bucket)
  const summary = data
    ? `Runs over the last 7 days: ${data.totals.total} in all, ${data.totals.success} succeeded, ${data.totals.failed} failed.`
    : 'Runs over the last 7 days.'
  return (
    <Box as="section" aria-labelledby="executions-chart-title" bg="bg" borderWidth="1px" borderRadius="lg" p={{ base: '3', md: '5' }}>
      <Flex justify="space-between" align="center" wrap="wrap" gap="3" mb="3">
        <Stack gap="0">
          <Heading as="h2" size="md" id="executions-chart-title">Executions, last 7 days</Heading>
          {data && (
            <HStack gap="3" fontSize="sm" color="fg.muted" data-testid="chart-totals">
              <Text>{data.totals.total} runs</Text>
              <Text>{data.totals.success} success</Text>
              <Text>{data.totals.failed} failed</Text>
            </HStack>
          )}
        </Stack>
        <SegmentGroup.Root size="sm" value={bucket} onValueChange={(e) => e.value && onBucketChange(e.value as Bucket)}
          aria-label="Group runs by">
          <SegmentGroup.Indicator />
          <SegmentGroup.Items items={[{ value: 'hour', label: 'Per hour' }, { value: 'day', label: 'Per day' }]} />
        </SegmentGroup.Root>
      </Flex>
      {isError && <Text color="fg.error">The chart could not be loaded.</Text>}
      {isPending && <Skeleton height="220px" />}
      {data && (
        <figure role="img" aria-label={summary} style={{ margin: 0 }}>
          <Plot stats={data} bucket={bucket} />
        </figure>
      )}
    </Box>
  )
}
