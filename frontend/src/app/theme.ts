/** The Chakra design system of the dashboard: Chakra's defaults plus the brand colour. */
import { createSystem, defaultConfig, defineConfig } from '@chakra-ui/react'

const config = defineConfig({
  globalCss: {
    // Keyboard focus is always visible, in both themes.
    '*:focus-visible': { outline: '2px solid', outlineColor: 'colorPalette.focusRing', outlineOffset: '2px' },
  },
  theme: {
    semanticTokens: {
      colors: {
        brand: {
          solid: { value: { _light: '{colors.teal.700}', _dark: '{colors.teal.300}' } },
          fg: { value: { _light: '{colors.teal.800}', _dark: '{colors.teal.200}' } },
        },
      },
    },
  },
})

export const system = createSystem(defaultConfig, config)
