/** The frame of every logged-in screen: skip link, header with nav, theme toggle, logout, breadcrumbs. */
import { Box, Button, Container, Flex, HStack, Link as ChakraLink, Text } from '@chakra-ui/react'
import { Suspense } from 'react'
import { NavLink, Outlet } from 'react-router'

import { Breadcrumbs } from '../components/Breadcrumbs'
import { PageLoader } from '../components/PageLoader'
import { useLogout, useMe } from '../features/auth'
import { useColorMode } from '../components/colorMode'

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/runs', label: 'All runs', end: false },
]

function NavItem({ to, label, end }: { to: string; label: string; end: boolean }) {
  return (
    <ChakraLink asChild px="3" py="2" borderRadius="md" fontWeight="medium" color="fg.muted"
      _hover={{ bg: 'bg.muted', color: 'fg', textDecoration: 'none' }}
      css={{ '&[aria-current=page]': { bg: 'bg.emphasized', color: 'fg' } }}>
      <NavLink to={to} end={end}>{label}</NavLink>
    </ChakraLink>
  )
}

export function AppShell() {
  const { colorMode, toggleColorMode } = useColorMode()
  const logout = useLogout()
  const me = useMe()
  return (
    <Box minH="100dvh" bg="bg.subtle">
      <ChakraLink href="#main" position="absolute" left="-9999px" _focus={{ left: '2', top: '2', zIndex: 'overlay', bg: 'bg', p: '2' }}>
        Skip to content
      </ChakraLink>
      <Box as="header" bg="bg" borderBottomWidth="1px">
        <Container maxW="7xl" py="2">
          <Flex align="center" gap="2" wrap="wrap">
            <Text fontWeight="bold" color="brand.fg" mr="2">AutomateOS</Text>
            <Box as="nav" aria-label="Main">
              <HStack as="ul" gap="1" listStyleType="none">
                {NAV.map((item) => <li key={item.to}><NavItem {...item} /></li>)}
              </HStack>
            </Box>
            <HStack ml="auto" gap="2">
              {me.data && <Text fontSize="sm" color="fg.muted" display={{ base: 'none', md: 'block' }}>{me.data.email}</Text>}
              <Button size="sm" variant="ghost" onClick={toggleColorMode}
                aria-label={colorMode === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}>
                {colorMode === 'dark' ? 'Light' : 'Dark'}
              </Button>
              <Button size="sm" variant="outline" onClick={() => logout.mutate()} loading={logout.isPending}>Log out</Button>
            </HStack>
          </Flex>
        </Container>
      </Box>
      <Container as="main" id="main" maxW="7xl" py={{ base: '4', md: '6' }} tabIndex={-1} outline="none">
        <Box mb="4"><Breadcrumbs /></Box>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </Container>
    </Box>
  )
}
