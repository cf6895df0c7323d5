/** Moved to src/components/colorMode (features import shared UI, not the app): kept for old imports. */
export { type ColorMode, ColorModeProvider, useColorMode } from '../components/colorMode'
