/** Public exports of the logs feature. */
export { ExecutionLogs, type ExecutionLogsProps } from './ExecutionLogs'
