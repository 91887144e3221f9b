export { runCli, USAGE } from './cli.js';
export { EXIT, UsageError, type CliIo } from './cli-io.js';
