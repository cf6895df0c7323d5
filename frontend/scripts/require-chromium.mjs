// The e2e suite drives Debian's Chromium. Missing it is a clear message, and under CI a failure.
import { existsSync } from 'node:fs'

const browser = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(browser)) {
  console.error(`Chromium not found at ${browser}. Install it with: sudo apt-get install -y chromium`)
  process.exit(1)
}
