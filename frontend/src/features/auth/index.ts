/** Public exports of the auth feature. */
export { useLogout } from './mutations'
export { useMe } from './queries'
export type { User } from './api'
