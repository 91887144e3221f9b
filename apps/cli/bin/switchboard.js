#!/usr/bin/env node
// Runs the CLI from its TypeScript source, as the hub runs (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
