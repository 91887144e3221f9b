import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  writeStdout: (chunk) => new Promise<void>((resolve, reject) => process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()))),
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY,
});
// Let stdout drain before exiting (a pipe may be slow).
process.exitCode = code;
