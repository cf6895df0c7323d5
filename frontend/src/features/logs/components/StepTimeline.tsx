/** A bar per step on the run's time axis (the maths is lib/timeline.ts). */
import { Box, Flex, Text } from '@chakra-ui/react'

import { useNow } from '../../../lib/useNow'
import { computeTimeline, formatDuration } from '../lib/timeline'
import type { StepLog } from '../types'
import { paletteOf } from './StatusBadge'

export interface StepTimelineProps {
  startedAt: string
  finishedAt: string | null
  steps: StepLog[]
  /** The run is still going: open bars grow with the clock. */
  running: boolean
}

/** The steps of a run as bars on one time axis, ticking while the run goes on. */
export function StepTimeline({ startedAt, finishedAt, steps, running }: StepTimelineProps) {
  const now = useNow(500, running) // twice a second while the run goes on
  const timeline = computeTimeline({ startedAt, finishedAt, steps, now })
  return (
    <Box as="figure" aria-label="Timeline of the steps" m="0">
      <Box position="relative" h="5" ml={{ base: '6rem', md: '10rem' }} mr={{ base: '5rem', md: '10.5rem' }} mb="1" aria-hidden>
        {timeline.ticks.map((tick) => (
          <Text key={tick.ms} position="absolute" left={`${tick.pct}%`} fontSize="xs" color="fg.muted"
            transform={tick.pct > 90 ? 'translateX(-100%)' : undefined} whiteSpace="nowrap">
            {tick.label}
          </Text>
        ))}
      </Box>
      <Box as="ul" listStyleType="none" m="0" p="0">
        {timeline.bars.map((bar) => (
          <Flex as="li" key={bar.nodeId} align="center" h="7" gap="2" data-testid="timeline-bar" data-node={bar.nodeId}>
            <Text w={{ base: '5.5rem', md: '9.5rem' }} flexShrink={0} fontSize="sm" fontFamily="mono" truncate title={bar.nodeId}>
              {bar.nodeId}
            </Text>
            <Box position="relative" flex="1" h="4" bg="bg.muted" borderRadius="sm">
              {bar.offsetMs !== null ? (
                <Box position="absolute" top="0" h="full" borderRadius="sm" left={`${bar.leftPct}%`} w={`${bar.widthPct}%`}
                  bg={`${paletteOf(bar.status)}.solid`} opacity={bar.open ? 0.7 : 1}
                  backgroundImage={bar.retried ? 'repeating-linear-gradient(45deg, transparent 0 4px, rgba(255,255,255,.35) 4px 8px)' : undefined} />
              ) : null}
              {bar.retryAtPct !== null ? (
                <Box position="absolute" top="-1" bottom="-1" w="2px" bg="orange.solid" left={`${bar.retryAtPct}%`}
                  title="Next attempt" />
              ) : null}
            </Box>
            <Text w={{ base: '4.5rem', md: '10rem' }} flexShrink={0} fontSize="xs" color="fg.muted" textAlign="end">
              {bar.offsetMs === null ? bar.status : `${formatDuration(bar.durationMs)}${bar.open ? '…' : ''}`}
              {bar.attempts > 1 ? ` · ${bar.attempts} attempts` : ''}
            </Text>
          </Flex>
        ))}
      </Box>
      <Text as="figcaption" fontSize="xs" color="fg.muted" mt="1">
        Total {formatDuration(timeline.totalMs)}{running ? ' so far' : ''}. Striped bars were retried: the bar is the last attempt.
      </Text>
    </Box>
  )
}
