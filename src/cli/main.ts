#!/usr/bin/env node
// Entry point of the `kubepki` bin. @peculiar/x509 needs a Reflect polyfill before it loads.
import 'reflect-metadata';
import { runCli } from './run-cli';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kubepki: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
